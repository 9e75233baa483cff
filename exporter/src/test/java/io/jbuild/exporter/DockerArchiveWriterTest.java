package io.jbuild.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import io.airlift.compress.zstd.ZstdOutputStream;
import io.jbuild.cache.ContentStore;
import io.jbuild.cache.StorageRoot;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageConfig;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import io.jbuild.oci.Platform;
import io.jbuild.registry.testing.TestImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerArchiveWriterTest {
  static final Platform HOST = Platform.host();

  @TempDir Path tmp;

  @Test
  void write_gzipImage_hasManifestJsonConfigAndUncompressedLayersNamedByDiffId() throws IOException {
    StorageRoot root = StorageRoot.open(tmp);
    TestImage image = Images.store(root.content(), TestImage.create(HOST, true, 2, 3000, 1));
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    DockerArchiveWriter.write(root.content(), image.manifest(),
        List.of(ImageReference.parse("app:1.0"), ImageReference.parse("registry.example.com/team/app:edge")), out);

    Map<String, byte[]> entries = OciArchiveWriterTest.untar(out.toByteArray());
    JsonNode manifest = Json.mapper().readTree(entries.get("manifest.json")).get(0);
    String configName = image.config().digest().encoded() + ".json";
    assertEquals(configName, manifest.path("Config").asText());
    assertEquals("app:1.0", manifest.path("RepoTags").get(0).asText());
    assertEquals("registry.example.com/team/app:edge", manifest.path("RepoTags").get(1).asText());
    assertArrayEquals(image.configBytes(), entries.get(configName));
    ImageConfig config = Json.read(image.configBytes(), ImageConfig.class, "config");
    for (int i = 0; i < 2; i++) {
      String layerName = manifest.path("Layers").get(i).asText();
      assertEquals(config.diffIds().get(i), Digest.sha256(entries.get(layerName)), "layer " + i + " uncompressed");
    }
  }

  /** An image whose single layer is zstd-compressed (made here with aircompressor). */
  static Descriptor zstdImage(ContentStore store) throws IOException {
    byte[] tar = TestImage.tar("zstd/file.txt", "compressed with zstd\n".repeat(200).getBytes());
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    try (ZstdOutputStream zs = new ZstdOutputStream(z)) {
      zs.write(tar);
    }
    Digest layerDigest = store.put(z.toByteArray());
    Descriptor layer = Descriptor.of(MediaTypes.OCI_LAYER_ZSTD, layerDigest, z.size());
    ImageConfig config = ImageConfig.scratch(HOST)
        .withLayers(List.of(Digest.sha256(tar)), List.of(new ImageConfig.History(null, "zstd", null, null, null)));
    byte[] configBytes = Json.write(config);
    Descriptor configDesc = Descriptor.of(MediaTypes.OCI_CONFIG, store.put(configBytes), configBytes.length);
    byte[] manifest = Json.write(ImageManifest.oci(configDesc, List.of(layer)));
    return Descriptor.of(MediaTypes.OCI_MANIFEST, store.put(manifest), manifest.length);
  }

  @Test
  void write_zstdLayer_isWrittenUncompressed() throws IOException {
    StorageRoot root = StorageRoot.open(tmp);
    Descriptor manifest = zstdImage(root.content());
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    DockerArchiveWriter.write(root.content(), manifest, List.of(ImageReference.parse("zstd:1")), out);

    Map<String, byte[]> entries = OciArchiveWriterTest.untar(out.toByteArray());
    JsonNode m = Json.mapper().readTree(entries.get("manifest.json")).get(0);
    byte[] layer = entries.get(m.path("Layers").get(0).asText());
    assertEquals(TestImage.tar("zstd/file.txt", "compressed with zstd\n".repeat(200).getBytes()).length, layer.length);
  }

  @Test
  void write_layerNotMatchingItsDiffId_isRefusedBeforeWritingIt() throws IOException {
    StorageRoot root = StorageRoot.open(tmp);
    TestImage image = TestImage.create(HOST, true, 1, 100, 2);
    Images.store(root.content(), image);
    ImageConfig wrong = Json.read(image.configBytes(), ImageConfig.class, "config")
        .withLayers(List.of(Digest.sha256("not this layer")), List.of());
    byte[] configBytes = Json.write(wrong);
    Descriptor configDesc = Descriptor.of(MediaTypes.OCI_CONFIG, root.content().put(configBytes), configBytes.length);
    byte[] manifest = Json.write(ImageManifest.oci(configDesc, image.layers()));
    Descriptor bad = Descriptor.of(MediaTypes.OCI_MANIFEST, root.content().put(manifest), manifest.length);

    assertThrows(io.jbuild.oci.InvalidContentException.class,
        () -> DockerArchiveWriter.write(root.content(), bad, List.of(), new ByteArrayOutputStream()));
  }
}
