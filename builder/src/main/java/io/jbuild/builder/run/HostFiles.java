package io.jbuild.builder.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** The files a container gets from the build host: /etc/hosts, /etc/resolv.conf, limits. */
final class HostFiles {
  /** Docker's and BuildKit's default limit of open files, if the host allows that many. */
  static final long NOFILE = 1048576;

  private HostFiles() {}

  /** An /etc/hosts naming localhost and the container's hostname, as BuildKit generates it. */
  static Path writeHosts(Path workDir, String hostname) throws IOException {
    Path hosts = workDir.resolve("hosts");
    Files.writeString(hosts, "127.0.0.1\tlocalhost " + hostname + "\n"
        + "::1\tlocalhost ip6-localhost ip6-loopback\n", StandardCharsets.UTF_8);
    return hosts;
  }

  /**
   * A copy of the host's /etc/resolv.conf: the container shares the host's network namespace (or
   * has none), so the host's resolvers are the right ones. A copy, so a host that rewrites its
   * file during the build (DHCP, systemd-resolved) cannot change it under a running step.
   */
  static Path writeResolvConf(Path workDir) throws IOException {
    Path resolv = workDir.resolve("resolv.conf");
    byte[] content;
    try {
      content = Files.readAllBytes(Path.of("/etc/resolv.conf"));
    } catch (NoSuchFileException e) {
      content = new byte[0];
    }
    Files.write(resolv, content);
    return resolv;
  }

  /** min(1048576, the hard RLIMIT_NOFILE of this process): a runtime may not raise it further. */
  static long nofileLimit() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          String[] f = line.substring("Max open files".length()).trim().split("\\s+");
          if (f[1].equals("unlimited")) {
            return NOFILE;
          }
          return Math.min(NOFILE, Long.parseLong(f[1]));
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through to a limit every Linux allows
    }
    return 1024;
  }

  static String containerId(String id) {
    String clean = id.replaceAll("[^A-Za-z0-9_.+-]", "-");
    return clean.isEmpty() ? "jbuild" : clean;
  }
}
