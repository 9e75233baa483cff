package io.jbuild.builder.sys;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** Shared fixtures of the builder's file-system tests: prerequisites and a busybox rootfs. */
public final class TestSupport {
  private TestSupport() {}

  /**
   * Skips a test whose prerequisite (root, a runtime binary, overlayfs) is missing on a
   * developer machine, but fails it under CI=true, where a skip would hide a broken CI machine.
   */
  public static void require(boolean condition, String what) {
    if (condition) {
      return;
    }
    if ("true".equals(System.getenv("CI"))) {
      fail("prerequisite missing on CI: " + what);
    }
    Assumptions.assumeTrue(false, "prerequisite missing: " + what);
  }

  public static void requireRoot() {
    require("root".equals(System.getProperty("user.name")), "tests must run as root");
  }

  public static Path requireBinary(String name, String pkg) {
    for (String dir : (System.getenv("PATH") + ":/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      Path p = Path.of(dir, name);
      if (!dir.isEmpty() && Files.isExecutable(p)) {
        return p;
      }
    }
    require(false, name + " not on PATH (apt-get install " + pkg + ")");
    return null;
  }

  /**
   * A minimal rootfs: the static busybox as /bin/busybox, a symlink per applet in /bin (what
   * {@code busybox --install -s} makes), /etc/passwd with root, daemon and nobody, /etc/group.
   */
  public static Path busyboxRootfs(Path dir) throws IOException, InterruptedException {
    requireBinary("busybox", "busybox-static");
    Path busybox = Path.of("/bin/busybox");
    require(isStatic(busybox), "/bin/busybox must be the static build (apt-get install busybox-static)");
    Files.createDirectories(dir.resolve("bin"));
    Files.createDirectories(dir.resolve("etc"));
    Files.createDirectories(dir.resolve("tmp"));
    Files.copy(busybox, dir.resolve("bin/busybox"));
    Process p = new ProcessBuilder(busybox.toString(), "--list").redirectErrorStream(true).start();
    List<String> applets = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
        .lines().filter(l -> !l.isBlank() && !l.equals("busybox")).toList();
    p.waitFor();
    for (String applet : applets) {
      Path link = dir.resolve("bin").resolve(applet);
      if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
        Files.createSymbolicLink(link, Path.of("busybox"));
      }
    }
    Files.writeString(dir.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"
        + "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
        + "nobody:x:65534:65534:nobody:/home:/bin/false\n");
    Files.writeString(dir.resolve("etc/group"), "root:x:0:\ndaemon:x:1:\nusers:x:100:nobody\n"
        + "nogroup:x:65534:\n");
    return dir;
  }

  private static boolean isStatic(Path binary) throws IOException {
    // a static ELF has no PT_INTERP: look for the dynamic loader's name in the header area
    byte[] head = new byte[4096];
    try (var in = Files.newInputStream(binary)) {
      int n = in.readNBytes(head, 0, head.length);
      String s = new String(head, 0, n, StandardCharsets.ISO_8859_1);
      return !s.contains("ld-linux");
    }
  }

  /** Recursively deletes a tree without following symlinks; unmounted trees only. */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      List<Path> paths = new ArrayList<>(all.sorted(Comparator.reverseOrder()).toList());
      for (Path p : paths) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Runs a host command and returns its output; a non-zero exit fails the test. */
  public static String sh(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int exit = p.waitFor();
    if (exit != 0) {
      fail(String.join(" ", command) + " exited " + exit + ": " + out);
    }
    return out;
  }

  /** Runs a command and returns its standard output as bytes (stderr inherited); fails unless it exits 0. */
  public static byte[] shBytes(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] out = p.getInputStream().readAllBytes();
    int exit = p.waitFor();
    if (exit != 0) {
      fail(String.join(" ", command) + " exited " + exit);
    }
    return out;
  }
}
