package io.jbuild.builder.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.builder.layer.Compression;
import io.jbuild.builder.layer.LayerBlob;
import io.jbuild.builder.layer.LayerWriter;
import io.jbuild.builder.mount.OverlayMount;
import io.jbuild.builder.sys.TestSupport;
import io.jbuild.cache.DockerIgnore;
import io.jbuild.cache.StorageRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A COPY into an overlayfs rootfs writes the contents of the directories it creates straight
 * into the upper dir (CopyFiles.writeNewDirectoriesTo): the layer must come out exactly as when
 * everything goes through the mount.
 */
class CopyIntoOverlayTest {
  private static final long CLAMP = 1_200_000_000L;

  @TempDir Path tmp;

  /** The mount points every overlay gets at its bottom, made once per test. */
  private Path stubs() throws IOException {
    Path s = tmp.resolve("stubs");
    return Files.isDirectory(s) ? s : OverlayMount.createMountPointStubs(s);
  }

  private Path context() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("ctx"));
    Files.writeString(src.resolve("top.txt"), "top");
    Files.writeString(src.resolve("old.txt"), "replaces the lower's");
    for (int d = 0; d < 3; d++) {
      Path dir = Files.createDirectories(src.resolve("src/mod" + d + "/pkg"));
      for (int f = 0; f < 5; f++) {
        Files.writeString(dir.resolve("f" + f + ".java"), "class F" + f + " {}\n".repeat(d + f));
      }
      Files.createSymbolicLink(dir.resolve("link"), Path.of("f0.java"));
    }
    Files.setPosixFilePermissions(src.resolve("src/mod1/pkg/f1.java"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
    // one inode under two names: in an existing directory and in a new one
    Files.createLink(src.resolve("src/mod2/hard.txt"), src.resolve("top.txt"));
    // and in "lib", which exists in the lower: what goes there passes through the mount
    Files.createDirectories(src.resolve("lib"));
    Files.createLink(src.resolve("lib/hard2.txt"), src.resolve("src/mod0/pkg/f3.java"));
    Files.writeString(src.resolve("lib/new.txt"), "new in an old dir");
    // sources of one time long ago; what the copy changes in the lower's directories gets "now",
    // which the layers clamp (CLAMP), so that two copies a second apart still compare
    try (java.util.stream.Stream<Path> all = Files.walk(src)) {
      for (Path p : all.filter(p -> !Files.isSymbolicLink(p)).toList()) {
        Files.setLastModifiedTime(p, FileTime.fromMillis(1_000_000_000_000L));
      }
    }
    return src;
  }

  private Path lower() throws Exception {
    Path lower = Files.createDirectories(tmp.resolve("lower"));
    Files.createDirectories(lower.resolve("app/lib"));
    Files.writeString(lower.resolve("app/old.txt"), "old");
    Files.writeString(lower.resolve("app/lib/kept.txt"), "kept");
    Files.setLastModifiedTime(lower.resolve("app"), FileTime.fromMillis(1_500_000_000_000L));
    return lower;
  }

  private LayerBlob copyAndWriteLayer(String name, Path src, Path lower, boolean direct, StorageRoot root) throws Exception {
    Path upper = Files.createDirectories(tmp.resolve(name + "/upper"));
    Path work = Files.createDirectories(tmp.resolve(name + "/work"));
    Path merged = Files.createDirectories(tmp.resolve(name + "/merged"));
    try (OverlayMount m = OverlayMount.mount(List.of(lower), upper, work, merged, stubs())) {
      CopyFiles copy = new CopyFiles(src, merged, new CopyFiles.Owner(0, 0), null, DockerIgnore.matcher(List.of()));
      if (direct) {
        copy.writeNewDirectoriesTo(upper);
      }
      copy.copy(List.of("."), "/app");
    }
    return LayerWriter.write(upper, root.content(), Compression.NONE, CLAMP);
  }

  @Test
  void copy_newDirectoriesStraightIntoTheUpperDir_sameLayerAsThroughTheMount() throws Exception {
    TestSupport.requireRoot();
    Path src = context();
    Path lower = lower();
    StorageRoot root = StorageRoot.open(tmp.resolve("root"));

    LayerBlob through = copyAndWriteLayer("through", src, lower, false, root);
    Thread.sleep(1100); // "now" differs: only the clamp may make the copied-up directories equal
    LayerBlob direct = copyAndWriteLayer("direct", src, lower, true, root);

    assertEquals(through.diffId(), direct.diffId(), "the same tar, byte for byte");
    Path upper = tmp.resolve("direct/upper");
    assertEquals("class F3" + " {}\n".repeat(3), Files.readString(upper.resolve("app/src/mod0/pkg/f3.java")));
    assertTrue(Files.isSymbolicLink(upper.resolve("app/src/mod1/pkg/link")));
    assertEquals(Files.getAttribute(upper.resolve("app/top.txt"), "unix:ino"),
        Files.getAttribute(upper.resolve("app/src/mod2/hard.txt"), "unix:ino"), "hard links stay links");
    assertEquals(Files.getAttribute(upper.resolve("app/src/mod0/pkg/f3.java"), "unix:ino"),
        Files.getAttribute(upper.resolve("app/lib/hard2.txt"), "unix:ino"));
    assertFalse(Files.exists(upper.resolve("app/lib/kept.txt"), LinkOption.NOFOLLOW_LINKS), "the lower's files stay below");
    assertEquals("replaces the lower's", Files.readString(upper.resolve("app/old.txt")));
  }
}
