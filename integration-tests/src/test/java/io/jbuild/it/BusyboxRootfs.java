package io.jbuild.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A busybox root filesystem made from the host's busybox-static binary: busybox and its applet
 * symlinks in /bin, /etc/passwd and /etc/group with root, daemon and nobody, /tmp 1777, and a
 * marker file /etc/base-marker.txt that tests delete in a RUN step.
 */
final class BusyboxRootfs {
  static final Path BUSYBOX = Path.of("/bin/busybox");

  private BusyboxRootfs() {}

  static Path create(Path dir) throws IOException, InterruptedException {
    Prerequisites.require(Files.isExecutable(BUSYBOX), "busybox-static at /bin/busybox (apt-get install busybox-static)");
    Files.createDirectories(dir.resolve("bin"));
    Files.createDirectories(dir.resolve("etc"));
    Files.createDirectories(dir.resolve("root"));
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    Files.setAttribute(tmp, "unix:mode", 01777);
    Files.copy(BUSYBOX, dir.resolve("bin/busybox"));
    Exec list = Exec.run(BUSYBOX.toString(), "--list").assertOk("busybox --list");
    for (String applet : list.stdout().split("\n")) {
      if (!applet.isBlank() && !applet.equals("busybox")) {
        Files.createSymbolicLink(dir.resolve("bin").resolve(applet.trim()), Path.of("busybox"));
      }
    }
    Files.writeString(dir.resolve("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
    Files.writeString(dir.resolve("etc/group"), "root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n");
    Files.writeString(dir.resolve("etc/base-marker.txt"), "from the base image\n");
    return dir;
  }
}
