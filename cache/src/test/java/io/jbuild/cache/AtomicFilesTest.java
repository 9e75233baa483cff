package io.jbuild.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir
  Path tmp;

  @Test
  void tempFile_isNewEmptyAndOwnerOnly_withPrefixAndSuffix() throws IOException {
    Set<Path> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      Path f = AtomicFiles.tempFile(tmp, "blob-", ".partial");
      assertTrue(seen.add(f), "a fresh name each time");
      assertEquals(tmp, f.getParent());
      assertTrue(f.getFileName().toString().matches("blob-[0-9a-z]{6,13}\\.partial"), f.toString());
      assertEquals(0, Files.size(f));
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }
  }

  @Test
  void tempDirectory_isOwnerOnly() throws IOException {
    Path d = AtomicFiles.tempDirectory(tmp, "unpack-");
    assertTrue(Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
  }

  @Test
  void write_replacesTheTarget_andLeavesNoTemporaryFile() throws IOException {
    Path target = tmp.resolve("a/b/record.json");
    Path work = Files.createDirectories(tmp.resolve("work"));
    AtomicFiles.write(target, work, "one".getBytes());
    AtomicFiles.write(target, work, "two".getBytes());
    assertArrayEquals("two".getBytes(), Files.readAllBytes(target));
    try (Stream<Path> left = Files.list(work)) {
      assertFalse(left.findAny().isPresent());
    }
  }
}
