package io.jbuild.builder.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Each libc wrapper for real, through libjbuild.so: what it does and how it fails. */
class LibCTest {
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
  @TempDir Path tmp;

  private static int attr(Path p, String name) throws IOException {
    return (Integer) Files.getAttribute(p, "unix:" + name, NOFOLLOW);
  }

  /** A regular file f and a symlink link -> f. */
  private Path linkToFile() throws IOException {
    Path f = Files.writeString(tmp.resolve("f"), "data");
    return Files.createSymbolicLink(tmp.resolve("link"), f.getFileName());
  }

  @Test
  void copyFile_contentOwnerModeAndMtime_inOneCall() throws Exception {
    byte[] data = new byte[300_000]; // more than one read/write round
    new java.util.Random(4).nextBytes(data);
    Path src = Files.write(tmp.resolve("src"), data);
    Path dst = tmp.resolve("dst");
    boolean root = attr(Path.of("/proc/self"), "uid") == 0;
    int uid = root ? 1234 : -1;

    LibC.copyFile(src, dst, 04751, uid, 5678, 1_600_000_000_123_456_789L);

    assertArrayEquals(data, Files.readAllBytes(dst));
    assertEquals(0104751, attr(dst, "mode"), "set-id bits survive: the mode is set after the owner");
    if (root) {
      assertEquals(1234, attr(dst, "uid"));
      assertEquals(5678, attr(dst, "gid"));
    }
    assertEquals(Instant.ofEpochSecond(1_600_000_000L, 123_456_789L), Files.getLastModifiedTime(dst, NOFOLLOW).toInstant());
    // a source symlink is followed, as COPY follows a named source
    Path viaLink = tmp.resolve("via-link");
    LibC.copyFile(linkToFile(), viaLink, 0644, -1, -1, 0);
    assertEquals("data", Files.readString(viaLink));
  }

  @Test
  void copyFile_existingTargetOrSymlinkThere_refusedWithEexistAndLeftAlone() throws Exception {
    Path src = Files.writeString(tmp.resolve("src"), "new");
    Path existing = Files.writeString(tmp.resolve("existing"), "old");
    LibC.ErrnoException e = assertThrows(LibC.ErrnoException.class, () -> LibC.copyFile(src, existing, 0644, -1, -1, 0));
    assertEquals(LibC.EEXIST, e.errno());
    assertEquals("old", Files.readString(existing));

    Path victim = Files.writeString(tmp.resolve("victim"), "keep");
    Path trap = Files.createSymbolicLink(tmp.resolve("trap"), victim.getFileName());
    e = assertThrows(LibC.ErrnoException.class, () -> LibC.copyFile(src, trap, 0644, -1, -1, 0));
    assertEquals(LibC.EEXIST, e.errno());
    assertEquals("keep", Files.readString(victim), "the link is not followed");
    assertThrows(java.io.IOException.class, () -> LibC.copyFile(tmp.resolve("missing"), tmp.resolve("x"), 0644, -1, -1, 0));
    assertFalse(Files.exists(tmp.resolve("x"), NOFOLLOW), "nothing is left of a failed copy");
  }

  @Test
  void chmod_setsSetuidSetgidAndSticky() throws Exception {
    Path f = Files.writeString(tmp.resolve("f"), "x");
    LibC.chmod(f, 07751);
    assertEquals(07751, attr(f, "mode") & 07777);
  }

  @Test
  void lutimes_setsTheLinkItselfToTheNanosecond() throws Exception {
    Path link = linkToFile();
    FileTime targetBefore = Files.getLastModifiedTime(tmp.resolve("f"));
    LibC.lutimes(link, 1_000_000_000L, 5, 1_234_567_890L, 123_456_789);
    assertEquals(FileTime.from(Instant.ofEpochSecond(1_234_567_890L, 123_456_789)),
        Files.getLastModifiedTime(link, NOFOLLOW));
    assertEquals(FileTime.from(Instant.ofEpochSecond(1_000_000_000L, 5)),
        Files.getAttribute(link, "lastAccessTime", NOFOLLOW));
    assertEquals(targetBefore, Files.getLastModifiedTime(tmp.resolve("f")), "the target is untouched");
  }

  @Test
  void lchown_changesTheLinkNotItsTarget() throws Exception {
    TestSupport.requireRoot();
    Path link = linkToFile();
    LibC.lchown(link, 1234, 5678);
    assertEquals(1234, attr(link, "uid"));
    assertEquals(5678, attr(link, "gid"));
    assertEquals(0, attr(tmp.resolve("f"), "uid"), "the target keeps its owner");
    LibC.lchown(link, -1, 42); // -1: unchanged
    assertEquals(1234, attr(link, "uid"));
    assertEquals(42, attr(link, "gid"));
  }

  @Test
  void xattrs_setGetListOfUserAttributes() throws Exception {
    Path f = Files.writeString(tmp.resolve("f"), "x");
    byte[] big = new byte[3000];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) i;
    }
    try {
      LibC.lsetxattr(f, "user.jbuild.small", "v1".getBytes(StandardCharsets.UTF_8));
    } catch (LibC.ErrnoException e) {
      Assumptions.assumeTrue(e.errno() != LibC.ENOTSUP, "no user xattrs on " + tmp + ": " + e.getMessage());
      throw e;
    }
    LibC.lsetxattr(f, "user.jbuild.big", big);
    LibC.lsetxattr(f, "user.jbuild.empty", new byte[0]);

    assertArrayEquals("v1".getBytes(StandardCharsets.UTF_8), LibC.lgetxattr(f, "user.jbuild.small"));
    assertArrayEquals(big, LibC.lgetxattr(f, "user.jbuild.big"));
    assertArrayEquals(new byte[0], LibC.lgetxattr(f, "user.jbuild.empty"));
    assertNull(LibC.lgetxattr(f, "user.jbuild.none"), "ENODATA: no such attribute");
    List<String> names = LibC.llistxattr(f).stream().filter(n -> n.startsWith("user.")).sorted().toList();
    assertEquals(List.of("user.jbuild.big", "user.jbuild.empty", "user.jbuild.small"), names);

    LibC.lsetxattr(f, "user.jbuild.small", "v2".getBytes(StandardCharsets.UTF_8)); // replaces
    assertArrayEquals("v2".getBytes(StandardCharsets.UTF_8), LibC.lgetxattr(f, "user.jbuild.small"));
  }

  @Test
  void llistxattr_ofAFileWithoutUserAttributes_hasNone() throws Exception {
    Path f = Files.writeString(tmp.resolve("f"), "x");
    assertTrue(LibC.llistxattr(f).stream().noneMatch(n -> n.startsWith("user.")));
  }

  @Test
  void lsetxattr_nameWithNul_isEinvalNotATruncatedName() throws Exception {
    Path f = Files.writeString(tmp.resolve("f"), "x");
    LibC.ErrnoException e = assertThrows(LibC.ErrnoException.class,
        () -> LibC.lsetxattr(f, "user.a\0b", new byte[1]));
    assertEquals(LibC.EINVAL, e.errno());
  }

  @Test
  void mknod_makesAFifo() throws Exception {
    Path fifo = tmp.resolve("fifo");
    LibC.mknod(fifo, LibC.S_IFIFO | 0640, 0, 0);
    assertTrue(Files.readAttributes(fifo, java.nio.file.attribute.BasicFileAttributes.class).isOther());
    assertEquals(LibC.S_IFIFO | 0640, attr(fifo, "mode"));
  }

  @Test
  void mknod_makesACharacterDevice() throws Exception {
    TestSupport.requireRoot();
    Path dev = tmp.resolve("null");
    LibC.mknod(dev, LibC.S_IFCHR | 0640, 1, 3);
    assertEquals(LibC.S_IFCHR | 0640, attr(dev, "mode"));
    long rdev = (Long) Files.getAttribute(dev, "unix:rdev", NOFOLLOW);
    assertEquals(1, LibC.major(rdev));
    assertEquals(3, LibC.minor(rdev));
  }

  @Test
  void mount_tmpfsThenUmount2() throws Exception {
    TestSupport.requireRoot();
    Path target = Files.createDirectory(tmp.resolve("mnt"));
    LibC.mount("tmpfs", target, "tmpfs", LibC.MS_NOSUID | LibC.MS_NODEV, "size=1m,mode=0700");
    try {
      assertTrue(mountInfo().contains(" " + target + " "), "mounted");
      assertEquals(0700, attr(target, "mode") & 07777, "the mount data reached tmpfs");
      Files.writeString(target.resolve("inside"), "x");
      // null fstype and data reach the kernel as NULL; the flags as given
      LibC.mount("tmpfs", target, null, LibC.MS_REMOUNT | LibC.MS_RDONLY, null);
      assertThrows(java.nio.file.FileSystemException.class,
          () -> Files.writeString(target.resolve("other"), "x"), "read-only after the remount");
    } catch (Throwable t) {
      LibC.umount2(target, LibC.MNT_DETACH);
      throw t;
    }
    LibC.umount2(target, 0);
    assertFalse(mountInfo().contains(" " + target + " "), "unmounted");
    assertFalse(Files.exists(target.resolve("inside")), "the tmpfs is gone");

    LibC.ErrnoException e = assertThrows(LibC.ErrnoException.class, () -> LibC.umount2(target, 0));
    assertEquals(LibC.EINVAL, e.errno(), "not a mount point");
    assertEquals("umount " + target + ": Invalid argument (errno 22)", e.getMessage());
  }

  private static String mountInfo() throws IOException {
    return Files.readString(Path.of("/proc/self/mountinfo"));
  }

  @Test
  void everyCall_onAMissingPath_throwsEnoentNamingCallAndPath() throws Exception {
    Path missing = tmp.resolve("no/such");
    assertEnoent("chmod " + missing, () -> LibC.chmod(missing, 0644));
    assertEnoent("lchown " + missing, () -> LibC.lchown(missing, 0, 0));
    assertEnoent("utimensat " + missing, () -> LibC.lutimes(missing, 0, 0, 0, 0));
    assertEnoent("mknod " + missing, () -> LibC.mknod(missing, LibC.S_IFIFO | 0644, 0, 0));
    assertEnoent("lsetxattr user.x " + missing, () -> LibC.lsetxattr(missing, "user.x", new byte[1]));
    assertEnoent("lgetxattr user.x " + missing, () -> LibC.lgetxattr(missing, "user.x"));
    assertEnoent("llistxattr " + missing, () -> LibC.llistxattr(missing));
    if ("root".equals(System.getProperty("user.name"))) {
      assertEnoent("mount -t tmpfs tmpfs (size=1m) on " + missing,
          () -> LibC.mount("tmpfs", missing, "tmpfs", 0, "size=1m"));
      assertEnoent("umount " + missing, () -> LibC.umount2(missing, 0));
    }
  }

  private static void assertEnoent(String prefix, Executable call) {
    LibC.ErrnoException e = assertThrows(LibC.ErrnoException.class, call, prefix);
    assertEquals(LibC.ENOENT, e.errno(), e.getMessage());
    assertEquals(prefix + ": No such file or directory (errno 2)", e.getMessage());
    assertEquals(LibC.ENOENT, LibC.errno(), "errno() of the last failure on this thread");
  }

  @Test
  void describe_knownAndUnknownErrnos() {
    assertEquals("No such file or directory (errno 2)", LibC.describe(2));
    assertEquals("Operation not supported (errno 95)", LibC.describe(LibC.ENOTSUP));
    assertEquals("No data available (errno 61)", LibC.describe(LibC.ENODATA));
    assertEquals("errno 41 (errno 41)", LibC.describe(41));
    assertEquals("errno 0 (errno 0)", LibC.describe(0));
    assertEquals("errno 4000 (errno 4000)", LibC.describe(4000));
  }

  @Test
  void nonAsciiPath_reachesTheSameFileAsTheJdk() throws Exception {
    String name = "d\u00e4t\u00e4-\u6f22\u5b57-\ud83d\ude00";
    Charset jnu = Charset.forName(System.getProperty("sun.jnu.encoding"));
    Assumptions.assumeTrue(jnu.newEncoder().canEncode(name), "file names in " + jnu + " cannot hold " + name);
    Path f = Files.writeString(tmp.resolve(name), "x");
    LibC.chmod(f, 0604);
    assertEquals(0604, attr(f, "mode") & 07777);
  }

  @Test
  void statDir_listsEntriesSortedWithTheirLstat_linksNotFollowed() throws Exception {
    java.nio.file.Path d = java.nio.file.Files.createTempDirectory("statdir");
    try {
      java.nio.file.Files.writeString(d.resolve("b.txt"), "12345");
      java.nio.file.Files.createDirectory(d.resolve("a-dir"));
      java.nio.file.Files.createSymbolicLink(d.resolve("c-link"), java.nio.file.Path.of("b.txt"));
      java.nio.file.Files.createLink(d.resolve("d-hard"), d.resolve("b.txt"));
      DirEntries e = LibC.statDir(d);
      java.util.List<String> names = new java.util.ArrayList<>();
      while (e.next()) {
        names.add(e.name());
        Stat st = Stat.of(e);
        Stat jdk = Stat.of(d.resolve(e.name()), false);
        org.junit.jupiter.api.Assertions.assertEquals(jdk, st, e.name());
      }
      org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of("a-dir", "b.txt", "c-link", "d-hard"), names);
      e = LibC.statDir(d);
      e.next();
      org.junit.jupiter.api.Assertions.assertTrue(e.isDirectory());
      e.next();
      org.junit.jupiter.api.Assertions.assertEquals(5, e.size());
      org.junit.jupiter.api.Assertions.assertEquals(2, e.nlink());
      e.next();
      org.junit.jupiter.api.Assertions.assertEquals(LibC.S_IFLNK, e.mode() & LibC.S_IFMT);
      LibC.ErrnoException missing = org.junit.jupiter.api.Assertions.assertThrows(LibC.ErrnoException.class,
          () -> LibC.statDir(d.resolve("nope")));
      org.junit.jupiter.api.Assertions.assertEquals(LibC.ENOENT, missing.errno());
      org.junit.jupiter.api.Assertions.assertTrue(missing.getMessage().contains("nope"), missing.getMessage());
    } finally {
      io.jbuild.cache.FileTrees.delete(d);
    }
  }
}
