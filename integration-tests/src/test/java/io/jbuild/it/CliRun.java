package io.jbuild.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The CLI tests' way to run jbuild: the shaded jar, a private root, extra environment. */
final class CliRun {
  private CliRun() {}

  static String jar() {
    return Path.of(System.getProperty("jbuild.jar", "../cli/target/jbuild.jar")).toAbsolutePath().normalize().toString();
  }

  static List<String> command(String... args) {
    List<String> cmd = new ArrayList<>(List.of("java", "-jar", jar()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  static Exec jbuild(Path root, Map<String, String> env, String... args) throws IOException, InterruptedException {
    Map<String, String> all = new HashMap<>(env);
    all.put("JBUILD_ROOT", root.toString());
    return Exec.run(null, all, 600, command(args));
  }

  /** A root whose local store has busybox:latest (made from the host's busybox-static, offline). */
  static Path rootWithBusybox(Path dir) throws IOException, InterruptedException {
    Prerequisites.requireRoot();
    Path rootfs = busyboxRootfs(Files.createDirectories(dir.resolve("busybox-rootfs")));
    Path root = dir.resolve("root");
    Exec.jbuild(root, "import", "--quiet", "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "--change", "CMD [\"sh\"]", rootfs.toString(), "busybox:latest").assertOk("jbuild import busybox");
    return root;
  }

  /** Like BusyboxRootfs, whose /tmp mode string ("rwxrwxrwt") PosixFilePermissions rejects. */
  private static Path busyboxRootfs(Path dir) throws IOException, InterruptedException {
    Prerequisites.require(Files.isExecutable(BusyboxRootfs.BUSYBOX), "busybox-static at /bin/busybox (apt-get install busybox-static)");
    Files.createDirectories(dir.resolve("bin"));
    Files.createDirectories(dir.resolve("etc"));
    Files.createDirectories(dir.resolve("root"));
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    Files.setAttribute(tmp, "unix:mode", 01777);
    Files.copy(BusyboxRootfs.BUSYBOX, dir.resolve("bin/busybox"));
    for (String applet : Exec.run(BusyboxRootfs.BUSYBOX.toString(), "--list").assertOk("busybox --list").stdout().split("\n")) {
      if (!applet.isBlank() && !applet.equals("busybox")) {
        Files.createSymbolicLink(dir.resolve("bin").resolve(applet.trim()), Path.of("busybox"));
      }
    }
    Files.writeString(dir.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
    Files.writeString(dir.resolve("etc/group"), "root:x:0:\nnogroup:x:65534:\n");
    return dir;
  }

  static Path context(Path dir, String dockerfile) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("Dockerfile"), dockerfile);
    return dir;
  }
}
