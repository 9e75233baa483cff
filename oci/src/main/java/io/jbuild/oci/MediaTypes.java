package io.jbuild.oci;

/** Media types of the OCI image spec and the Docker image manifest v2 schema 2. */
public final class MediaTypes {
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
  public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
  public static final String OCI_LAYER_NONDISTRIBUTABLE_GZIP =
      "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";

  public static final String DOCKER_MANIFEST_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
  public static final String DOCKER_LAYER_FOREIGN_GZIP =
      "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

  private MediaTypes() {}

  public static boolean isIndex(String mediaType) {
    return OCI_INDEX.equals(mediaType) || DOCKER_MANIFEST_LIST.equals(mediaType);
  }

  public static boolean isManifest(String mediaType) {
    return OCI_MANIFEST.equals(mediaType) || DOCKER_MANIFEST.equals(mediaType);
  }

  /**
   * The media type a stored manifest or index declares: its {@code mediaType} field, else its
   * shape (with "manifests" an index, else a manifest). Malformed JSON is an
   * {@link InvalidContentException} naming {@code what}.
   */
  public static String declaredBy(byte[] json, String what) {
    Object n = Json.read(json, Object.class, what);
    String mt = Json.text(Json.field(n, "mediaType"), "");
    if (!mt.isEmpty()) {
      return mt;
    }
    return Json.has(n, "manifests") ? OCI_INDEX : OCI_MANIFEST;
  }

  /** The compression a layer media type implies: "gzip", "zstd" or "none". */
  public static String layerCompression(String mediaType) {
    if (mediaType.endsWith("+gzip") || mediaType.endsWith(".tar.gzip")) {
      return "gzip";
    }
    if (mediaType.endsWith("+zstd")) {
      return "zstd";
    }
    if (mediaType.endsWith(".tar")) {
      return "none";
    }
    throw new IllegalArgumentException("not a layer media type: " + mediaType);
  }
}
