package io.jbuild.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/** An image manifest (manifest.md), OCI or Docker schema 2 (same shape, other media types). */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ImageManifest(
    int schemaVersion,
    String mediaType,
    String artifactType,
    Descriptor config,
    // required by the spec even when empty (an image FROM scratch with only config changes)
    @JsonInclude(JsonInclude.Include.ALWAYS) List<Descriptor> layers,
    Descriptor subject,
    Map<String, String> annotations) {

  public ImageManifest {
    layers = layers == null ? List.of() : layers;
  }

  public static ImageManifest oci(Descriptor config, List<Descriptor> layers) {
    return new ImageManifest(2, MediaTypes.OCI_MANIFEST, null, config, List.copyOf(layers), null, null);
  }
}
