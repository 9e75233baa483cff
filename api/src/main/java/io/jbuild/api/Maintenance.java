package io.jbuild.api;

import io.jbuild.cache.GarbageCollector;
import io.jbuild.cache.StorageRoot;
import io.jbuild.exporter.ImageStore;
import io.jbuild.exporter.StoredImage;
import io.jbuild.oci.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code jbuild prune} and {@code jbuild du}, and the automatic GC after builds. */
public final class Maintenance {
  private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?i?b?)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern DURATION = Pattern.compile("(\\d+)(s|m|h|d)");

  private Maintenance() {}

  /** What a prune removed, and the root's size after it. */
  public record PruneReport(int records, int blobs, int snapshots, long bytesFreed, long bytesLeft) {}

  /** The root's disk use by kind. */
  public record DiskUsage(int blobs, long blobBytes, int snapshots, long snapshotBytes, int records, long recordBytes, long total) {}

  public static PruneReport prune(Path rootDir, boolean all, Long keepBytes, Duration unusedFor) throws BuildException {
    try {
      StorageRoot root = StorageRoot.open(rootDir);
      GarbageCollector.Report r = GarbageCollector.collect(root, imageRoots(root),
          new GarbageCollector.Options(all, keepBytes == null ? -1 : keepBytes, unusedFor));
      return new PruneReport(r.records(), r.blobs(), r.snapshots(), r.bytesFreed(), r.bytesLeft());
    } catch (IOException | UncheckedIOException e) {
      throw new BuildException(BuildException.Kind.ENVIRONMENT, "prune failed: " + e.getMessage(), e);
    }
  }

  public static DiskUsage usage(Path rootDir) throws BuildException {
    try {
      GarbageCollector.Usage u = GarbageCollector.usage(StorageRoot.open(rootDir));
      return new DiskUsage(u.blobs(), u.blobBytes(), u.snapshots(), u.snapshotBytes(), u.records(), u.recordBytes(), u.total());
    } catch (IOException | UncheckedIOException e) {
      throw new BuildException(BuildException.Kind.ENVIRONMENT, "cannot measure " + rootDir + ": " + e.getMessage(), e);
    }
  }

  /**
   * After a build: when {@code $JBUILD_GC_KEEP_STORAGE} (e.g. 20GB) is set and the root is larger,
   * least recently used cache goes first. Never blocks: skipped while another build runs.
   */
  static void automaticGc(StorageRoot root) throws IOException {
    String limit = System.getenv("JBUILD_GC_KEEP_STORAGE");
    if (limit == null || limit.isBlank()) {
      return;
    }
    GarbageCollector.collectIfOver(root, imageRoots(root), parseSize(limit));
  }

  static Set<Digest> imageRoots(StorageRoot root) throws IOException {
    Set<Digest> roots = new HashSet<>();
    for (StoredImage i : new ImageStore(root).list()) {
      roots.add(i.manifest().digest());
    }
    return roots;
  }

  /** 512MB, 20GB, 1.5GiB, 1048576 (bytes); units are powers of 1024 like docker's. */
  public static long parseSize(String text) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("invalid size \"" + text + "\": expected a number with an optional unit (512MB, 20GB)");
    }
    double n = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
    long mult = switch (unit.isEmpty() ? ' ' : unit.charAt(0)) {
      case 'k' -> 1L << 10;
      case 'm' -> 1L << 20;
      case 'g' -> 1L << 30;
      case 't' -> 1L << 40;
      default -> 1L;
    };
    return (long) (n * mult);
  }

  /** until=24h, 30m, 7d, 90s. */
  public static Duration parseDuration(String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("invalid duration \"" + text + "\": expected a number with s, m, h or d (24h)");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}
