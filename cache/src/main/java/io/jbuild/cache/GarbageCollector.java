package io.jbuild.cache;

import io.jbuild.oci.Digest;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Removes what no image and no kept cache record needs: cache records (all with {@code all},
 * those unused for longer than {@code unusedFor}, and least recently used ones until the root
 * fits {@code keepBytes}), then every blob not reachable from a named image or a kept record,
 * every snapshot whose blob is gone, and stale tmp/ entries.
 *
 * <p>Builds hold the root's GC lock shared while they run; collection takes it exclusively, so
 * it never removes a snapshot that a running build has mounted.
 */
public final class GarbageCollector {
  /** File in each snapshot dir naming the blob it was unpacked from or written to. */
  public static final String SNAPSHOT_BLOB_FILE = "blob";

  /** What to remove. keepBytes &lt; 0 means no size limit; unusedFor null means no age limit. */
  public record Options(boolean all, long keepBytes, Duration unusedFor) {}

  /** What was removed and what is left. */
  public record Report(int records, int blobs, int snapshots, long bytesFreed, long bytesLeft) {}

  /** Disk use of a root, for {@code jbuild du}. */
  public record Usage(int blobs, long blobBytes, int snapshots, long snapshotBytes, int records, long recordBytes) {
    public long total() {
      return blobBytes + snapshotBytes + recordBytes;
    }
  }

  private GarbageCollector() {}

  /** Marks a file or dir as used now (best effort): least-recently-used order comes from mtimes. */
  public static void touch(Path p) {
    try {
      Files.setLastModifiedTime(p, FileTime.from(Instant.now()));
    } catch (IOException e) {
      // only the LRU order suffers
    }
  }

  /** The root's GC lock; closing it releases the lock and its file. */
  public static final class Lock implements java.io.Closeable {
    private final FileChannel channel;

    private Lock(FileChannel channel) {
      this.channel = channel;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  /** Held by a build for its whole run: collection waits for it. */
  public static Lock lockShared(StorageRoot root) throws IOException {
    return lock(root, true, true);
  }

  /** The exclusive lock, or null at once when a build holds the shared one (automatic GC). */
  static Lock tryLockExclusive(StorageRoot root) throws IOException {
    return lock(root, false, false);
  }

  private static Lock lock(StorageRoot root, boolean shared, boolean wait) throws IOException {
    Path f = root.dir().resolve("gc.lock");
    FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
    try {
      FileLock l = wait ? ch.lock(0, Long.MAX_VALUE, shared) : ch.tryLock(0, Long.MAX_VALUE, shared);
      if (l == null) {
        ch.close();
        return null;
      }
      return new Lock(ch);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /**
   * Collects garbage. {@code imageBlobs}: the manifest (or index) digests of every named image;
   * their configs, layers and children are found here.
   */
  public static Report collect(StorageRoot root, Set<Digest> imageBlobs, Options options) throws IOException {
    try (Lock lock = lock(root, false, true)) {
      return collectLocked(root, imageBlobs, options);
    }
  }

  /**
   * The automatic GC after a build: when the root is over {@code limitBytes}, removes least
   * recently used cache until it fits; skipped (null) while another build runs.
   */
  public static Report collectIfOver(StorageRoot root, Set<Digest> imageBlobs, long limitBytes) throws IOException {
    try (Lock lock = tryLockExclusive(root)) {
      if (lock == null || usage(root).total() <= limitBytes) {
        return null;
      }
      return collectLocked(root, imageBlobs, new Options(false, limitBytes, null));
    }
  }

  private record Record(Path file, Instant used, Set<Digest> blobs) {}

  private static Report collectLocked(StorageRoot root, Set<Digest> imageBlobs, Options options) throws IOException {
    ContentStore store = root.content();
    List<Record> records = readRecords(new CacheIndex(root).keysDir());
    records.sort(Comparator.comparing(Record::used));
    List<Record> drop = new ArrayList<>();
    List<Record> keep = new ArrayList<>();
    Instant cutoff = options.unusedFor() == null ? null : Instant.now().minus(options.unusedFor());
    for (Record r : records) {
      boolean broken = r.blobs().stream().anyMatch(d -> !store.contains(d));
      if (options.all() || broken || (cutoff != null && r.used().isBefore(cutoff))) {
        drop.add(r);
      } else {
        keep.add(r);
      }
    }
    Set<Digest> live = reachable(store, imageBlobs);
    long before = usage(root).total();
    if (options.keepBytes() >= 0) {
      // least recently used first, until what is left fits
      long estimate = before;
      for (Record r : drop) {
        estimate -= bytesOnlyIn(store, r, live);
      }
      while (!keep.isEmpty() && estimate > options.keepBytes()) {
        Record r = keep.remove(0);
        estimate -= bytesOnlyIn(store, r, live);
        drop.add(r);
      }
    }
    for (Record r : keep) {
      live.addAll(r.blobs());
    }
    int records0 = 0;
    for (Record r : drop) {
      if (Files.deleteIfExists(r.file()) || !Files.exists(r.file())) {
        records0++;
      }
    }
    int blobs = 0;
    Path sha = root.dir().resolve("blobs").resolve("sha256");
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(sha)) {
      for (Path b : ds) {
        Digest d;
        try {
          d = new Digest("sha256", b.getFileName().toString());
        } catch (IllegalArgumentException e) {
          continue;
        }
        if (!live.contains(d)) {
          Files.deleteIfExists(b);
          blobs++;
        }
      }
    }
    int snapshots = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root.snapshots())) {
      for (Path s : ds) {
        Digest blob = snapshotBlob(s);
        if (options.all() || blob == null || !live.contains(blob)) {
          FileTrees.delete(s);
          snapshots++;
        }
      }
    }
    Usage after = usage(root);
    return new Report(records0, blobs, snapshots, Math.max(0, before - after.total()), after.total());
  }

  private static long bytesOnlyIn(ContentStore store, Record r, Set<Digest> live) throws IOException {
    long n = 0;
    for (Digest d : r.blobs()) {
      if (!live.contains(d) && store.contains(d)) {
        n += store.size(d);
      }
    }
    return n;
  }

  private static Digest snapshotBlob(Path snapshot) {
    try {
      return Digest.parse(Files.readString(snapshot.resolve(SNAPSHOT_BLOB_FILE)).trim());
    } catch (IOException | IllegalArgumentException e) {
      return null;
    }
  }

  private static List<Record> readRecords(Path keys) throws IOException {
    List<Record> out = new ArrayList<>();
    if (!Files.isDirectory(keys)) {
      return out;
    }
    try (Stream<Path> files = Files.walk(keys)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        try {
          Set<Digest> blobs = new HashSet<>();
          collectDigests(Json.readTree(Files.readAllBytes(f)), blobs);
          out.add(new Record(f, Files.getLastModifiedTime(f).toInstant(), blobs));
        } catch (NoSuchFileException gone) {
          // removed meanwhile
        } catch (IOException | RuntimeException bad) {
          out.add(new Record(f, Instant.EPOCH, Set.of(Digest.sha256("unreadable record"))));
        }
      }
    }
    return out;
  }

  /** Every "digest" field of a record: its layer blob. */
  private static void collectDigests(Object n, Set<Digest> out) {
    if (n instanceof Map<?, ?> m) {
      if (m.get("digest") instanceof String d) {
        try {
          out.add(Digest.parse(d));
        } catch (IllegalArgumentException e) {
          // not a digest
        }
      }
      for (Object c : m.values()) {
        collectDigests(c, out);
      }
    } else if (n instanceof List<?> l) {
      for (Object c : l) {
        collectDigests(c, out);
      }
    }
  }

  /** Manifests, indexes, configs and layers reachable from the given blobs. */
  static Set<Digest> reachable(ContentStore store, Set<Digest> roots) throws IOException {
    Set<Digest> live = new HashSet<>();
    Deque<Digest> todo = new ArrayDeque<>(roots);
    while (!todo.isEmpty()) {
      Digest d = todo.pop();
      if (!live.add(d) || !store.contains(d)) {
        continue;
      }
      if (store.size(d) > 4 << 20) {
        continue; // a layer, not JSON
      }
      Object n;
      try {
        n = Json.readTree(store.read(d));
      } catch (IOException e) {
        continue;
      }
      if (!(n instanceof Map<?, ?>)) {
        continue;
      }
      String mt = Json.text(Json.field(n, "mediaType"), "");
      if (MediaTypes.isIndex(mt) || Json.has(n, "manifests")) {
        for (Object m : Json.elements(Json.field(n, "manifests"))) {
          todo.push(Digest.parse(digestText(m)));
        }
      } else if (MediaTypes.isManifest(mt) || Json.has(n, "layers")) {
        if (Json.has(n, "config")) {
          todo.push(Digest.parse(digestText(Json.field(n, "config"))));
        }
        for (Object l : Json.elements(Json.field(n, "layers"))) {
          todo.push(Digest.parse(digestText(l)));
        }
      }
    }
    return live;
  }

  /** JsonNode's {@code path("digest").asText()}: "" when missing, "null" for null. */
  private static String digestText(Object descriptor) {
    return Json.text(Json.field(descriptor, "digest"), Json.has(descriptor, "digest") ? "null" : "");
  }

  /** Sizes of blobs, snapshots and cache records. */
  public static Usage usage(StorageRoot root) throws IOException {
    long[] blob = sizes(root.dir().resolve("blobs"));
    long[] snap = sizes(root.snapshots());
    long[] rec = sizes(new CacheIndex(root).keysDir());
    int snapshots = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root.snapshots())) {
      for (Path p : ds) {
        snapshots++;
      }
    }
    return new Usage((int) blob[0], blob[1], snapshots, snap[1], (int) rec[0], rec[1]);
  }

  /** {file count, bytes} below dir, not following links. */
  private static long[] sizes(Path dir) throws IOException {
    long[] out = new long[2];
    if (!Files.isDirectory(dir)) {
      return out;
    }
    Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
      @Override
      public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes a) {
        if (a.isRegularFile()) {
          out[0]++;
          out[1] += a.size();
        }
        return java.nio.file.FileVisitResult.CONTINUE;
      }

      @Override
      public java.nio.file.FileVisitResult visitFileFailed(Path f, IOException e) {
        return java.nio.file.FileVisitResult.CONTINUE;
      }
    });
    return out;
  }
}
