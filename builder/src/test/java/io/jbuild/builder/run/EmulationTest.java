package io.jbuild.builder.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.oci.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmulationTest {
  private static final Platform AMD64 = Platform.of("linux", "amd64", null);

  @TempDir
  Path binfmt;

  @Test
  void missingFor_foreignArchWithoutHandler_namesHandlerAndPackages() {
    Optional<String> why = new Emulation(binfmt).missingFor(Platform.of("linux", "arm64", "v8"), AMD64);
    assertTrue(why.isPresent());
    assertTrue(why.get().contains(binfmt.resolve("qemu-aarch64").toString()), why.get());
    assertTrue(why.get().contains("apt-get install qemu-user-static binfmt-support"), why.get());
  }

  @Test
  void missingFor_foreignArchWithHandler_isEmpty() throws Exception {
    Files.writeString(binfmt.resolve("qemu-aarch64"), "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\n");
    assertEquals(Optional.empty(), new Emulation(binfmt).missingFor(Platform.of("linux", "arm64", null), AMD64));
  }

  @Test
  void missingFor_hostArchOrNativeCompanion_isEmpty() {
    Emulation e = new Emulation(binfmt);
    assertEquals(Optional.empty(), e.missingFor(AMD64, AMD64));
    assertEquals(Optional.empty(), e.missingFor(Platform.of("linux", "386", null), AMD64));
    assertEquals(Optional.empty(), e.missingFor(null, AMD64));
  }
}
