package io.jbuild.builder.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.cache.DockerIgnore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** COPY's file rules as BuildKit applies them. */
class CopyFilesTest {
  @TempDir
  Path src;

  @TempDir
  Path dest;

  @BeforeEach
  void context() throws Exception {
    Files.writeString(src.resolve("a.txt"), "a");
    Files.writeString(src.resolve("b.txt"), "b");
    Files.createDirectories(src.resolve("dir/sub"));
    Files.writeString(src.resolve("dir/sub/c.txt"), "c");
    Files.createSymbolicLink(src.resolve("dir/link"), Path.of("sub/c.txt"));
    Files.setLastModifiedTime(src.resolve("a.txt"), FileTime.fromMillis(1_000_000_000_000L));
  }

  private CopyFiles copier(List<String> ignore) {
    return new CopyFiles(src, dest, new CopyFiles.Owner(0, 0), null, DockerIgnore.matcher(ignore));
  }

  private static int[] owner(Path p) throws Exception {
    return new int[] {(Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS),
        (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS)};
  }

  /** Fresh directories skip per-file checks and chowns: the owners must come out the same. */
  @Test
  void copy_intoFreshDirectories_everyEntryGetsTheOwnerAskedFor() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(owner(Path.of("/proc/self"))[0] == 0, "needs root to chown");
    new CopyFiles(src, dest, new CopyFiles.Owner(1234, 5678), null, DockerIgnore.matcher(List.of()))
        .copy(List.of("dir"), "/app");
    new CopyFiles(src, dest, new CopyFiles.Owner(0, 0), null, DockerIgnore.matcher(List.of()))
        .copy(List.of("dir"), "/root-owned");
    for (String p : List.of("app", "app/sub", "app/sub/c.txt", "app/link")) {
      assertEquals(List.of(1234, 5678), java.util.Arrays.stream(owner(dest.resolve(p))).boxed().toList(), p);
    }
    for (String p : List.of("root-owned", "root-owned/sub", "root-owned/sub/c.txt", "root-owned/link")) {
      assertEquals(List.of(0, 0), java.util.Arrays.stream(owner(dest.resolve(p))).boxed().toList(), p);
    }
  }

  /** Without --chown each entry keeps its owner, also below a set-group-id directory. */
  @Test
  void copy_keepingOwners_belowASetgidDirectory_keepsEachFilesGroup() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(owner(Path.of("/proc/self"))[0] == 0, "needs root to chown");
    Files.setAttribute(src.resolve("dir/sub"), "unix:gid", 4321);
    Files.setAttribute(src.resolve("dir/sub"), "unix:mode", 02755);
    Files.setAttribute(src.resolve("dir/sub/c.txt"), "unix:gid", 0);
    new CopyFiles(src, dest, null, null, DockerIgnore.matcher(List.of())).copy(List.of("dir"), "/keep");
    assertEquals(4321, owner(dest.resolve("keep/sub"))[1]);
    assertEquals(0, owner(dest.resolve("keep/sub/c.txt"))[1]);
  }

  /** Directories are copied on several threads: links between them and every file must survive. */
  @Test
  void copy_manyDirectoriesWithHardLinksAcrossThem_copiesAllAndKeepsTheLinks() throws Exception {
    Path tree = src.resolve("tree");
    for (int d = 0; d < 12; d++) {
      for (int e = 0; e < 5; e++) {
        Path dir = Files.createDirectories(tree.resolve("d" + d).resolve("e" + e));
        for (int f = 0; f < 20; f++) {
          Files.writeString(dir.resolve("f" + f), d + "/" + e + "/" + f);
        }
      }
    }
    Files.writeString(tree.resolve("d0/shared"), "shared");
    for (int d = 1; d < 12; d++) {
      Files.createLink(tree.resolve("d" + d).resolve("shared"), tree.resolve("d0/shared"));
    }
    CopyFiles c = copier(List.of());
    c.copy(List.of("tree"), "/t");
    for (int d = 0; d < 12; d++) {
      for (int e = 0; e < 5; e++) {
        for (int f = 0; f < 20; f++) {
          assertEquals(d + "/" + e + "/" + f, Files.readString(dest.resolve("t/d" + d + "/e" + e + "/f" + f)));
        }
      }
      assertEquals(Files.getAttribute(dest.resolve("t/d0/shared"), "unix:ino"),
          Files.getAttribute(dest.resolve("t/d" + d + "/shared"), "unix:ino"), "d" + d + "/shared is a link");
    }
    assertEquals(12 * 5 * 20 + 12 + 12 * 5 + 12 + 1, c.count(), "files, links and directories written");
  }

  @Test
  void copy_fileToNewName_createsThatFile() throws Exception {
    copier(List.of()).copy(List.of("a.txt"), "/x/renamed");
    assertEquals("a", Files.readString(dest.resolve("x/renamed")));
    assertEquals(FileTime.fromMillis(1_000_000_000_000L), Files.getLastModifiedTime(dest.resolve("x/renamed")));
  }

  @Test
  void copy_trailingSlash_meansIntoDirectory() throws Exception {
    copier(List.of()).copy(List.of("a.txt"), "/x/");
    assertEquals("a", Files.readString(dest.resolve("x/a.txt")));
  }

  @Test
  void copy_directory_copiesItsContentsAndKeepsLinks() throws Exception {
    copier(List.of()).copy(List.of("dir"), "/app");
    assertEquals("c", Files.readString(dest.resolve("app/sub/c.txt")));
    assertTrue(Files.isSymbolicLink(dest.resolve("app/link")));
    assertEquals(Path.of("sub/c.txt"), Files.readSymbolicLink(dest.resolve("app/link")));
    assertFalse(Files.exists(dest.resolve("app/dir")));
  }

  @Test
  void copy_wildcard_matchesAndNeedsDirectoryDestination() throws Exception {
    copier(List.of()).copy(List.of("*.txt"), "/w/");
    assertEquals("a", Files.readString(dest.resolve("w/a.txt")));
    assertEquals("b", Files.readString(dest.resolve("w/b.txt")));
    CopyFiles.CopyException e = assertThrows(CopyFiles.CopyException.class,
        () -> copier(List.of()).copy(List.of("a.txt", "b.txt"), "/file"));
    assertTrue(e.getMessage().contains("must be a directory and end with a /"), e.getMessage());
  }

  @Test
  void copy_missingSource_namesIt() {
    CopyFiles.CopyException e = assertThrows(CopyFiles.CopyException.class,
        () -> copier(List.of()).copy(List.of("nope.txt"), "/x"));
    assertEquals("\"/nope.txt\": not found", e.getMessage());
  }

  @Test
  void copy_ignoredFiles_areNeitherCopiedNorFound() throws Exception {
    copier(List.of("*.txt", "dir/sub")).copy(List.of("."), "/all/");
    assertFalse(Files.exists(dest.resolve("all/a.txt")));
    assertFalse(Files.exists(dest.resolve("all/dir/sub")));
    assertTrue(Files.isSymbolicLink(dest.resolve("all/dir/link")));
    assertThrows(CopyFiles.CopyException.class, () -> copier(List.of("a.txt")).copy(List.of("a.txt"), "/x"));
  }

  @Test
  void copy_destinationThroughSymlink_staysInsideRoot() throws Exception {
    Files.createSymbolicLink(dest.resolve("escape"), Path.of("/tmp/../../"));
    copier(List.of()).copy(List.of("a.txt"), "/escape/a.txt");
    assertEquals("a", Files.readString(dest.resolve("a.txt")));
  }

  @Test
  void copy_sourceEscapingContext_isCleanedToTheContext() throws Exception {
    copier(List.of()).copy(List.of("../../a.txt"), "/x.txt");
    assertEquals("a", Files.readString(dest.resolve("x.txt")));
  }

  @Test
  void copy_withOwnerAndChmod_appliesThem() throws Exception {
    new CopyFiles(src, dest, new CopyFiles.Owner(1000, 1001), ChmodSpec.parse("0640"), p -> false)
        .copy(List.of("a.txt"), "/o/");
    Path f = dest.resolve("o/a.txt");
    assertEquals(1000, Files.getAttribute(f, "unix:uid"));
    assertEquals(1001, Files.getAttribute(f, "unix:gid"));
    assertEquals(0640, (Integer) Files.getAttribute(f, "unix:mode") & 07777);
    assertEquals(1000, Files.getAttribute(dest.resolve("o"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void copy_hardlinks_stayLinked() throws Exception {
    Files.createLink(src.resolve("hard"), src.resolve("b.txt"));
    copier(List.of()).copy(List.of("."), "/h/");
    assertEquals(Files.getAttribute(dest.resolve("h/hard"), "unix:ino"), Files.getAttribute(dest.resolve("h/b.txt"), "unix:ino"));
  }
}
