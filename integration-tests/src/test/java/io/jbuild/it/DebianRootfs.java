package io.jbuild.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A Debian bookworm minbase rootfs made by debootstrap once and kept as a tarball in
 * /var/cache/jbuild-test (JBUILD_TEST_CACHE) between runs, for the tests that need a real
 * distribution base (JavaHttpServerIT, RemoteCacheIT).
 */
final class DebianRootfs {
  private static final Path CACHE = Path.of(System.getenv().getOrDefault("JBUILD_TEST_CACHE", "/var/cache/jbuild-test"));

  private DebianRootfs() {}

  /** The tarball (numeric owners), made on first use; a concurrent maker's result is as good. */
  static Path tarball() throws Exception {
    Path tarball = CACHE.resolve("debian-bookworm-minbase.tar.gz");
    if (Files.isRegularFile(tarball)) {
      return tarball;
    }
    Prerequisites.requireTool("debootstrap");
    Files.createDirectories(CACHE);
    Path dir = Files.createTempDirectory(CACHE, ".bookworm-");
    try {
      Exec.run(null, Map.of(), 1200, List.of("debootstrap", "--variant=minbase", "bookworm", dir.toString(),
          System.getenv().getOrDefault("DEBIAN_MIRROR", "http://deb.debian.org/debian"))).assertOk("debootstrap");
      Path part = Files.createTempFile(CACHE, ".debian-bookworm-minbase", ".part");
      Exec.run(null, Map.of(), 600, List.of("tar", "-C", dir.toString(), "--numeric-owner", "-czf", part.toString(), "."))
          .assertOk("tar debian");
      Files.move(part, tarball, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Exec.run("rm", "-rf", dir.toString());
    }
    return tarball;
  }
}
