package io.jbuild.cache.remote;

import io.jbuild.cache.ContentStore;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageIndex;
import io.jbuild.oci.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A cache in a local directory laid out as an OCI image layout (image-layout.md): {@code
 * oci-layout}, {@code index.json} naming the cache manifest, {@code blobs/sha256/<hex>}; the same
 * shape as BuildKit's {@code type=local} cache. Every file is written beside its target and
 * renamed into place, so a reader sees the old cache or the new one, never half of one.
 */
public final class LocalCacheStorage implements CacheStorage {
  /** The ref name of the cache manifest in index.json (BuildKit's local cache has one entry too). */
  static final String REF_NAME = "latest";
  private final Path dir;

  public LocalCacheStorage(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
  }

  @Override
  public String describe() {
    return "local " + dir;
  }

  @Override
  public Optional<byte[]> readManifest() throws IOException {
    byte[] indexJson;
    try {
      indexJson = Files.readAllBytes(dir.resolve("index.json"));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    ImageIndex index = Json.read(indexJson, ImageIndex.class, dir.resolve("index.json").toString());
    if (index.manifests().isEmpty()) {
      return Optional.empty();
    }
    Descriptor m = index.manifests().get(0);
    for (Descriptor d : index.manifests()) {
      if (d.annotations() != null && REF_NAME.equals(d.annotations().get("org.opencontainers.image.ref.name"))) {
        m = d;
      }
    }
    try (InputStream in = ContentStore.verifying(Files.newInputStream(blob(m.digest())), m.digest(), m.size(),
        "cache manifest in " + dir)) {
      return Optional.of(in.readAllBytes());
    }
  }

  @Override
  public void fetchBlob(Descriptor blob, OutputStream sink) throws IOException {
    try (InputStream in = ContentStore.verifying(Files.newInputStream(blob(blob.digest())), blob.digest(), blob.size(),
        "blob " + blob.digest() + " in " + dir)) {
      in.transferTo(sink);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException("blob " + blob.digest() + " is missing from the cache in " + dir);
    }
  }

  @Override
  public boolean hasBlob(Digest digest) {
    return Files.isRegularFile(blob(digest));
  }

  @Override
  public void pushBlob(Descriptor blob, BlobSource content) throws IOException {
    Path target = blob(blob.digest());
    if (Files.isRegularFile(target)) {
      return;
    }
    Files.createDirectories(target.getParent());
    Path tmp = io.jbuild.cache.AtomicFiles.tempFile(target.getParent(), "." + blob.digest().encoded(), ".partial");
    try {
      try (InputStream in = ContentStore.verifying(content.open(), blob.digest(), blob.size(), "blob " + blob.digest());
          OutputStream out = io.jbuild.cache.AtomicFiles.output(tmp)) {
        in.transferTo(out);
      }
      move(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @Override
  public void pushManifest(String mediaType, byte[] manifest) throws IOException {
    Digest d = Digest.sha256(manifest);
    pushBlob(Descriptor.of(mediaType, d, manifest.length), () -> new java.io.ByteArrayInputStream(manifest));
    Files.writeString(write("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}", StandardCharsets.UTF_8);
    move(dir.resolve(".oci-layout.partial"), dir.resolve("oci-layout"));
    Descriptor entry = Descriptor.of(mediaType, d, manifest.length)
        .withAnnotations(Map.of("org.opencontainers.image.ref.name", REF_NAME));
    Files.write(write("index.json"), Json.write(ImageIndex.oci(List.of(entry))));
    move(dir.resolve(".index.json.partial"), dir.resolve("index.json"));
  }

  private Path write(String name) throws IOException {
    Files.createDirectories(dir);
    return dir.resolve("." + name + ".partial");
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private Path blob(Digest d) {
    return dir.resolve("blobs").resolve(d.algorithm()).resolve(d.encoded());
  }
}
