package io.jbuild.builder.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.builder.sys.TestSupport;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.MediaTypes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What each kind of entry becomes, including an entry for a path an earlier entry of the same
 * layer made (the later one wins, as in containerd), and the tar header checksum.
 */
class LayerUnpackerEntriesTest {
  @TempDir Path tmp;
  private Path target;

  @BeforeEach
  void setUp() {
    TestSupport.requireRoot();
    target = tmp.resolve("target");
  }

  private static TarHeader entry(byte type, String name, int mode, String link) {
    TarHeader h = new TarHeader();
    h.name = name;
    h.type = type;
    h.mode = mode;
    h.uid = 1234;
    h.gid = 5678;
    h.mtimeSec = 1_600_000_000L;
    h.linkName = link;
    return h;
  }

  private static byte[] tar(TarHeader... entries) throws IOException {
    return LayerUnpackerHostileTest.tar(entries);
  }

  private void unpack(byte[] tar) throws IOException {
    LayerUnpacker.unpack(new ByteArrayInputStream(tar), Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256("t"), 1),
        Digest.sha256(tar), target);
  }

  @Test
  void unpack_symlinkAndDirectory_getOwnerModeAndTimes() throws IOException {
    unpack(tar(entry(TarHeader.DIR, "d/", 0750, ""), entry(TarHeader.SYMLINK, "d/l", 0777, "../nowhere")));

    Map<String, String> d = LayerRoundTripTest.describe(target);
    assertEquals("40750 1234:5678 1600000000 rdev=0", d.get("d"));
    assertEquals("120777 1234:5678 1600000000 -> ../nowhere", d.get("d/l"));
  }

  @Test
  void unpack_sameSymlinkTwice_laterOneWins() throws IOException {
    TarHeader second = entry(TarHeader.SYMLINK, "l", 0777, "second");
    second.uid = 1;
    unpack(tar(entry(TarHeader.SYMLINK, "l", 0777, "first"), second));

    assertEquals("120777 1:5678 1600000000 -> second", LayerRoundTripTest.describe(target).get("l"));
  }

  @Test
  void unpack_directoryTwice_keepsItsContentAndTakesTheLaterMode() throws IOException {
    TarHeader file = entry(TarHeader.REG, "d/f", 0644, "");
    unpack(tar(entry(TarHeader.DIR, "d/", 0700, ""), file, entry(TarHeader.DIR, "d/", 0755, "")));

    Map<String, String> d = LayerRoundTripTest.describe(target);
    assertEquals("40755 1234:5678 1600000000 rdev=0", d.get("d"));
    assertTrue(d.containsKey("d/f"), d.toString());
  }

  @Test
  void unpack_directoryOverSymlinkAndSymlinkOverDirectory_replaceTheEarlierEntry() throws IOException {
    unpack(tar(entry(TarHeader.SYMLINK, "a", 0777, "/etc"), entry(TarHeader.DIR, "a/", 0711, ""),
        entry(TarHeader.DIR, "b/", 0755, ""), entry(TarHeader.SYMLINK, "b", 0777, "a")));

    Map<String, String> d = LayerRoundTripTest.describe(target);
    assertEquals("40711 1234:5678 1600000000 rdev=0", d.get("a"));
    assertEquals("120777 1234:5678 1600000000 -> a", d.get("b"));
  }

  @Test
  void unpack_headerWithWrongChecksum_isRefused() throws IOException {
    byte[] tar = tar(entry(TarHeader.DIR, "d/", 0755, ""));
    tar[0] ^= 1; // "d/" becomes "e/": the stored checksum no longer matches

    LayerException e = assertThrows(LayerException.class, () -> LayerUnpacker.unpack(new ByteArrayInputStream(tar),
        Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256("t"), 1), null, target));

    assertTrue(e.getMessage().contains("invalid tar header checksum"), e.getMessage());
  }

  @Test
  void unpack_headerWithSignedChecksum_isAccepted() throws IOException {
    // old tars summed the header as signed bytes: a name with bytes >= 0x80 tells the two apart
    byte[] tar = tar(entry(TarHeader.DIR, "d\u00e9/", 0755, ""));
    long signed = 0;
    for (int i = 0; i < 512; i++) {
      signed += i >= 148 && i < 156 ? ' ' : tar[i];
    }
    byte[] field = String.format("%06o\0 ", signed).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(field, 0, tar, 148, 8);

    LayerUnpacker.unpack(new ByteArrayInputStream(tar), Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256("t"), 1),
        null, target);

    assertTrue(Files.isDirectory(target.resolve("d\u00e9")));
  }
}
