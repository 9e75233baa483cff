package io.jbuild.api;

import io.jbuild.builder.layer.Compression;
import io.jbuild.builder.layer.LayerBlob;
import io.jbuild.builder.layer.LayerRecompressor;
import io.jbuild.cache.ContentStore;
import io.jbuild.exporter.MediaTypeConverter;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageConfig;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The image as one {@code --output} asks for it, from BuildKit's image exporter attributes:
 * {@code oci-mediatypes=true|false} (default true: OCI media types; false: Docker schema 2),
 * {@code compression=gzip|zstd|uncompressed} (default gzip), {@code compression-level=N} and
 * {@code force-compression=true|false}. A layer is re-encoded when its compression is not the one
 * asked for, or when {@code force-compression=true} (so that a level applies to layers that
 * already have the right codec); the rest keep their bytes. The variant's blobs and manifest go
 * into the content store and its manifest descriptor is what the exporters then write or push.
 */
record ExportVariant(boolean ociMediaTypes, Compression compression, Integer level, boolean force) {
  static final ExportVariant DEFAULT = new ExportVariant(true, Compression.GZIP, null, false);
  private static final Set<String> KEYS = Set.of("oci-mediatypes", "compression", "compression-level", "force-compression");

  /** Parses an output's attributes; errors name the flag, the attribute and what is allowed. */
  static ExportVariant of(Output o) throws BuildException {
    Map<String, String> a = o.attributes();
    for (String k : a.keySet()) {
      if (!KEYS.contains(k)) {
        throw invalid(o, "unknown attribute \"" + k + "\" (supported: oci-mediatypes, compression, compression-level,"
            + " force-compression)");
      }
    }
    boolean oci = bool(o, "oci-mediatypes", true);
    boolean force = bool(o, "force-compression", false);
    String c = a.getOrDefault("compression", "gzip").toLowerCase(Locale.ROOT);
    Compression compression = switch (c) {
      case "gzip" -> Compression.GZIP;
      case "zstd" -> Compression.ZSTD;
      case "uncompressed" -> Compression.NONE;
      default -> throw invalid(o, "compression=" + c + ": expected gzip, zstd or uncompressed");
    };
    Integer level = null;
    if (a.containsKey("compression-level")) {
      try {
        level = Integer.parseInt(a.get("compression-level"));
      } catch (NumberFormatException e) {
        throw invalid(o, "compression-level=" + a.get("compression-level") + " is not a number");
      }
      // the codecs' own ranges: deflate 0-9, zstd 1-22 (BuildKit passes them through the same way)
      int max = compression == Compression.ZSTD ? 22 : 9;
      int min = compression == Compression.ZSTD ? 1 : 0;
      if (compression == Compression.NONE || level < min || level > max) {
        throw invalid(o, "compression-level=" + level + " is out of range for compression=" + c
            + (compression == Compression.NONE ? " (it has no levels)" : " (" + min + "-" + max + ")"));
      }
    }
    if (!oci && compression == Compression.ZSTD) {
      // Docker schema 2 has no zstd layer media type; BuildKit refuses this pair too
      throw invalid(o, "compression=zstd needs oci-mediatypes=true (Docker media types have no zstd layer type)");
    }
    return new ExportVariant(oci, compression, level, force);
  }

  private static boolean bool(Output o, String key, boolean dflt) throws BuildException {
    String v = o.attributes().get(key);
    if (v == null) {
      return dflt;
    }
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default -> throw invalid(o, key + "=" + v + ": expected true or false");
    };
  }

  private static BuildException invalid(Output o, String what) {
    return new BuildException(BuildException.Kind.INVALID_INPUT, "invalid --output type=" + o.type() + ": " + what, null);
  }

  boolean isDefault() {
    return equals(DEFAULT);
  }

  /** The image manifest {@code manifest} as this variant; the same descriptor when nothing changes. */
  Descriptor apply(ContentStore store, Descriptor manifest) throws IOException {
    if (!MediaTypes.isManifest(manifest.mediaType())) {
      throw new IOException("cannot re-encode " + manifest.digest() + " (" + manifest.mediaType()
          + "): only single-platform image manifests are supported");
    }
    ImageManifest m = Json.read(store.read(manifest.digest()), ImageManifest.class, "manifest " + manifest.digest());
    ImageConfig config = Json.read(store.read(m.config().digest()), ImageConfig.class, "config " + m.config().digest());
    List<Digest> diffIds = config.diffIds();
    List<Descriptor> layers = new ArrayList<>();
    boolean changed = false;
    for (int i = 0; i < m.layers().size(); i++) {
      Descriptor l = m.layers().get(i);
      Compression have = Compression.of(l.mediaType());
      if (have != compression || (force && level != null)) {
        LayerBlob b = LayerRecompressor.recompress(store, l, i < diffIds.size() ? diffIds.get(i) : null, compression, level);
        layers.add(b.descriptor());
        changed = true;
      } else {
        layers.add(l);
      }
    }
    Descriptor out = manifest;
    if (changed) {
      ImageManifest n = new ImageManifest(m.schemaVersion(), MediaTypes.OCI_MANIFEST, m.artifactType(),
          m.config().withMediaType(MediaTypes.OCI_CONFIG), layers, m.subject(), m.annotations());
      byte[] bytes = Json.write(n);
      out = Descriptor.of(MediaTypes.OCI_MANIFEST, store.put(bytes), bytes.length);
    }
    return ociMediaTypes ? MediaTypeConverter.toOci(store, out) : MediaTypeConverter.toDocker(store, out);
  }
}
