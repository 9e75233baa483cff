package io.jbuild.builder.user;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserResolverTest {
  @TempDir Path rootfs;

  @BeforeEach
  void setUp() throws IOException {
    Files.createDirectories(rootfs.resolve("etc"));
    Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"
        + "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
        + "# comment\n"
        + "app:x:1000:1000:app:/home/app:/bin/sh\n"
        + "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
    Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\ndaemon:x:1:\n"
        + "app:x:1000:\nwheel:x:10:app,daemon\naudio:x:29:app\nnogroup:x:65534:\n");
  }

  @Test
  void resolve_empty_isRoot() throws IOException {
    assertEquals(new ResolvedUser(0, 0, List.of(), "/root"), UserResolver.resolve(rootfs, ""));
  }

  @Test
  void resolve_name_usesPasswdAndMemberships() throws IOException {
    assertEquals(new ResolvedUser(1000, 1000, List.of(10, 29), "/home/app"),
        UserResolver.resolve(rootfs, "app"));
  }

  @Test
  void resolve_knownUid_isLikeItsName() throws IOException {
    assertEquals(new ResolvedUser(1, 1, List.of(10), "/usr/sbin"),
        UserResolver.resolve(rootfs, "1"));
  }

  @Test
  void resolve_unknownUid_runsWithGidZero() throws IOException {
    assertEquals(new ResolvedUser(4242, 0, List.of(), "/"), UserResolver.resolve(rootfs, "4242"));
  }

  @Test
  void resolve_nameAndGroupName_usesThatGroupOnly() throws IOException {
    assertEquals(new ResolvedUser(1000, 29, List.of(), "/home/app"),
        UserResolver.resolve(rootfs, "app:audio"));
  }

  @Test
  void resolve_numericUidAndGid_needNoFiles() throws IOException {
    Files.delete(rootfs.resolve("etc/passwd"));
    Files.delete(rootfs.resolve("etc/group"));

    assertEquals(new ResolvedUser(1234, 5678, List.of(), "/"),
        UserResolver.resolve(rootfs, "1234:5678"));
  }

  @Test
  void resolve_unknownName_failsNamingUserAndFile() {
    IOException e = assertThrows(IOException.class, () -> UserResolver.resolve(rootfs, "ghost"));

    assertTrue(e.getMessage().contains("ghost") && e.getMessage().contains("etc/passwd"),
        e.getMessage());
  }

  @Test
  void resolve_unknownGroupName_failsNamingGroupAndFile() {
    IOException e = assertThrows(IOException.class,
        () -> UserResolver.resolve(rootfs, "app:ghosts"));

    assertTrue(e.getMessage().contains("ghosts") && e.getMessage().contains("etc/group"),
        e.getMessage());
  }

  @Test
  void resolve_passwdSymlinkClimbingOut_readsInsideRootfs() throws IOException {
    Files.delete(rootfs.resolve("etc/passwd"));
    Files.createSymbolicLink(rootfs.resolve("etc/passwd"),
        Path.of("../../../../../../../inside-passwd"));
    Files.writeString(rootfs.resolve("inside-passwd"), "inside:x:77:88::/in:/bin/sh\n");

    assertEquals(new ResolvedUser(77, 88, List.of(), "/in"),
        UserResolver.resolve(rootfs, "inside"));
  }

  @Test
  void resolve_passwdAbsoluteSymlink_readsInsideRootfs() throws IOException {
    Files.delete(rootfs.resolve("etc/passwd"));
    Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of("/usr/lib/passwd"));
    Files.createDirectories(rootfs.resolve("usr/lib"));
    Files.writeString(rootfs.resolve("usr/lib/passwd"), "lib:x:5:6::/:/bin/sh\n");

    assertEquals(5, UserResolver.resolve(rootfs, "lib").uid());
  }
}
