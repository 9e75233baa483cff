package io.jbuild.cache;

import io.jbuild.oci.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The persistent cache index: cache key to the record of a step's result, one small file per
 * key under {@code cache/keys/}. Records are written to tmp/ and renamed into place, so readers
 * see a whole record or none, and several processes may share the root.
 */
public final class CacheIndex {
  private final Path dir;
  private final Path tmp;

  public CacheIndex(StorageRoot root) {
    this.dir = root.cache().resolve("keys");
    this.tmp = root.tmp();
  }

  public Optional<byte[]> get(Digest key) throws IOException {
    try {
      return Optional.of(Files.readAllBytes(file(key)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  public boolean has(Digest key) {
    return Files.isRegularFile(file(key));
  }

  public void put(Digest key, byte[] record) throws IOException {
    write(file(key), record);
  }

  private void write(Path target, byte[] record) throws IOException {
    AtomicFiles.write(target, tmp, record);
  }


  /** The record of the last build of a name (for --explain-cache), if any. */
  public Optional<byte[]> readBuild(Digest name) throws IOException {
    try {
      return Optional.of(Files.readAllBytes(buildFile(name)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  public boolean hasBuild(Digest name) {
    return Files.isRegularFile(buildFile(name));
  }

  public void writeBuild(Digest name, byte[] record) throws IOException {
    write(buildFile(name), record);
  }

  private Path buildFile(Digest name) {
    return dir.resolveSibling("builds").resolve(name.encoded() + ".json");
  }

  /** Marks a record as just used (its mtime), for least-recently-used pruning. */
  public void touch(Digest key) {
    GarbageCollector.touch(file(key));
  }

  /** The directory of the records (for the garbage collector). */
  Path keysDir() {
    return dir;
  }

  public void remove(Digest key) throws IOException {
    Files.deleteIfExists(file(key));
  }

  private Path file(Digest key) {
    return dir.resolve(key.encoded().substring(0, 2)).resolve(key.encoded());
  }
}
