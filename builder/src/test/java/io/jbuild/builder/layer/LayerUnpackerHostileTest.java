package io.jbuild.builder.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.builder.sys.TestSupport;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.MediaTypes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layers are untrusted: whatever a tar says, nothing may be created or changed outside the target.
 * Each test checks the whole sandbox around the target afterwards.
 */
class LayerUnpackerHostileTest {
  @TempDir Path tmp;
  private Path target;
  private Path outside;
  private Map<String, String> outsideBefore;

  @BeforeEach
  void setUp() throws IOException {
    TestSupport.requireRoot();
    target = tmp.resolve("sandbox/target");
    outside = Files.createDirectories(tmp.resolve("sandbox/outside"));
    Files.writeString(outside.resolve("victim"), "original");
    outsideBefore = LayerRoundTripTest.describe(tmp.resolve("sandbox/outside"));
  }

  @AfterEach
  void nothingWrittenOutsideTarget() throws IOException {
    assertEquals(outsideBefore, LayerRoundTripTest.describe(outside), "outside dir changed");
    try (Stream<Path> s = Files.list(tmp.resolve("sandbox"))) {
      assertEquals(List.of("outside", "target"),
          s.map(p -> p.getFileName().toString()).sorted().toList());
    }
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(List.of("sandbox"), s.map(p -> p.getFileName().toString()).toList());
    }
  }

  private static TarHeader file(String name, String content) {
    TarHeader h = new TarHeader();
    h.name = name;
    h.mode = 0644;
    h.size = content.length();
    h.linkName = "";
    return h;
  }

  private static TarHeader link(byte type, String name, String to) {
    TarHeader h = new TarHeader();
    h.name = name;
    h.type = type;
    h.mode = 0777;
    h.linkName = to;
    return h;
  }

  /** A tar of the given entries; regular files get content "pwned". */
  static byte[] tar(TarHeader... entries) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (TarWriter w = new TarWriter(buf)) {
      for (TarHeader h : entries) {
        w.putHeader(h);
        if (h.type == TarHeader.REG) {
          w.putContent(new ByteArrayInputStream(new byte[(int) h.size]) {
            {
              byte[] b = "pwned".getBytes(StandardCharsets.US_ASCII);
              System.arraycopy(b, 0, buf, 0, Math.min(b.length, count));
            }
          }, h.name);
        }
      }
    }
    return buf.toByteArray();
  }

  private static final Descriptor LAYER = Descriptor.of(MediaTypes.OCI_LAYER,
      Digest.sha256("hostile"), 1);

  private void unpack(byte[] tar) throws IOException {
    LayerUnpacker.unpack(new ByteArrayInputStream(tar), LAYER, Digest.sha256(tar), target);
  }

  @Test
  void unpack_dotDotEntry_isRefusedNamingLayerAndEntry() throws IOException {
    byte[] tar = tar(file("ok", "pwned"), file("../outside/victim", "pwned"));

    LayerException e = assertThrows(LayerException.class, () -> unpack(tar));

    assertTrue(e.getMessage().contains("../outside/victim"), e.getMessage());
    assertTrue(e.getMessage().contains(LAYER.digest().toString()), e.getMessage());
    assertFalse(Files.exists(target.resolve("ok")), "a refused layer leaves no partial snapshot");
  }

  @Test
  void unpack_nestedDotDotEscape_isRefused() throws IOException {
    byte[] tar = tar(file("a/../../outside/victim", "pwned"));

    assertThrows(LayerException.class, () -> unpack(tar));
  }

  @Test
  void unpack_absolutePath_landsInsideTarget() throws IOException {
    String abs = outside.resolve("victim").toString(); // "/tmp/.../sandbox/outside/victim"
    byte[] tar = tar(file(abs, "pwned"), file("/etc/passwd", "pwned"));

    unpack(tar);

    assertEquals("pwned", Files.readString(target.resolve(abs.substring(1))));
    assertEquals("pwned", Files.readString(target.resolve("etc/passwd")));
  }

  @Test
  void unpack_writeThroughRelativeSymlink_staysInsideTarget() throws IOException {
    byte[] tar = tar(link(TarHeader.SYMLINK, "link", "../outside"), file("link/victim", "pwned"));

    unpack(tar);

    // "link" resolves like "/../outside" in a chroot: target/outside
    assertEquals("pwned", Files.readString(target.resolve("outside/victim")));
    assertTrue(Files.isSymbolicLink(target.resolve("link")));
  }

  @Test
  void unpack_writeThroughAbsoluteSymlink_staysInsideTarget() throws IOException {
    byte[] tar = tar(link(TarHeader.SYMLINK, "abs", outside.toString()), file("abs/victim", "x"),
        file("abs/new", "x"));

    unpack(tar);

    assertTrue(Files.exists(target.resolve(outside.toString().substring(1)).resolve("new")));
  }

  /** The unpacker remembers resolved directories: one replaced by a symlink must be walked again. */
  @Test
  void unpack_directoryReplacedBySymlinkToOutside_laterEntriesStayInsideTarget() throws IOException {
    TarHeader dir = link(TarHeader.DIR, "d/", "");
    dir.mode = 0755;
    byte[] tar = tar(dir, file("d/first", "x"), link(TarHeader.SYMLINK, "d", outside.toString()),
        file("d/victim", "pwned"));

    unpack(tar);

    assertTrue(Files.isSymbolicLink(target.resolve("d")));
    assertEquals("pwned", Files.readString(target.resolve(outside.toString().substring(1)).resolve("victim")));
  }

  @Test
  void unpack_fileOverSymlinkToOutside_replacesTheSymlink() throws IOException {
    byte[] tar = tar(link(TarHeader.SYMLINK, "s", "../outside/victim"), file("s", "pwned"));

    unpack(tar);

    assertFalse(Files.isSymbolicLink(target.resolve("s")));
    assertEquals("pwned", Files.readString(target.resolve("s")));
  }

  @Test
  void unpack_hardLinkToOutside_isRefused() throws IOException {
    byte[] tar = tar(link(TarHeader.LINK, "hl", "../outside/victim"));

    LayerException e = assertThrows(LayerException.class, () -> unpack(tar));
    assertTrue(e.getMessage().contains("hard link target"), e.getMessage());
  }

  @Test
  void unpack_hardLinkThroughSymlinkToOutside_isRefused() throws IOException {
    byte[] tar = tar(link(TarHeader.SYMLINK, "s", outside.toString()),
        link(TarHeader.LINK, "hl", "s/victim"));

    assertThrows(LayerException.class, () -> unpack(tar));
  }

  @Test
  void unpack_hardLinkToAbsolutePathOfHost_isRefused() throws IOException {
    byte[] tar = tar(link(TarHeader.LINK, "hl", outside.resolve("victim").toString()));

    assertThrows(LayerException.class, () -> unpack(tar));
  }

  @Test
  void unpack_diffIdMismatch_isRefusedAndLeavesNothing() throws IOException {
    byte[] tar = tar(file("a", "pwned"));

    LayerException e = assertThrows(LayerException.class, () -> LayerUnpacker.unpack(
        new ByteArrayInputStream(tar), LAYER, Digest.sha256("other"), target));

    assertTrue(e.getMessage().contains("diffId mismatch"), e.getMessage());
    try (Stream<Path> s = Files.list(target)) {
      assertEquals(0, s.count());
    }
  }

  @Test
  void unpack_whiteoutNamingParent_isRefused() throws IOException {
    byte[] tar = tar(file("a/.wh...", ""));

    assertThrows(LayerException.class, () -> unpack(tar));
    assertFalse(Files.exists(target.resolve("a"), LinkOption.NOFOLLOW_LINKS));
  }
}
