package io.jbuild.api;

import io.jbuild.builder.layer.Compression;
import io.jbuild.builder.layer.LayerBlob;
import io.jbuild.builder.layer.LayerWriter;
import io.jbuild.cache.StorageRoot;
import io.jbuild.exporter.ImageStore;
import io.jbuild.frontend.dockerfile.ConvertRequest;
import io.jbuild.frontend.dockerfile.DockerfileException;
import io.jbuild.frontend.dockerfile.DockerfileFrontend;
import io.jbuild.graph.ImageResolver;
import io.jbuild.graph.ImageTarget;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.ImageConfig;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.InvalidContentException;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import io.jbuild.oci.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code jbuild import DIR NAME}: an image of one layer made from a directory, like
 * {@code docker import}; {@code --change} takes the Dockerfile instructions docker import takes
 * (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR, STOPSIGNAL).
 */
public final class ImageImport {
  private static final List<String> ALLOWED =
      List.of("CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "USER", "VOLUME", "WORKDIR", "STOPSIGNAL");

  private ImageImport() {}

  /** Imports {@code dir} as {@code reference}; returns the manifest's descriptor. */
  public static Descriptor fromDirectory(Path root, Path dir, String reference, List<String> changes, String message)
      throws BuildException {
    if (!Files.isDirectory(dir)) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT, "import: \"" + dir + "\" is not a directory", null);
    }
    ImageReference ref;
    try {
      ref = ImageReference.parse(reference);
    } catch (InvalidContentException e) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT, "import: " + e.getMessage(), e);
    }
    ImageConfig config = configFrom(changes);
    try {
      StorageRoot store = StorageRoot.open(root);
      LayerBlob layer = LayerWriter.write(dir, store.content(), Compression.GZIP, null);
      String now = Instant.now().toString();
      ImageConfig.History history = new ImageConfig.History(now, "jbuild import",
          null, message == null ? "Imported from " + dir : message, null);
      ImageConfig finished = config.withLayers(List.of(layer.diffId()), List.of(history)).withCreated(now);
      byte[] configJson = Json.write(finished);
      Descriptor configDesc = Descriptor.of(MediaTypes.OCI_CONFIG, store.content().put(configJson), configJson.length);
      byte[] manifestJson = Json.write(ImageManifest.oci(configDesc, List.of(layer.descriptor())));
      Descriptor manifest = Descriptor.of(MediaTypes.OCI_MANIFEST, store.content().put(manifestJson), manifestJson.length);
      new ImageStore(store).tag(ref, manifest);
      return manifest;
    } catch (IOException | RuntimeException e) {
      throw new BuildException(BuildException.Kind.ENVIRONMENT, "import of " + dir + " failed: " + e.getMessage(), e);
    }
  }

  /** The config that {@code --change} instructions give an image FROM scratch. */
  static ImageConfig configFrom(List<String> changes) throws BuildException {
    StringBuilder dockerfile = new StringBuilder("FROM scratch\n");
    for (String c : changes) {
      String word = c.trim().split("\\s+", 2)[0].toUpperCase(java.util.Locale.ROOT);
      if (!ALLOWED.contains(word)) {
        throw new BuildException(BuildException.Kind.INVALID_INPUT, "import: --change \"" + c
            + "\": only " + String.join(", ", ALLOWED) + " are allowed", null);
      }
      dockerfile.append(c.replace("\n", " ")).append('\n');
    }
    ImageResolver none = (r, p) -> {
      throw new ImageResolver.ResolveException("no base image in an import", null);
    };
    try {
      ImageTarget t = DockerfileFrontend.convert(new ConvertRequest(
          dockerfile.toString().getBytes(StandardCharsets.UTF_8), "--change", Map.of(), null,
          Platform.host(), Platform.host(), List.of(), none, f -> { }));
      return t.config();
    } catch (DockerfileException e) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT, "import: invalid --change: " + e.getMessage(), e);
    }
  }
}
