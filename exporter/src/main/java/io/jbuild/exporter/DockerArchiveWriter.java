package io.jbuild.exporter;

import io.airlift.compress.zstd.ZstdInputStream;
import io.jbuild.cache.ContentStore;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.GzipInput;
import io.jbuild.oci.ImageConfig;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.InvalidContentException;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import io.jbuild.oci.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes an image as a docker-archive tar, the format of {@code docker save} that
 * {@code docker load} and {@code podman load} read: {@code manifest.json}
 * ({@code [{"Config","RepoTags","Layers"}]}), the config as {@code <id>.json}, and each layer
 * uncompressed as {@code <diffid>/layer.tar}. Layers are stored uncompressed because that is what
 * Docker writes and what every loader accepts; a tar header needs the size first and the output
 * never seeks, so each compressed layer is decompressed twice: once to count and check its diff id,
 * once to copy. An index is written as its host-platform image, as {@code docker save} does.
 */
public final class DockerArchiveWriter {
  private DockerArchiveWriter() {}

  /** One entry of manifest.json. */
  record ManifestEntry(
      @com.fasterxml.jackson.annotation.JsonProperty("Config") String config,
      @com.fasterxml.jackson.annotation.JsonProperty("RepoTags") List<String> repoTags,
      @com.fasterxml.jackson.annotation.JsonProperty("Layers") List<String> layers) {}

  public static void write(ContentStore store, Descriptor manifest, List<ImageReference> names, OutputStream out)
      throws IOException {
    Descriptor image = ImageContent.platformManifest(store, manifest, Platform.host());
    ImageContent.closure(store, image);
    ImageManifest m = ImageContent.manifest(store, image);
    ImageConfig config = Json.read(store.read(m.config().digest()), ImageConfig.class, "config " + m.config().digest());
    List<Digest> diffIds = config.diffIds();
    if (diffIds.size() != m.layers().size()) {
      throw new InvalidContentException("image " + image.digest() + ": " + m.layers().size() + " layers but "
          + diffIds.size() + " diff ids in its config");
    }
    List<String> repoTags = new ArrayList<>();
    for (ImageReference name : names) {
      if (name.tag() != null) {
        repoTags.add(name.withTag(name.tag()).familiar());
      }
    }
    String configName = m.config().digest().encoded() + ".json";
    List<String> layerNames = new ArrayList<>();
    Map<String, Integer> firstIndexOfName = new LinkedHashMap<>();
    for (int i = 0; i < diffIds.size(); i++) {
      String name = diffIds.get(i).encoded() + "/layer.tar";
      layerNames.add(name);
      firstIndexOfName.putIfAbsent(name, i);
    }
    TarArchiveOutputStream tar = Tars.open(out);
    Tars.blob(tar, configName, store, m.config());
    for (Map.Entry<String, Integer> e : firstIndexOfName.entrySet()) {
      int i = e.getValue();
      Descriptor layer = m.layers().get(i);
      Digest diffId = diffIds.get(i);
      long size = uncompressedSize(store, layer, diffId);
      Tars.directory(tar, diffId.encoded());
      tar.putArchiveEntry(Tars.entry(e.getKey(), size));
      try (InputStream in = uncompressed(store, layer)) {
        in.transferTo(tar);
      }
      tar.closeArchiveEntry();
    }
    Tars.file(tar, "manifest.json", Json.write(List.of(new ManifestEntry(configName, repoTags, layerNames))));
    tar.finish();
    out.flush();
  }

  /** Decompresses once to count the bytes and check them against the config's diff id. */
  private static long uncompressedSize(ContentStore store, Descriptor layer, Digest diffId) throws IOException {
    MessageDigest md = Digest.newSha256();
    long n = 0;
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = new DigestInputStream(uncompressed(store, layer), md)) {
      int r;
      while ((r = in.read(buf)) >= 0) {
        n += r;
      }
    }
    Digest actual = Digest.ofSha256(md.digest());
    if (!actual.equals(diffId)) {
      throw new InvalidContentException("layer " + layer.digest() + " uncompresses to " + actual
          + " but the config's diff id is " + diffId);
    }
    return n;
  }

  static InputStream uncompressed(ContentStore store, Descriptor layer) throws IOException {
    InputStream raw = ContentStore.verifying(store.open(layer.digest()), layer.digest(), layer.size(),
        "layer " + layer.digest());
    try {
      return switch (MediaTypes.layerCompression(layer.mediaType())) {
        case "gzip" -> GzipInput.open(raw, 64 * 1024);
        case "zstd" -> new ZstdInputStream(raw);
        default -> raw;
      };
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }
}
