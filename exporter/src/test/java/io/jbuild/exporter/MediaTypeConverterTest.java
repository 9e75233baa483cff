package io.jbuild.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.cache.StorageRoot;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.MediaTypes;
import io.jbuild.oci.Platform;
import io.jbuild.registry.testing.TestImage;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MediaTypeConverterTest {
  @TempDir Path tmp;

  @Test
  void toDocker_ociGzipImage_rewritesManifestConfigAndLayerTypesAndStoresTheNewManifest() throws IOException {
    StorageRoot root = StorageRoot.open(tmp);
    TestImage image = Images.store(root.content(), TestImage.create(Platform.host(), true, 2, 100, 1));

    Descriptor docker = MediaTypeConverter.toDocker(root.content(), image.manifest());

    assertEquals(MediaTypes.DOCKER_MANIFEST, docker.mediaType());
    assertNotEquals(image.manifest().digest(), docker.digest());
    assertTrue(root.content().contains(docker.digest()));
    ImageManifest m = ImageContent.manifest(root.content(), docker);
    assertEquals(MediaTypes.DOCKER_CONFIG, m.config().mediaType());
    assertEquals(image.config().digest(), m.config().digest(), "the config blob is unchanged");
    assertEquals(MediaTypes.DOCKER_LAYER_GZIP, m.layers().get(0).mediaType());
    assertEquals(image.manifest().digest(), MediaTypeConverter.toOci(root.content(), docker).digest(),
        "and back to the very same OCI manifest");
  }

  @Test
  void toDocker_zstdLayer_isRefusedNamingTheOption() throws IOException {
    StorageRoot root = StorageRoot.open(tmp);
    Descriptor zstd = DockerArchiveWriterTest.zstdImage(root.content());

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MediaTypeConverter.toDocker(root.content(), zstd));

    assertTrue(e.getMessage().contains("oci-mediatypes=true"), e.getMessage());
  }
}
