package io.jbuild.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageIndex;
import io.jbuild.oci.JsonEquivalence;
import io.jbuild.oci.MediaTypes;
import io.jbuild.oci.Platform;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exporter's files (image store entries, archive manifests, OCI layout index) against databind. */
class ExporterJsonTest {
  private static final Descriptor MANIFEST = Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.sha256("m"), 482);

  @Test
  void imageStoreEntries_readAndWriteAsDatabind() {
    for (ImageStore.Entry e : List.of(new ImageStore.Entry("docker.io/library/app:1.0", MANIFEST),
        new ImageStore.Entry("example.com:5000/a/b:é", MANIFEST.withPlatform(Platform.host())
            .withAnnotations(Map.of("org.opencontainers.image.ref.name", "1.0"))),
        new ImageStore.Entry(null, null))) {
      JsonEquivalence.assertSameRoundTrip(JsonEquivalence.assertSameWrite(e), ImageStore.Entry.class);
    }
  }

  @Test
  void archiveManifests_readAndWriteAsDatabind() {
    List<DockerArchiveWriter.ManifestEntry> written = List.of(new DockerArchiveWriter.ManifestEntry(
        "blobs/sha256/" + Digest.sha256("c").encoded(), List.of("app:1.0", "app:latest"),
        List.of("blobs/sha256/" + Digest.sha256("l").encoded())));
    byte[] json = JsonEquivalence.assertSameWrite(written);
    // what the writer writes, the loader reads
    DockerArchiveWriter.ManifestEntry e = written.get(0);
    ArchiveLoader.DockerManifestItem[] items = JsonEquivalence.assertSameRead(json, ArchiveLoader.DockerManifestItem[].class);
    assertEquals(new ArchiveLoader.DockerManifestItem(e.config(), e.repoTags(), e.layers()), items[0]);
    JsonEquivalence.assertSameRoundTrip(
        "[{\"Config\":\"c.json\",\"RepoTags\":null,\"Layers\":[\"l/layer.tar\"],\"LayerSources\":{\"x\":{}}}]",
        ArchiveLoader.DockerManifestItem[].class);
    JsonEquivalence.assertSameRoundTrip("[]", ArchiveLoader.DockerManifestItem[].class);
    JsonEquivalence.assertSameWrite(ImageIndex.oci(List.of(MANIFEST.withAnnotations(
        Map.of("io.containerd.image.name", "docker.io/library/app:1.0", "org.opencontainers.image.ref.name", "1.0")))));
  }
}
