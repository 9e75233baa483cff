package io.jbuild.builder.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Extraction of libjbuild.so: where it goes, when it is reused, what is refused. */
class NativeLibraryTest {
  private static final String HASH = "ab".repeat(32);
  private static final byte[] LIB = "not really an ELF file".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final int OTHER_UID = 12345;
  @TempDir Path tmp;
  private int uid;
  private Path dir;
  private Path file;

  @BeforeEach
  void setUp() throws IOException {
    uid = NativeLibrary.currentUid();
    dir = tmp.resolve("jbuild-native");
    file = dir.resolve("libjbuild-" + HASH + ".so");
  }

  private static int mode(Path p) throws IOException {
    return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
  }

  private static Object inode(Path p) throws IOException {
    return Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
  }

  @Test
  void currentUid_isTheOwnerOfWhatThisProcessCreates() throws IOException {
    Path f = Files.createFile(tmp.resolve("mine"));
    assertEquals(Files.getAttribute(f, "unix:uid"), uid);
  }

  @Test
  void extract_createsAPrivateDirectoryAndAContentNamedFile() throws IOException {
    assertEquals(file, NativeLibrary.extract(dir, HASH, LIB, uid));
    assertEquals(0700, mode(dir));
    assertEquals(0700, mode(file));
    assertArrayEquals(LIB, Files.readAllBytes(file));
    try (var left = Files.list(dir)) {
      assertEquals(1, left.count(), "no temporary file left");
    }
  }

  @Test
  void extract_again_reusesTheFileWithoutWritingIt() throws IOException {
    NativeLibrary.extract(dir, HASH, LIB, uid);
    Object ino = inode(file);
    Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(0));
    assertEquals(file, NativeLibrary.extract(dir, HASH, LIB, uid));
    assertEquals(ino, inode(file));
    assertEquals(0, Files.getLastModifiedTime(file).toMillis(), "not rewritten");
  }

  @Test
  void extract_overADamagedFile_writesItAgain() throws IOException {
    NativeLibrary.extract(dir, HASH, LIB, uid);
    Files.write(file, new byte[] {1, 2, 3});
    NativeLibrary.extract(dir, HASH, LIB, uid);
    assertArrayEquals(LIB, Files.readAllBytes(file));
  }

  @Test
  void aFileOfAnotherUid_isRefusedAndReplaced() throws IOException {
    TestSupport.requireRoot();
    NativeLibrary.extract(dir, HASH, LIB, uid);
    Files.setAttribute(file, "unix:uid", OTHER_UID); // the right bytes, the wrong owner
    Object planted = inode(file);
    IOException e = assertThrows(IOException.class, () -> NativeLibrary.checkPrivate(file, uid, false));
    assertTrue(e.getMessage().contains("owned by uid " + OTHER_UID), e.getMessage());

    assertEquals(file, NativeLibrary.extract(dir, HASH, LIB, uid));
    assertNotEquals(planted, inode(file), "a new file, not the planted one");
    assertEquals(uid, Files.getAttribute(file, "unix:uid"));
  }

  @Test
  void aFileWritableByGroupOrOthers_isRefusedAndReplaced() throws IOException {
    NativeLibrary.extract(dir, HASH, LIB, uid);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxrw-rw-"));
    IOException e = assertThrows(IOException.class, () -> NativeLibrary.checkPrivate(file, uid, false));
    assertTrue(e.getMessage().contains("writable by its group or others"), e.getMessage());

    NativeLibrary.extract(dir, HASH, LIB, uid);
    assertEquals(0700, mode(file));
  }

  @Test
  void aSymlinkInPlaceOfTheFile_isReplaced() throws IOException {
    Path elsewhere = Files.write(tmp.resolve("elsewhere.so"), LIB);
    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Files.createSymbolicLink(file, elsewhere);
    NativeLibrary.extract(dir, HASH, LIB, uid);
    assertTrue(Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void aDirectoryOfAnotherUid_isRefused() throws IOException {
    TestSupport.requireRoot();
    Files.createDirectory(dir);
    Files.setAttribute(dir, "unix:uid", OTHER_UID);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    IOException e = assertThrows(IOException.class, () -> NativeLibrary.extract(dir, HASH, LIB, uid));
    assertTrue(e.getMessage().contains("owned by uid " + OTHER_UID), e.getMessage());
    assertTrue(Files.notExists(file));
  }

  @Test
  void aDirectoryWritableByOthers_isRefused() throws IOException {
    Files.createDirectory(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    IOException e = assertThrows(IOException.class, () -> NativeLibrary.extract(dir, HASH, LIB, uid));
    assertTrue(e.getMessage().contains("writable by its group or others (mode 777)"), e.getMessage());
  }

  @Test
  void aSymlinkInPlaceOfTheDirectory_isRefused() throws IOException {
    Path real = Files.createDirectory(tmp.resolve("real"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Files.createSymbolicLink(dir, real);
    IOException e = assertThrows(IOException.class, () -> NativeLibrary.extract(dir, HASH, LIB, uid));
    assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
  }

  @Test
  void aParentOthersCanRenameIn_isRefused() throws IOException {
    Path parent = Files.createDirectory(tmp.resolve("open"));
    Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxrwxrwx"));
    IOException e = assertThrows(IOException.class,
        () -> NativeLibrary.extract(parent.resolve("jbuild-native"), HASH, LIB, uid));
    assertTrue(e.getMessage().contains("lets others replace"), e.getMessage());
    Files.setAttribute(parent, "unix:mode", 01777); // sticky, as /tmp: entries stay their owners'
    NativeLibrary.extract(parent.resolve("jbuild-native"), HASH, LIB, uid);
  }

  @Test
  void load_fromADirectoryOfAnotherUid_usesAPrivateCopyInstead() throws IOException {
    TestSupport.requireRoot();
    Files.createDirectory(dir);
    Files.setAttribute(dir, "unix:uid", OTHER_UID); // squatted: not used, not written
    String before = System.getProperty("jbuild.nativeDir");
    System.setProperty("jbuild.nativeDir", dir.toString());
    try {
      assertEquals(null, NativeLibrary.load());
    } finally {
      if (before == null) {
        System.clearProperty("jbuild.nativeDir");
      } else {
        System.setProperty("jbuild.nativeDir", before);
      }
    }
    try (var left = Files.list(dir)) {
      assertEquals(0, left.count(), "nothing written into the squatted directory");
    }
    try (var privates = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      assertEquals(0, privates.filter(p -> p.getFileName().toString().startsWith("jbuild-native-private-")).count(),
          "the private copy is deleted once loaded");
    }
  }

  @Test
  void libC_loadsTheClassPathLibraryFromTheDefaultDirectory() throws IOException {
    LibCJni.ensureLoaded();
    Path cache = Path.of(System.getProperty("java.io.tmpdir"), "jbuild-native-" + uid);
    Path lib = cache.resolve(NativeLibrary.fileName(NativeHash.SHA256));
    assertTrue(Files.isRegularFile(lib, LinkOption.NOFOLLOW_LINKS), lib + " extracted");
    assertEquals(0700, mode(cache));
    NativeLibrary.checkPrivate(lib, uid, false);
  }

  @Test
  void nativeHash_isTheDigestOfTheClassPathLibrary() throws Exception {
    byte[] lib;
    try (var in = NativeLibrary.class.getResourceAsStream("native/" + NativeLibrary.platform() + "/libjbuild.so")) {
      lib = in.readAllBytes();
    }
    byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(lib);
    assertEquals(java.util.HexFormat.of().formatHex(d), NativeHash.SHA256);
  }
}
