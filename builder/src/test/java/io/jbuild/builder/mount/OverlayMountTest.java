package io.jbuild.builder.mount;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.builder.sys.LibC;
import io.jbuild.builder.sys.TestSupport;
import io.jbuild.oci.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OverlayMountTest {
  @TempDir Path tmp;

  /** The mount points every overlay gets at its bottom, made once per test. */
  private Path stubs() throws IOException {
    Path s = tmp.resolve("stubs");
    return Files.isDirectory(s) ? s : OverlayMount.createMountPointStubs(s);
  }
  private Path upper;
  private Path work;
  private Path target;

  @BeforeEach
  void setUp() throws Exception {
    TestSupport.requireRoot();
    TestSupport.require(Files.readString(Path.of("/proc/filesystems")).contains("overlay"),
        "overlayfs (modprobe overlay)");
    upper = Files.createDirectories(tmp.resolve("upper"));
    work = Files.createDirectories(tmp.resolve("work"));
    target = Files.createDirectories(tmp.resolve("merged"));
  }

  private static boolean isMounted(Path p) throws Exception {
    return Files.readString(Path.of("/proc/self/mountinfo")).contains(" " + p + " ");
  }

  @Test
  void mount_manyLowersBeyondOnePage_stacksThemTopFirst() throws Exception {
    List<Path> lowers = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      // snapshot-like names: 150 * ~110 characters is far more than a page of mount options
      Path dir = Files.createDirectories(tmp.resolve("snapshots")
          .resolve(Digest.sha256("layer" + i).encoded()).resolve("fs"));
      Files.writeString(dir.resolve("file" + i), "x");
      Files.writeString(dir.resolve("same"), "layer" + i);
      lowers.add(dir);
    }

    try (OverlayMount m = OverlayMount.mount(lowers, upper, work, target, stubs())) {
      assertTrue(isMounted(target));
      assertEquals("layer0", Files.readString(m.target().resolve("same")), "first is on top");
      for (int i = 0; i < 150; i++) {
        assertTrue(Files.exists(target.resolve("file" + i)), "file" + i);
      }
    }
    assertFalse(isMounted(target));
  }

  @Test
  void mount_noLowers_showsOnlyMountPointStubs() throws Exception {
    try (OverlayMount m = OverlayMount.mount(List.of(), upper, work, target, stubs());
        Stream<Path> top = Files.list(m.target())) {
      assertEquals(List.of("dev", "etc", "proc", "sys"),
          top.map(p -> p.getFileName().toString()).sorted().toList());
      Files.writeString(m.target().resolve("new"), "n");
    }
    try (Stream<Path> left = Files.list(upper)) {
      assertEquals(List.of(upper.resolve("new")), left.toList(), "writes land in the upper dir");
    }
  }

  @Test
  void mount_twoAtOnceOnOneStubsDir_eachWritesToItsOwnUpperAndTheStubsStayEmpty() throws Exception {
    Path stubs = stubs();
    Path upper2 = Files.createDirectories(tmp.resolve("upper2"));
    Path work2 = Files.createDirectories(tmp.resolve("work2"));
    Path target2 = Files.createDirectories(tmp.resolve("merged2"));

    try (OverlayMount a = OverlayMount.mount(List.of(), upper, work, target, stubs);
        OverlayMount b = OverlayMount.mount(List.of(), upper2, work2, target2, stubs)) {
      Files.writeString(a.target().resolve("etc/hosts"), "a");
      Files.writeString(b.target().resolve("etc/hosts"), "b");
      assertEquals("a", Files.readString(target.resolve("etc/hosts")));
      assertEquals("b", Files.readString(target2.resolve("etc/hosts")));
    }

    assertEquals("a", Files.readString(upper.resolve("etc/hosts")));
    assertEquals("b", Files.readString(upper2.resolve("etc/hosts")));
    assertEquals(0, Files.size(stubs.resolve("etc/hosts")), "the shared stubs are never written");
    assertTrue(Files.isDirectory(stubs.resolve("proc")), "and outlive the mounts");
  }

  @Test
  void mount_chownOfLowerFile_copiesDataUp() throws Exception {
    // metacopy=off: the upper dir must hold the data, not just the new owner
    Path lower = Files.createDirectories(tmp.resolve("lower"));
    Files.writeString(lower.resolve("f"), "content");

    try (OverlayMount m = OverlayMount.mount(List.of(lower), upper, work, target, stubs())) {
      LibC.lchown(m.target().resolve("f"), 5, 5);
    }

    assertEquals("content", Files.readString(upper.resolve("f")));
  }

  @Test
  void close_afterMountIsGone_doesNotThrow() throws Exception {
    OverlayMount m = OverlayMount.mount(List.of(), upper, work, target, stubs());
    LibC.umount2(target, 0);

    assertDoesNotThrow(m::close);
    assertDoesNotThrow(m::close);
  }

  @Test
  void releaseAtLeast_readsMajorAndMinorOfAKernelRelease() {
    org.junit.jupiter.api.Assertions.assertTrue(OverlayMount.releaseAtLeast("6.18.44-fc-v782", 5, 10));
    org.junit.jupiter.api.Assertions.assertTrue(OverlayMount.releaseAtLeast("5.10.0-23-amd64", 5, 10));
    org.junit.jupiter.api.Assertions.assertFalse(OverlayMount.releaseAtLeast("5.4.0-150-generic", 5, 10));
    org.junit.jupiter.api.Assertions.assertFalse(OverlayMount.releaseAtLeast("4.19.0", 5, 10));
    org.junit.jupiter.api.Assertions.assertFalse(OverlayMount.releaseAtLeast("garbage", 5, 10));
  }
}
