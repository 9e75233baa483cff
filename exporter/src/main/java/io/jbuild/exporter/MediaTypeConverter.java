package io.jbuild.exporter;

import io.jbuild.cache.ContentStore;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageIndex;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites an image's manifests between OCI and Docker schema 2 media types, as BuildKit's
 * {@code oci-mediatypes=false|true} exporter option does. Config and layer blobs keep their bytes
 * (the formats are the same), only the media types in the manifests change, so the new manifest
 * (and index) get new digests; they are stored in the content store and returned.
 */
public final class MediaTypeConverter {
  /** Docker's type for an uncompressed layer (containerd images.MediaTypeDockerSchema2Layer). */
  static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";

  private MediaTypeConverter() {}

  /** The image with Docker media types; zstd layers have none and are refused, as in BuildKit. */
  public static Descriptor toDocker(ContentStore store, Descriptor manifest) throws IOException {
    return convert(store, manifest, true);
  }

  /** The image with OCI media types. */
  public static Descriptor toOci(ContentStore store, Descriptor manifest) throws IOException {
    return convert(store, manifest, false);
  }

  private static Descriptor convert(ContentStore store, Descriptor d, boolean docker) throws IOException {
    if (MediaTypes.isIndex(d.mediaType())) {
      ImageIndex index = ImageContent.index(store, d);
      List<Descriptor> children = new ArrayList<>();
      for (Descriptor c : index.manifests()) {
        children.add(MediaTypes.isIndex(c.mediaType()) || MediaTypes.isManifest(c.mediaType())
            ? convert(store, c, docker) : c);
      }
      String mt = docker ? MediaTypes.DOCKER_MANIFEST_LIST : MediaTypes.OCI_INDEX;
      ImageIndex out = new ImageIndex(2, mt, docker ? null : index.artifactType(), children,
          docker ? null : index.subject(), index.annotations());
      return stored(store, d, mt, Json.write(out));
    }
    ImageManifest m = ImageContent.manifest(store, d);
    Descriptor config = m.config().withMediaType(docker ? MediaTypes.DOCKER_CONFIG : MediaTypes.OCI_CONFIG);
    List<Descriptor> layers = new ArrayList<>();
    for (Descriptor l : m.layers()) {
      layers.add(l.withMediaType(docker ? dockerLayerType(l) : ociLayerType(l)));
    }
    String mt = docker ? MediaTypes.DOCKER_MANIFEST : MediaTypes.OCI_MANIFEST;
    ImageManifest out = new ImageManifest(2, mt, docker ? null : m.artifactType(), config, layers,
        docker ? null : m.subject(), m.annotations());
    return stored(store, d, mt, Json.write(out));
  }

  private static Descriptor stored(ContentStore store, Descriptor old, String mediaType, byte[] bytes) throws IOException {
    if (mediaType.equals(old.mediaType()) && Digest.sha256(bytes).equals(old.digest())) {
      return old;
    }
    Digest digest = store.put(bytes);
    return new Descriptor(mediaType, digest, bytes.length, old.urls(), old.annotations(), old.platform(), null);
  }

  static String dockerLayerType(Descriptor l) {
    String mt = l.mediaType();
    return switch (mt) {
      case MediaTypes.OCI_LAYER_GZIP, MediaTypes.DOCKER_LAYER_GZIP -> MediaTypes.DOCKER_LAYER_GZIP;
      case MediaTypes.OCI_LAYER, DOCKER_LAYER -> DOCKER_LAYER;
      case MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_GZIP, MediaTypes.DOCKER_LAYER_FOREIGN_GZIP ->
          MediaTypes.DOCKER_LAYER_FOREIGN_GZIP;
      default -> throw new IllegalArgumentException("layer " + l.digest() + " (" + mt
          + ") has no Docker media type: zstd layers need oci-mediatypes=true");
    };
  }

  static String ociLayerType(Descriptor l) {
    String mt = l.mediaType();
    return switch (mt) {
      case MediaTypes.DOCKER_LAYER_GZIP -> MediaTypes.OCI_LAYER_GZIP;
      case DOCKER_LAYER -> MediaTypes.OCI_LAYER;
      case MediaTypes.DOCKER_LAYER_FOREIGN_GZIP -> MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_GZIP;
      default -> mt;
    };
  }
}
