package io.jbuild.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The jbuild root directory (DESIGN.md, "Storage"): blobs/, snapshots/, cache/, images/, tmp/,
 * all on one filesystem so that a rename from tmp/ into place is atomic.
 */
public final class StorageRoot {
  private final Path dir;
  private final ContentStore content;

  private StorageRoot(Path dir) {
    this.dir = dir;
    this.content = new ContentStore(dir.resolve("blobs"), tmp());
  }

  /** Opens (and creates when missing) the root at {@code dir}. */
  public static StorageRoot open(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    try {
      for (String sub : new String[] {"blobs/sha256", "snapshots", "cache", "images", "tmp", "run"}) {
        Files.createDirectories(abs.resolve(sub));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the jbuild root " + abs + ": " + e.getMessage(), e);
    }
    return new StorageRoot(abs);
  }

  /**
   * The default root: {@code $JBUILD_ROOT}, else /var/lib/jbuild for root, else
   * {@code $XDG_DATA_HOME/jbuild} (~/.local/share/jbuild).
   */
  public static Path defaultLocation() {
    String env = System.getenv("JBUILD_ROOT");
    if (env != null && !env.isEmpty()) {
      return Paths.get(env);
    }
    if ("root".equals(System.getProperty("user.name"))) {
      return Paths.get("/var/lib/jbuild");
    }
    String xdg = System.getenv("XDG_DATA_HOME");
    Path base = xdg != null && !xdg.isEmpty()
        ? Paths.get(xdg)
        : Paths.get(System.getProperty("user.home"), ".local", "share");
    return base.resolve("jbuild");
  }

  public Path dir() {
    return dir;
  }

  public ContentStore content() {
    return content;
  }

  /** Unpacked layers, one directory per layer chain id. */
  public Path snapshots() {
    return dir.resolve("snapshots");
  }

  /** The persistent cache index. */
  public Path cache() {
    return dir.resolve("cache");
  }

  /** The local image store: name:tag to manifest digest. */
  public Path images() {
    return dir.resolve("images");
  }

  /** Temporary files and directories; same filesystem as everything else. */
  public Path tmp() {
    return dir.resolve("tmp");
  }

  /** Per-process runtime state: container bundles, mount points; cleaned on exit. */
  public Path run() {
    return dir.resolve("run");
  }
}
