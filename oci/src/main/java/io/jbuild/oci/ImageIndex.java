package io.jbuild.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/** An image index (image-index.md) or a Docker manifest list. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ImageIndex(
    int schemaVersion,
    String mediaType,
    String artifactType,
    List<Descriptor> manifests,
    Descriptor subject,
    Map<String, String> annotations) {

  public static ImageIndex oci(List<Descriptor> manifests) {
    return new ImageIndex(2, MediaTypes.OCI_INDEX, null, List.copyOf(manifests), null, null);
  }
}
