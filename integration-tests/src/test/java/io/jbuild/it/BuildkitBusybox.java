package io.jbuild.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A stand-in for BuildKit's test image {@code busybox:latest} (the official busybox 1.36 image)
 * made from the host's busybox-static: the same /etc/passwd and /etc/group users and groups the
 * cases rely on (wheel:x:10:root, daemon, nobody, ...), /usr/bin/env, and an {@code adduser}
 * script doing what {@code busybox adduser -D NAME} does, because Debian builds busybox without
 * that applet (it ships its own adduser). Differences are listed in the cases' skip file.
 */
final class BuildkitBusybox {
  private BuildkitBusybox() {}

  static Path create(Path dir) throws IOException, InterruptedException {
    Prerequisites.require(Files.isExecutable(BusyboxRootfs.BUSYBOX), "busybox-static at /bin/busybox");
    Files.createDirectories(dir.resolve("bin"));
    Files.createDirectories(dir.resolve("etc"));
    Files.createDirectories(dir.resolve("root"));
    Files.setAttribute(Files.createDirectories(dir.resolve("tmp")), "unix:mode", 01777);
    Files.copy(BusyboxRootfs.BUSYBOX, dir.resolve("bin/busybox"));
    Exec list = Exec.run(BusyboxRootfs.BUSYBOX.toString(), "--list").assertOk("busybox --list");
    for (String applet : list.stdout().split("\n")) {
      if (!applet.isBlank() && !applet.equals("busybox")) {
        Files.createSymbolicLink(dir.resolve("bin").resolve(applet.trim()), Path.of("busybox"));
      }
    }
    Files.writeString(dir.resolve("etc/passwd"), """
        root:x:0:0:root:/root:/bin/sh
        daemon:x:1:1:daemon:/usr/sbin:/bin/false
        bin:x:2:2:bin:/bin:/bin/false
        sys:x:3:3:sys:/dev:/bin/false
        sync:x:4:100:sync:/bin:/bin/sync
        mail:x:8:8:mail:/var/spool/mail:/bin/false
        www-data:x:33:33:www-data:/var/www:/bin/false
        operator:x:37:37:Operator:/var:/bin/false
        nobody:x:65534:65534:nobody:/home:/bin/false
        """);
    Files.writeString(dir.resolve("etc/group"), """
        root:x:0:
        daemon:x:1:
        bin:x:2:
        sys:x:3:
        adm:x:4:
        tty:x:5:
        disk:x:6:
        lp:x:7:
        mail:x:8:
        kmem:x:9:
        wheel:x:10:root
        cdrom:x:11:
        dialout:x:18:
        floppy:x:19:
        video:x:28:
        audio:x:29:
        tape:x:32:
        www-data:x:33:
        operator:x:37:
        utmp:x:43:
        plugdev:x:46:
        staff:x:50:
        lock:x:54:
        netdev:x:82:
        users:x:100:
        nobody:x:65534:
        nogroup:x:65534:
        """);
    Files.createDirectories(dir.resolve("home"));
    Files.createDirectories(dir.resolve("var/spool/mail"));
    Files.createDirectories(dir.resolve("usr/bin"));
    Files.createSymbolicLink(dir.resolve("usr/bin/env"), Path.of("/bin/env"));
    Path adduser = dir.resolve("bin/adduser");
    Files.deleteIfExists(adduser);
    // busybox adduser -D NAME: the first free uid from 1000, a group of the same name and id,
    // home /home/NAME owned by the user, shell /bin/sh
    Files.writeString(adduser, """
        #!/bin/sh
        for a in "$@"; do name="$a"; done
        uid=1000
        while grep -q "^[^:]*:[^:]*:$uid:" /etc/passwd || grep -q "^[^:]*:[^:]*:$uid:" /etc/group; do uid=$((uid+1)); done
        echo "$name:x:$uid:" >> /etc/group
        echo "$name:x:$uid:$uid:Linux User,,,:/home/$name:/bin/sh" >> /etc/passwd
        mkdir -p "/home/$name" && chown "$uid:$uid" "/home/$name" && chmod 755 "/home/$name"
        """);
    Files.setPosixFilePermissions(adduser, PosixFilePermissions.fromString("rwxr-xr-x"));
    return dir;
  }
}
