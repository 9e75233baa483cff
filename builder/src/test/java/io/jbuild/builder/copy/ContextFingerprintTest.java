package io.jbuild.builder.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.jbuild.oci.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContextFingerprintTest {
  @TempDir
  Path ctx;

  @BeforeEach
  void tree() throws Exception {
    Files.createDirectories(ctx.resolve("src/deep/er"));
    Files.writeString(ctx.resolve("src/a.txt"), "a");
    Files.writeString(ctx.resolve("src/deep/er/b.txt"), "b");
    Files.createDirectories(ctx.resolve("build"));
    Files.writeString(ctx.resolve("build/out.bin"), "o");
    Files.writeString(ctx.resolve("build/keep.txt"), "k");
    Files.createSymbolicLink(ctx.resolve("link"), Path.of("src/a.txt"));
  }

  private Digest of(String... patterns) throws Exception {
    return ContextFingerprint.of(ctx, List.of(patterns));
  }

  @Test
  void unchangedTree_sameFingerprint() throws Exception {
    assertEquals(of(), of());
  }

  @Test
  void contentRewrittenWithSameSizeAndMtime_differs() throws Exception {
    Digest before = of();
    Path a = ctx.resolve("src/a.txt");
    FileTime t = Files.getLastModifiedTime(a);
    Thread.sleep(10); // ctime has nanoseconds here, but be safe on coarse clocks
    Files.writeString(a, "z");
    Files.setLastModifiedTime(a, t);
    assertNotEquals(before, of());
  }

  @Test
  void mtimeOnlyChange_differs_soTheBuildTakesTheLongWayWhereContentDecides() throws Exception {
    Digest before = of();
    Files.setLastModifiedTime(ctx.resolve("src/deep/er/b.txt"), FileTime.fromMillis(1_000));
    assertNotEquals(before, of());
  }

  @Test
  void symlinkTargetChange_differs() throws Exception {
    Digest before = of();
    Files.delete(ctx.resolve("link"));
    Files.createSymbolicLink(ctx.resolve("link"), Path.of("src/deep"));
    assertNotEquals(before, of());
  }

  @Test
  void ignoredFileChange_same() throws Exception {
    Digest before = of("build");
    Files.writeString(ctx.resolve("build/out.bin"), "changed");
    Files.writeString(ctx.resolve("build/new.bin"), "new");
    // the ignored directory's own entry changed too (a new child): still nothing counted
    assertEquals(before, of("build"));
  }

  @Test
  void fileReincludedBelowAnIgnoredDirectory_counts() throws Exception {
    Digest before = of("build", "!build/keep.txt");
    Files.writeString(ctx.resolve("build/out.bin"), "changed");
    assertEquals(before, of("build", "!build/keep.txt"));
    Files.writeString(ctx.resolve("build/keep.txt"), "changed");
    assertNotEquals(before, of("build", "!build/keep.txt"));
  }

  @Test
  void otherPatterns_otherFingerprint() throws Exception {
    assertNotEquals(of(), of("build"));
  }
}
