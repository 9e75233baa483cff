package io.jbuild.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.jbuild.cache.StorageRoot;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.Json;
import io.jbuild.oci.Platform;
import io.jbuild.registry.testing.Prerequisites;
import io.jbuild.registry.testing.TestImage;
import io.jbuild.registry.testing.Tools;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `podman load` (in a private storage root) accepts both archive formats; the image id is the config digest. */
class PodmanLoadTest {
  @TempDir Path tmp;

  private String podman(String... args) throws IOException {
    String podman = Prerequisites.require("podman").toString();
    List<String> cmd = new ArrayList<>(List.of(podman, "--root", tmp.resolve("storage").toString(),
        "--runroot", tmp.resolve("run").toString(), "--storage-driver", "vfs", "--events-backend", "none",
        "--cgroup-manager", "cgroupfs"));
    cmd.addAll(List.of(args));
    return Tools.run(tmp, 120, cmd.toArray(String[]::new));
  }

  private interface Writer {
    void write(StorageRoot root, Descriptor manifest, List<ImageReference> names, OutputStream out) throws IOException;
  }

  private void loadAndInspect(Writer writer, String name, String format) throws IOException {
    StorageRoot root = StorageRoot.open(tmp.resolve("root"));
    TestImage image = Images.store(root.content(), TestImage.create(Platform.host(), true, 2, 5000, 7));
    Descriptor manifest = format.equals("docker") ? MediaTypeConverter.toDocker(root.content(), image.manifest())
        : image.manifest();
    Path archive = tmp.resolve("image.tar");
    try (OutputStream out = Files.newOutputStream(archive)) {
      writer.write(root, manifest, List.of(ImageReference.parse(name)), out);
    }

    podman("load", "-i", archive.toString());
    JsonNode inspect = Json.mapper().readTree(podman("image", "inspect", name)).get(0);

    assertEquals(image.config().digest().encoded(), inspect.path("Id").asText());
    assertEquals(2, inspect.path("RootFS").path("Layers").size());
  }

  @Test
  void podmanLoad_dockerArchive_loadsTheImageUnderItsTag() throws IOException {
    loadAndInspect((root, m, names, out) -> DockerArchiveWriter.write(root.content(), m, names, out),
        "localhost/jbuild/docker-archive:1.0", "docker");
  }

  @Test
  void podmanLoad_ociArchive_loadsTheImage() throws IOException {
    loadAndInspect((root, m, names, out) -> OciArchiveWriter.write(root.content(), m, names, out),
        "localhost/jbuild/oci-archive:1.0", "oci");
  }
}
