package io.jbuild.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jbuild.cache.StorageRoot;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.Json;
import io.jbuild.oci.Platform;
import io.jbuild.registry.testing.Prerequisites;
import io.jbuild.registry.testing.TestImage;
import io.jbuild.registry.testing.Tools;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciArchiveWriterTest {
  private static final Platform AMD64 = Platform.of("linux", "amd64", null);

  @TempDir Path tmp;

  static Map<String, byte[]> untar(byte[] tar) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        entries.put(e.getName(), e.isDirectory() ? null : in.readAllBytes());
      }
    }
    return entries;
  }

  @Test
  void write_imageWithTwoNames_hasLayoutIndexWithRefNamesAndEveryBlob() throws IOException {
    StorageRoot root = StorageRoot.open(tmp.resolve("root"));
    TestImage image = Images.store(root.content(), TestImage.create(AMD64, true, 2, 1000, 1));
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    OciArchiveWriter.write(root.content(), image.manifest(),
        List.of(ImageReference.parse("app:1.0"), ImageReference.parse("registry.example.com/app:edge")), out);

    Map<String, byte[]> entries = untar(out.toByteArray());
    assertEquals("{\"imageLayoutVersion\":\"1.0.0\"}", new String(entries.get("oci-layout")));
    JsonNode index = Json.mapper().readTree(entries.get("index.json"));
    assertEquals(2, index.path("manifests").size());
    JsonNode first = index.path("manifests").get(0);
    assertEquals(image.manifest().digest().toString(), first.path("digest").asText());
    assertEquals("1.0", first.path("annotations").path(OciArchiveWriter.REF_NAME).asText());
    assertEquals("docker.io/library/app:1.0", first.path("annotations").path(OciArchiveWriter.CONTAINERD_NAME).asText());
    for (Map.Entry<Digest, byte[]> blob : image.blobs().entrySet()) {
      assertArrayEquals(blob.getValue(), entries.get("blobs/sha256/" + blob.getKey().encoded()));
    }
  }

  @Test
  void write_toAStreamThatCannotSeek_producesTheSameBytesTwice() throws IOException {
    StorageRoot root = StorageRoot.open(tmp.resolve("root"));
    TestImage image = Images.store(root.content(), TestImage.create(AMD64, true, 1, 1000, 2));
    ByteArrayOutputStream a = new ByteArrayOutputStream();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    // a bare OutputStream, as System.out is: no channel, no position
    OutputStream forwardOnly = new OutputStream() {
      @Override
      public void write(int x) {
        b.write(x);
      }

      @Override
      public void write(byte[] buf, int off, int len) {
        b.write(buf, off, len);
      }
    };

    OciArchiveWriter.write(root.content(), image.manifest(), List.of(ImageReference.parse("app:1")), a);
    OciArchiveWriter.write(root.content(), image.manifest(), List.of(ImageReference.parse("app:1")), forwardOnly);

    assertArrayEquals(a.toByteArray(), b.toByteArray(), "reproducible and seek-free");
  }

  @Test
  void write_archive_isReadBySkopeoWithTheSameManifestDigest() throws IOException {
    String skopeo = Prerequisites.require("skopeo").toString();
    StorageRoot root = StorageRoot.open(tmp.resolve("root"));
    TestImage image = Images.store(root.content(), TestImage.create(AMD64, true, 2, 1000, 3));
    Path archive = tmp.resolve("image.tar");
    try (OutputStream out = Files.newOutputStream(archive)) {
      OciArchiveWriter.write(root.content(), image.manifest(), List.of(ImageReference.parse("app:1.0")), out);
    }

    String raw = Tools.run(tmp, skopeo, "inspect", "--raw", "oci-archive:" + archive + ":1.0");

    assertEquals(image.manifest().digest(), Digest.sha256(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }
}
