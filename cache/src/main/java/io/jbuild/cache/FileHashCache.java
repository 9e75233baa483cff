package io.jbuild.cache;

import io.jbuild.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Content hashes of a local directory's files, remembered across builds by (device, inode,
 * size, mtime, ctime) so that an unchanged file is never read twice (DESIGN.md, "Cache keys").
 * A change of any of those re-reads the file; mtime-only changes re-hash but give the same hash,
 * so keys don't change.
 */
public final class FileHashCache implements AutoCloseable {
  private record Entry(long dev, long ino, long size, long mtime, long ctime, String hash) {
    /** Whether this was made for the file that now has this stat. */
    boolean sameFile(long dev, long ino, long size, long mtime, long ctime) {
      return this.dev == dev && this.ino == ino && this.size == size && this.mtime == mtime && this.ctime == ctime;
    }
  }

  /** A hash being computed ahead of its step ({@link #prefetch}), for the file as stat'ed then. */
  private record Pending(Entry stat, java.util.concurrent.Future<String> hash) {}

  private final Map<String, Pending> pending = new ConcurrentHashMap<>();

  private final Path file;
  private final Path tmp;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private volatile boolean dirty;

  private FileHashCache(Path file, Path tmp) {
    this.file = file;
    this.tmp = tmp;
  }

  /** The file's first bytes: a format of its own, so a file of another format is just a miss. */
  private static final int MAGIC = 0x6a626831; // "jbh1"

  /**
   * The cache of one directory (by its absolute path). Stored as binary records (path, dev, ino,
   * size, mtime, ctime, sha256): a context of 20,000 files loads in a few milliseconds.
   */
  public static FileHashCache open(StorageRoot root, Path directory) throws IOException {
    String id = Digest.sha256(directory.toAbsolutePath().normalize().toString()).encoded().substring(0, 32);
    FileHashCache c = new FileHashCache(root.cache().resolve("contexts").resolve(id + ".bin"), root.tmp());
    try (java.io.DataInputStream in = new java.io.DataInputStream(
        new java.io.BufferedInputStream(Files.newInputStream(c.file), 1 << 16))) {
      if (in.readInt() != MAGIC) {
        return c;
      }
      int n = in.readInt();
      java.util.HexFormat hex = java.util.HexFormat.of();
      byte[] hash = new byte[32];
      for (int i = 0; i < n; i++) {
        String rel = in.readUTF();
        long dev = in.readLong();
        long ino = in.readLong();
        long size = in.readLong();
        long mtime = in.readLong();
        long ctime = in.readLong();
        in.readFully(hash);
        c.entries.put(rel, new Entry(dev, ino, size, mtime, ctime, hex.formatHex(hash)));
      }
    } catch (NoSuchFileException e) {
      // first build of this directory
    } catch (IOException | RuntimeException e) {
      c.entries.clear(); // a damaged or cut cache file only costs re-hashing
    }
    return c;
  }

  /**
   * The sha256 (hex) of a regular file's content.
   *
   * @param rel the file's path relative to the directory (the cache's key)
   * @param attrs its "unix:" attributes: dev, ino, size, lastModifiedTime, ctime
   */
  public String hash(String rel, Path path, Map<String, Object> attrs) throws IOException {
    return hash(rel, path, ((Number) attrs.get("dev")).longValue(), ((Number) attrs.get("ino")).longValue(),
        ((Number) attrs.get("size")).longValue(),
        ((java.nio.file.attribute.FileTime) attrs.get("lastModifiedTime")).to(java.util.concurrent.TimeUnit.NANOSECONDS),
        ((java.nio.file.attribute.FileTime) attrs.get("ctime")).to(java.util.concurrent.TimeUnit.NANOSECONDS));
  }

  /** {@link #hash(String, Path, Map)} with the file's lstat given as numbers (mtime and ctime in ns). */
  public String hash(String rel, Path path, long dev, long ino, long size, long mtime, long ctime) throws IOException {
    Entry e = entries.get(rel);
    if (e != null && e.sameFile(dev, ino, size, mtime, ctime)) {
      return e.hash;
    }
    String hash = null;
    Pending p = pending.remove(rel);
    if (p != null && p.stat.sameFile(dev, ino, size, mtime, ctime)) {
      try {
        hash = p.hash.get();
      } catch (java.util.concurrent.ExecutionException failed) {
        hash = null; // read it here, where its error (if it happens again) belongs to the step
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while hashing " + rel);
      }
    }
    if (hash == null) {
      hash = contentHash(path);
    }
    entries.put(rel, new Entry(dev, ino, size, mtime, ctime, hash));
    dirty = true;
    return hash;
  }

  /**
   * Starts hashing a file on {@code executor} ahead of the step that needs its hash: a build
   * knows the files its COPY steps name as soon as it is parsed, and hashing a 1 GiB file (0.75 s)
   * can then run beside the pull of the base image and the steps before, not in front of its
   * own step. {@link #hash} for the same file and the same stat takes the result (or waits for
   * it); a file changed in between is read again there. Nothing is done for a file the cache
   * already knows.
   */
  public void prefetch(String rel, Path path, long dev, long ino, long size, long mtime, long ctime,
      java.util.concurrent.Executor executor) {
    Entry e = entries.get(rel);
    if (e != null && e.sameFile(dev, ino, size, mtime, ctime)) {
      return;
    }
    java.util.concurrent.FutureTask<String> task = new java.util.concurrent.FutureTask<>(() -> contentHash(path));
    if (pending.putIfAbsent(rel, new Pending(new Entry(dev, ino, size, mtime, ctime, null), task)) == null) {
      executor.execute(task);
    }
  }

  private static String contentHash(Path path) throws IOException {
    MessageDigest md = Digest.newSha256();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(path)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return java.util.HexFormat.of().formatHex(md.digest());
  }

  /** Saves what was learnt (atomically); a failure only costs re-hashing next time. */
  @Override
  public void close() throws IOException {
    for (Pending p : pending.values()) {
      p.hash.cancel(true); // a step that never came (a failed build): stop reading for it
    }
    pending.clear();
    if (!dirty) {
      return;
    }
    Files.createDirectories(file.getParent());
    Path t = AtomicFiles.tempFile(tmp, "filehash-", ".bin");
    try {
      java.util.HexFormat hex = java.util.HexFormat.of();
      try (java.io.DataOutputStream out = new java.io.DataOutputStream(
          new java.io.BufferedOutputStream(AtomicFiles.output(t), 1 << 16))) {
        List<Map.Entry<String, Entry>> all = new java.util.ArrayList<>(entries.entrySet());
        all.removeIf(me -> me.getKey().length() > 16_000); // writeUTF's limit is 65535 bytes
        out.writeInt(MAGIC);
        out.writeInt(all.size());
        for (Map.Entry<String, Entry> me : all) {
          Entry e = me.getValue();
          out.writeUTF(me.getKey());
          out.writeLong(e.dev);
          out.writeLong(e.ino);
          out.writeLong(e.size);
          out.writeLong(e.mtime);
          out.writeLong(e.ctime);
          out.write(hex.parseHex(e.hash));
        }
      }
      Files.move(t, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(t);
    }
  }
}
