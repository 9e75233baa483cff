package io.jbuild.builder.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootedPathTest {
  @TempDir
  Path root;

  @Test
  void resolve_absoluteSymlink_staysInsideRoot() throws Exception {
    Files.createDirectories(root.resolve("usr/bin"));
    Files.createSymbolicLink(root.resolve("bin"), Path.of("/usr/bin"));
    assertEquals(root.resolve("usr/bin/sh"), RootedPath.resolve(root, "/bin/sh", true));
  }

  @Test
  void resolve_dotDotAndEscapingLinks_neverLeaveRoot() throws Exception {
    Files.createSymbolicLink(root.resolve("up"), Path.of("../../../../etc"));
    assertEquals(root.resolve("etc/passwd"), RootedPath.resolve(root, "up/passwd", true));
    assertEquals(root.resolve("x"), RootedPath.resolve(root, "../../x", true));
  }

  @Test
  void resolve_lastComponentLink_followedOnlyWhenAsked() throws Exception {
    Files.createSymbolicLink(root.resolve("link"), Path.of("target"));
    assertEquals(root.resolve("link"), RootedPath.resolve(root, "link", false));
    assertEquals(root.resolve("target"), RootedPath.resolve(root, "link", true));
  }

  @Test
  void resolve_linkLoop_isAnError() throws Exception {
    Files.createSymbolicLink(root.resolve("a"), Path.of("b"));
    Files.createSymbolicLink(root.resolve("b"), Path.of("a"));
    org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> RootedPath.resolve(root, "a/x", true));
  }

  @Test
  void clean_normalisesLikeGo() {
    assertEquals("a/c", RootedPath.clean("/a/./b/../c/"));
    assertEquals("", RootedPath.clean("/.."));
  }
}
