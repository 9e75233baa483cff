package io.jbuild.registry.testing;

import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageConfig;
import io.jbuild.oci.ImageIndex;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import io.jbuild.oci.Platform;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * A small, real image made in memory: each layer is a tar with one file, gzip-compressed or not;
 * the config has the layers' diff ids. {@link #writeOciLayout} writes it as an OCI layout
 * directory that skopeo and umoci read, so tests can push it with another tool.
 */
public record TestImage(Descriptor manifest, byte[] manifestBytes, Descriptor config, byte[] configBytes,
    List<Descriptor> layers, List<byte[]> layerBytes) {

  /** An OCI image of {@code layerCount} layers with files of {@code fileSize} random bytes. */
  public static TestImage create(Platform platform, boolean gzip, int layerCount, int fileSize, long seed) {
    Random random = new Random(seed);
    List<Descriptor> layers = new ArrayList<>();
    List<byte[]> layerBytes = new ArrayList<>();
    List<Digest> diffIds = new ArrayList<>();
    List<ImageConfig.History> history = new ArrayList<>();
    for (int i = 0; i < layerCount; i++) {
      byte[] content = new byte[fileSize];
      random.nextBytes(content);
      byte[] tar = tar("layer" + i + "/file-" + seed + ".bin", content);
      diffIds.add(Digest.sha256(tar));
      byte[] blob = gzip ? gzip(tar) : tar;
      layerBytes.add(blob);
      layers.add(Descriptor.of(gzip ? MediaTypes.OCI_LAYER_GZIP : MediaTypes.OCI_LAYER, Digest.sha256(blob), blob.length));
      history.add(new ImageConfig.History("2024-01-02T03:04:05Z", "test layer " + i, null, null, null));
    }
    ImageConfig config = ImageConfig.scratch(platform).withCreated("2024-01-02T03:04:05Z")
        .withConfig(io.jbuild.oci.ContainerConfig.EMPTY.withCmd(List.of("/bin/true"))
            .withEnv(List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")))
        .withLayers(diffIds, history);
    byte[] configBytes = Json.write(config);
    Descriptor configDesc = Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256(configBytes), configBytes.length);
    byte[] manifestBytes = Json.write(ImageManifest.oci(configDesc, layers));
    Descriptor manifestDesc = Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.sha256(manifestBytes), manifestBytes.length);
    return new TestImage(manifestDesc, manifestBytes, configDesc, configBytes, List.copyOf(layers), List.copyOf(layerBytes));
  }

  /** Every blob of the image, manifest included, by digest. */
  public Map<Digest, byte[]> blobs() {
    Map<Digest, byte[]> m = new LinkedHashMap<>();
    m.put(manifest.digest(), manifestBytes);
    m.put(config.digest(), configBytes);
    for (int i = 0; i < layers.size(); i++) {
      m.put(layers.get(i).digest(), layerBytes.get(i));
    }
    return m;
  }

  /** Writes an OCI image layout at {@code dir} whose index names this image {@code tag}. */
  public void writeOciLayout(Path dir, String tag) throws IOException {
    Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
    for (Map.Entry<Digest, byte[]> e : blobs().entrySet()) {
      Files.write(blobs.resolve(e.getKey().encoded()), e.getValue());
    }
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    Descriptor entry = manifest.withAnnotations(Map.of("org.opencontainers.image.ref.name", tag));
    Files.write(dir.resolve("index.json"), Json.write(ImageIndex.oci(List.of(entry))));
  }

  static byte[] gzip(byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }

  /** A ustar archive with the file's parent directory and the file (root-owned, fixed mtime). */
  public static byte[] tar(String name, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String dir = name.substring(0, name.lastIndexOf('/') + 1);
    out.writeBytes(header(dir, 0, '5', 0755));
    out.writeBytes(header(name, content.length, '0', 0644));
    out.writeBytes(content);
    out.writeBytes(new byte[(512 - content.length % 512) % 512]);
    out.writeBytes(new byte[1024]);
    return out.toByteArray();
  }

  private static byte[] header(String name, long size, char type, int mode) {
    byte[] h = new byte[512];
    put(h, 0, 100, name);
    put(h, 100, 8, String.format("%07o", mode));
    put(h, 108, 8, "0000000");
    put(h, 116, 8, "0000000");
    put(h, 124, 12, String.format("%011o", size));
    put(h, 136, 12, String.format("%011o", 1_700_000_000L));
    h[156] = (byte) type;
    put(h, 257, 6, "ustar");
    put(h, 263, 2, "00");
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, 8, String.format("%06o", sum) + "\0 ");
    return h;
  }

  private static void put(byte[] h, int off, int len, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, off, Math.min(len, b.length));
  }
}
