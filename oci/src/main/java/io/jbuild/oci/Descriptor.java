package io.jbuild.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/** A content descriptor (descriptor.md): what a blob is, how big, and its digest. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Descriptor(
    String mediaType,
    Digest digest,
    long size,
    List<String> urls,
    Map<String, String> annotations,
    Platform platform,
    String artifactType) {

  public Descriptor {
    if (size < 0) {
      throw new IllegalArgumentException("negative descriptor size " + size + " for " + digest);
    }
  }

  public static Descriptor of(String mediaType, Digest digest, long size) {
    return new Descriptor(mediaType, digest, size, null, null, null, null);
  }

  public Descriptor withAnnotations(Map<String, String> newAnnotations) {
    return new Descriptor(mediaType, digest, size, urls, newAnnotations, platform, artifactType);
  }

  public Descriptor withPlatform(Platform newPlatform) {
    return new Descriptor(mediaType, digest, size, urls, annotations, newPlatform, artifactType);
  }

  public Descriptor withMediaType(String newMediaType) {
    return new Descriptor(newMediaType, digest, size, urls, annotations, platform, artifactType);
  }
}
