package io.jbuild.builder.layer;

import io.jbuild.oci.MediaTypes;

/** How a layer blob is compressed, and so which OCI layer media type it has (image-spec layer.md). */
public enum Compression {
  GZIP(MediaTypes.OCI_LAYER_GZIP),
  ZSTD(MediaTypes.OCI_LAYER_ZSTD),
  NONE(MediaTypes.OCI_LAYER);

  private final String mediaType;

  Compression(String mediaType) {
    this.mediaType = mediaType;
  }

  public String mediaType() {
    return mediaType;
  }

  /** The compression of a layer media type, OCI or Docker. */
  public static Compression of(String mediaType) {
    return switch (MediaTypes.layerCompression(mediaType)) {
      case "gzip" -> GZIP;
      case "zstd" -> ZSTD;
      default -> NONE;
    };
  }
}
