package io.jbuild.exporter;

import io.jbuild.cache.ContentStore;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageIndex;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import io.jbuild.oci.Platform;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Walks what an image needs from the content store: indexes, manifests, configs, layers. */
final class ImageContent {
  private ImageContent() {}

  /** Every blob reachable from {@code root}, children before parents, each once. */
  static List<Descriptor> closure(ContentStore store, Descriptor root) throws IOException {
    Map<Digest, Descriptor> out = new LinkedHashMap<>();
    walk(store, root, out, 0);
    return new ArrayList<>(out.values());
  }

  private static void walk(ContentStore store, Descriptor d, Map<Digest, Descriptor> out, int depth) throws IOException {
    if (depth > 4) {
      throw new IOException("image " + d.digest() + ": indexes nested too deep");
    }
    requirePresent(store, d, "manifest");
    if (MediaTypes.isIndex(d.mediaType())) {
      for (Descriptor child : index(store, d).manifests()) {
        walk(store, child, out, depth + 1);
      }
    } else if (MediaTypes.isManifest(d.mediaType())) {
      ImageManifest m = manifest(store, d);
      requirePresent(store, m.config(), "config");
      out.putIfAbsent(m.config().digest(), m.config());
      for (Descriptor layer : m.layers()) {
        requirePresent(store, layer, "layer");
        out.putIfAbsent(layer.digest(), layer);
      }
    } else {
      throw new IOException("blob " + d.digest() + " has media type " + d.mediaType()
          + ", not an image manifest or index");
    }
    out.putIfAbsent(d.digest(), d);
  }

  static void requirePresent(ContentStore store, Descriptor d, String what) throws IOException {
    if (!store.contains(d.digest())) {
      throw new NoSuchFileException(what + " " + d.digest() + " is not in the content store");
    }
    long size = store.size(d.digest());
    if (size != d.size()) {
      throw new IOException(what + " " + d.digest() + " has " + size + " bytes in the content store, its descriptor says "
          + d.size());
    }
  }

  static ImageManifest manifest(ContentStore store, Descriptor d) throws IOException {
    return Json.read(store.read(d.digest()), ImageManifest.class, "manifest " + d.digest());
  }

  static ImageIndex index(ContentStore store, Descriptor d) throws IOException {
    ImageIndex i = Json.read(store.read(d.digest()), ImageIndex.class, "index " + d.digest());
    return i.manifests() == null ? new ImageIndex(i.schemaVersion(), i.mediaType(), i.artifactType(), List.of(),
        i.subject(), i.annotations()) : i;
  }

  /** The media type a stored manifest declares (its field, else its shape). */
  static String mediaTypeOf(byte[] bytes, Digest digest) {
    return MediaTypes.declaredBy(bytes, "manifest " + digest);
  }

  /**
   * The platform manifest of an image for single-image formats (docker-archive, `jbuild images`):
   * the manifest itself, or the index entry for {@code platform}, else the first real entry.
   */
  static Descriptor platformManifest(ContentStore store, Descriptor d, Platform platform) throws IOException {
    if (!MediaTypes.isIndex(d.mediaType())) {
      return d;
    }
    Descriptor first = null;
    for (Descriptor c : index(store, d).manifests()) {
      if (!MediaTypes.isManifest(c.mediaType())) {
        continue;
      }
      boolean attestation = c.annotations() != null
          && "attestation-manifest".equals(c.annotations().get("vnd.docker.reference.type"));
      if (attestation || (c.platform() != null && "unknown".equals(c.platform().os()))) {
        continue;
      }
      if (c.platform() != null && platform != null && c.platform().matches(platform)) {
        return c;
      }
      if (first == null) {
        first = c;
      }
    }
    if (first == null) {
      throw new IOException("index " + d.digest() + " has no image manifest");
    }
    return first;
  }
}
