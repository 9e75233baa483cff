package io.jbuild.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.cache.ContentStore;
import io.jbuild.cache.StorageRoot;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.Platform;
import io.jbuild.registry.testing.TestImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jbuild load}'s reader: both archive formats in, names from the archive, and hostile or
 * broken archives refused with the entry named and nothing but verified blobs left behind.
 */
class ArchiveLoaderTest {
  private static final Platform AMD64 = Platform.of("linux", "amd64", null);

  @TempDir Path tmp;
  private StorageRoot root;
  private ContentStore store;
  private TestImage image;

  @BeforeEach
  void setUp() throws IOException {
    root = StorageRoot.open(tmp.resolve("root"));
    store = root.content();
    StorageRoot source = StorageRoot.open(tmp.resolve("source"));
    image = Images.store(source.content(), TestImage.create(AMD64, true, 2, 1000, 7));
  }

  private byte[] ociArchive() throws IOException {
    ContentStore source = StorageRoot.open(tmp.resolve("source")).content();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    OciArchiveWriter.write(source, image.manifest(), List.of(ImageReference.parse("example.com/app:1.0")), out);
    return out.toByteArray();
  }

  private byte[] dockerArchive() throws IOException {
    ContentStore source = StorageRoot.open(tmp.resolve("source")).content();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DockerArchiveWriter.write(source, image.manifest(), List.of(ImageReference.parse("app:2.0")), out);
    return out.toByteArray();
  }

  private List<ArchiveLoader.LoadedImage> load(byte[] archive) throws IOException {
    return ArchiveLoader.read(store, new ByteArrayInputStream(archive), "test.tar");
  }

  /** A tar of (name, content) pairs; a content starting with "->" makes a symlink. */
  private static byte[] tar(Map<String, String> entries) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(buf)) {
      for (Map.Entry<String, String> e : entries.entrySet()) {
        if (e.getValue().startsWith("->")) {
          TarArchiveEntry link = new TarArchiveEntry(e.getKey(), TarArchiveEntry.LF_SYMLINK);
          link.setLinkName(e.getValue().substring(2));
          t.putArchiveEntry(link);
          t.closeArchiveEntry();
          continue;
        }
        byte[] b = e.getValue().getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry f = new TarArchiveEntry(e.getKey(), true); // keep a leading "/" as a hostile writer would
        f.setSize(b.length);
        t.putArchiveEntry(f);
        t.write(b);
        t.closeArchiveEntry();
      }
    }
    return buf.toByteArray();
  }

  private List<String> tmpFiles() throws IOException {
    try (Stream<Path> s = Files.list(root.tmp())) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }

  @Test
  void read_ociArchive_givesTheImageWithItsNameAndSameDigest() throws IOException {
    List<ArchiveLoader.LoadedImage> loaded = load(ociArchive());

    assertEquals(1, loaded.size());
    assertEquals(image.manifest().digest(), loaded.get(0).manifest().digest());
    assertEquals(List.of(ImageReference.parse("example.com/app:1.0")), loaded.get(0).names());
    for (Digest d : image.blobs().keySet()) {
      assertTrue(store.contains(d), "blob " + d + " stored");
    }
  }

  @Test
  void read_gzipCompressedDockerArchive_givesAnImageWithTheConfigAndDiffIds() throws IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(dockerArchive());
    }

    List<ArchiveLoader.LoadedImage> loaded = load(gz.toByteArray());

    assertEquals(1, loaded.size());
    assertTrue(loaded.get(0).generated());
    assertEquals(List.of(ImageReference.parse("app:2.0")), loaded.get(0).names());
    var manifest = ImageContent.manifest(store, loaded.get(0).manifest());
    assertEquals(image.config().digest(), manifest.config().digest(), "the config keeps its bytes, so the image id");
    assertEquals(2, manifest.layers().size());
  }

  @Test
  void read_dotDotEntry_isRefusedNamingTheEntry() throws IOException {
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
    entries.put("../../etc/evil", "pwned");

    ArchiveLoader.InvalidArchiveException e = assertThrows(ArchiveLoader.InvalidArchiveException.class,
        () -> load(tar(entries)));

    assertTrue(e.getMessage().contains("test.tar, entry ../../etc/evil") && e.getMessage().contains(".."), e.getMessage());
    assertEquals(List.of(), tmpFiles(), "no partial blob left in tmp/");
  }

  @Test
  void read_absoluteEntry_isRefused() {
    Map<String, String> entries = Map.of("/etc/passwd", "root::0:0");

    ArchiveLoader.InvalidArchiveException e = assertThrows(ArchiveLoader.InvalidArchiveException.class,
        () -> load(tar(entries)));

    assertTrue(e.getMessage().contains("absolute"), e.getMessage());
  }

  @Test
  void read_symlinkEntry_isRefusedNamingLinkAndTarget() {
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
    entries.put("blobs/sha256/" + "a".repeat(64), "->/etc/shadow");

    ArchiveLoader.InvalidArchiveException e = assertThrows(ArchiveLoader.InvalidArchiveException.class,
        () -> load(tar(entries)));

    assertTrue(e.getMessage().contains("symbolic link") && e.getMessage().contains("/etc/shadow"), e.getMessage());
  }

  @Test
  void read_symlinkLeadingOutOfTheArchive_isRefused() {
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put("manifest.json", "[]");
    entries.put("abc/layer.tar", "->../../../etc/shadow");

    ArchiveLoader.InvalidArchiveException e = assertThrows(ArchiveLoader.InvalidArchiveException.class,
        () -> load(tar(entries)));

    assertTrue(e.getMessage().contains("entry abc/layer.tar") && e.getMessage().contains("leads out of the archive"),
        e.getMessage());
  }

  @Test
  void read_dockerArchiveWithLayerSymlinks_likePodmanWrites_readsTheLinkedFiles() throws IOException {
    // containers/image writes ID/layer.tar -> ../DIFFID.tar; rebuild our archive that way
    Map<String, byte[]> plain = OciArchiveWriterTest.untar(dockerArchive());
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(buf)) {
      for (Map.Entry<String, byte[]> e : plain.entrySet()) {
        if (e.getValue() == null) {
          continue;
        }
        String name = e.getKey();
        if (name.endsWith("/layer.tar")) {
          String flat = name.substring(0, name.indexOf('/')) + ".tar";
          TarArchiveEntry f = new TarArchiveEntry(flat);
          f.setSize(e.getValue().length);
          t.putArchiveEntry(f);
          t.write(e.getValue());
          t.closeArchiveEntry();
          TarArchiveEntry link = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
          link.setLinkName("../" + flat);
          t.putArchiveEntry(link);
          t.closeArchiveEntry();
          continue;
        }
        TarArchiveEntry f = new TarArchiveEntry(name);
        f.setSize(e.getValue().length);
        t.putArchiveEntry(f);
        t.write(e.getValue());
        t.closeArchiveEntry();
      }
    }

    List<ArchiveLoader.LoadedImage> loaded = load(buf.toByteArray());

    assertEquals(image.config().digest(), ImageContent.manifest(store, loaded.get(0).manifest()).config().digest());
  }

  @Test
  void read_linkToAMissingEntry_isRefused() {
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put("manifest.json", "[]");
    entries.put("abc/layer.tar", "->../nowhere.tar");

    ArchiveLoader.InvalidArchiveException e = assertThrows(ArchiveLoader.InvalidArchiveException.class,
        () -> load(tar(entries)));

    assertTrue(e.getMessage().contains("not a file of the archive"), e.getMessage());
  }

  @Test
  void read_blobNotMatchingItsName_isRefusedAndNotStored() throws IOException {
    Digest claimed = Digest.sha256("the real content");
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put("blobs/sha256/" + claimed.encoded(), "other content");

    ArchiveLoader.InvalidArchiveException e = assertThrows(ArchiveLoader.InvalidArchiveException.class,
        () -> load(tar(entries)));

    assertTrue(e.getMessage().contains("does not match its name"), e.getMessage());
    assertTrue(!store.contains(claimed) && !store.contains(Digest.sha256("other content")));
    assertEquals(List.of(), tmpFiles());
  }

  @Test
  void read_malformedManifestJson_isRefusedNamingTheFile() {
    Map<String, String> entries = Map.of("manifest.json", "[{\"Config\": \"x.json\", ");

    ArchiveLoader.InvalidArchiveException e = assertThrows(ArchiveLoader.InvalidArchiveException.class,
        () -> load(tar(entries)));

    assertTrue(e.getMessage().contains("entry manifest.json: malformed JSON"), e.getMessage());
  }

  @Test
  void read_indexNamingAMissingBlob_isRefused() throws IOException {
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
    entries.put("index.json", "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
        + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + image.manifest().digest()
        + "\",\"size\":" + image.manifest().size() + "}]}");

    ArchiveLoader.InvalidArchiveException e = assertThrows(ArchiveLoader.InvalidArchiveException.class,
        () -> load(tar(entries)));

    assertTrue(e.getMessage().contains("index.json") && e.getMessage().contains(image.manifest().digest().toString()),
        e.getMessage());
  }

  @Test
  void read_dockerLayerNotMatchingTheDiffId_isRefused() throws IOException {
    byte[] good = dockerArchive();
    // swap the first layer's bytes for other bytes of the same length
    Map<String, byte[]> entries = OciArchiveWriterTest.untar(good);
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(buf)) {
      boolean first = true;
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        if (e.getValue() == null) {
          continue;
        }
        byte[] b = e.getValue();
        if (first && e.getKey().endsWith("/layer.tar")) {
          b = b.clone();
          b[b.length / 2] ^= 1;
          first = false;
        }
        TarArchiveEntry f = new TarArchiveEntry(e.getKey());
        f.setSize(b.length);
        t.putArchiveEntry(f);
        t.write(b);
        t.closeArchiveEntry();
      }
    }

    ArchiveLoader.InvalidArchiveException e = assertThrows(ArchiveLoader.InvalidArchiveException.class,
        () -> load(buf.toByteArray()));

    assertTrue(e.getMessage().contains("layer.tar") && e.getMessage().contains("diff id"), e.getMessage());
  }

  @Test
  void read_truncatedArchive_isRefused() throws IOException {
    byte[] full = ociArchive();
    byte[] cut = java.util.Arrays.copyOf(full, full.length / 2);

    Exception e = assertThrows(Exception.class, () -> load(cut));

    assertTrue(e.getMessage().contains("test.tar"), e.getMessage());
    assertEquals(List.of(), tmpFiles());
  }

  @Test
  void read_notATar_isRefusedSayingSo() {
    byte[] junk = "this is not an archive at all, just some text that is long enough".repeat(20)
        .getBytes(StandardCharsets.UTF_8);

    Exception e = assertThrows(Exception.class, () -> load(junk));

    assertTrue(e.getMessage().contains("test.tar"), e.getMessage());
  }
}
