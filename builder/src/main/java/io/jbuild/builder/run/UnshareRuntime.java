package io.jbuild.builder.run;

import io.jbuild.builder.sys.RootPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The executor for hosts without an OCI runtime (DESIGN.md "embedded default"), built only from
 * util-linux and the host's /bin/sh:
 *
 * <pre>
 * unshare --mount --pid --ipc --uts [--net] --fork --kill-child --propagation private
 *   sh -c SETUP                 pid 1 of the new pid namespace, in a private mount namespace:
 *                               mounts /proc, /dev (tmpfs + host's null, zero, full, random,
 *                               urandom, tty + devpts, shm, mqueue), /sys read-only, /etc/hosts
 *                               and /etc/resolv.conf read-only, masks /proc paths, sets the hostname
 *   env -i STEP_ENV...          exactly the step's environment
 *   setpriv --no-new-privs --bounding-set Docker's caps --regid G --groups ...
 *   unshare --root ROOTFS --wd CWD --setuid U -- ARGS   chroot, chdir, drop to the user, exec
 * </pre>
 *
 * All mounts live in the new mount namespace and vanish with it; the paths they go on are
 * resolved inside the rootfs beforehand ({@link io.jbuild.builder.sys.RootPath}), so a symlink in
 * the image cannot send a mount onto the host. {@code --kill-child} ties the step to the unshare
 * process, and pid 1 dying takes the whole pid namespace with it.
 */
final class UnshareRuntime implements ContainerRuntime {
  private static final String SETUP = String.join("\n",
      "set -eu",
      "mount -t proc -o nosuid,nodev,noexec proc \"$JB_PROC\"",
      "mount -t tmpfs -o nosuid,strictatime,mode=755,size=65536k tmpfs \"$JB_DEV\"",
      "for d in null zero full random urandom tty; do",
      "  : > \"$JB_DEV/$d\"; mount --bind \"/dev/$d\" \"$JB_DEV/$d\"",
      "done",
      "mkdir \"$JB_DEV/pts\" \"$JB_DEV/shm\" \"$JB_DEV/mqueue\"",
      "mount -t devpts -o nosuid,noexec,newinstance,ptmxmode=0666,mode=0620 devpts \"$JB_DEV/pts\"",
      "ln -s pts/ptmx \"$JB_DEV/ptmx\"",
      "mount -t tmpfs -o nosuid,nodev,noexec,mode=1777,size=65536k shm \"$JB_DEV/shm\"",
      "mount -t mqueue -o nosuid,nodev,noexec mqueue \"$JB_DEV/mqueue\"",
      "ln -s /proc/self/fd \"$JB_DEV/fd\"",
      "ln -s /proc/self/fd/0 \"$JB_DEV/stdin\"",
      "ln -s /proc/self/fd/1 \"$JB_DEV/stdout\"",
      "ln -s /proc/self/fd/2 \"$JB_DEV/stderr\"",
      "if [ -n \"${JB_NETNS:-}\" ]; then",
      "  mount -t sysfs -o ro,nosuid,nodev,noexec sysfs \"$JB_SYS\"",
      "else",
      "  mount --rbind /sys \"$JB_SYS\"; mount -o remount,bind,ro,nosuid,nodev,noexec \"$JB_SYS\"",
      "fi",
      "for p in " + OciRuntime.MASKED_PATHS.stream().filter(p -> p.startsWith("/proc/"))
          .map(p -> p.substring("/proc/".length())).collect(Collectors.joining(" ")) + "; do",
      "  if [ -f \"$JB_PROC/$p\" ]; then mount --bind /dev/null \"$JB_PROC/$p\";",
      "  elif [ -d \"$JB_PROC/$p\" ]; then mount -t tmpfs -o ro,size=0 tmpfs \"$JB_PROC/$p\"; fi",
      "done",
      "for p in " + OciRuntime.READONLY_PATHS.stream()
          .map(p -> p.substring("/proc/".length())).collect(Collectors.joining(" ")) + "; do",
      "  if [ -e \"$JB_PROC/$p\" ]; then",
      "    mount --bind \"$JB_PROC/$p\" \"$JB_PROC/$p\"; mount -o remount,bind,ro \"$JB_PROC/$p\"",
      "  fi",
      "done",
      "if [ -n \"${JB_HOSTS:-}\" ]; then",
      "  mount --bind \"$JB_HOSTS_SRC\" \"$JB_HOSTS\"; mount -o remount,bind,ro \"$JB_HOSTS\"",
      "  mount --bind \"$JB_RESOLV_SRC\" \"$JB_RESOLV\"; mount -o remount,bind,ro \"$JB_RESOLV\"",
      "fi",
      // RUN --mounts, in order, after the standard ones (like the OCI runtimes apply them):
      // JB_MT_i the resolved host path of the target, JB_MS_i the source, JB_MK_i bind|tmpfs,
      // JB_MO_i extra options, JB_MD_i 1 for a directory target
      "i=0",
      "while [ \"$i\" -lt \"${JB_MOUNTS:-0}\" ]; do",
      "  eval \"t=\\$JB_MT_$i s=\\$JB_MS_$i k=\\$JB_MK_$i o=\\$JB_MO_$i d=\\$JB_MD_$i\"",
      "  if [ ! -e \"$t\" ]; then if [ \"$d\" = 1 ]; then mkdir -p \"$t\"; else : > \"$t\"; fi; fi",
      "  if [ \"$k\" = tmpfs ]; then",
      "    mount -t tmpfs -o \"nosuid,nodev${o:+,$o}\" tmpfs \"$t\"",
      "  else",
      "    mount --rbind \"$s\" \"$t\"",
      "    if [ -n \"$o\" ]; then mount -o \"remount,bind,$o\" \"$t\"; fi",
      "  fi",
      "  i=$((i+1))",
      "done",
      // the UTS namespace is this shell's: its /proc/sys/kernel/hostname is the container's
      "printf '%s' \"$JB_HOSTNAME\" > /proc/sys/kernel/hostname",
      "exec \"$@\"");

  private final Path unshare;
  private final Path state;

  UnshareRuntime(Path unshare, Path state) {
    this.unshare = unshare;
    this.state = state;
  }

  @Override
  public String name() {
    return "unshare";
  }

  @Override
  public String describe() {
    return "unshare (util-linux " + unshare + " namespaces + chroot; no OCI runtime)";
  }

  @Override
  public ExecResult run(ExecSpec spec) throws IOException, InterruptedException {
    Path sh = require("sh", "dash or bash");
    Path env = require("env", "coreutils");
    Path setpriv = require("setpriv", "util-linux");
    require("mount", "mount");
    Path hosts = HostFiles.writeHosts(spec.workDir(), spec.hostname());
    Path resolv = HostFiles.writeResolvConf(spec.workDir());
    try (MountStubs stubs = MountStubs.prepare(spec.rootfs())) {
      Map<String, String> vars = new LinkedHashMap<>();
      int i = 0;
      for (ExecSpec.Mount m : spec.mounts()) {
        boolean directory = m.type().equals("tmpfs") || Files.isDirectory(m.source());
        stubs.extra(spec.rootfs(), m.target(), directory);
        // resolved inside the rootfs now, so a symlink in the image can't aim the mount at the host
        vars.put("JB_MT_" + i, RootPath.resolve(spec.rootfs(), m.target()).toString());
        vars.put("JB_MS_" + i, m.source() == null ? "" : m.source().toAbsolutePath().toString());
        vars.put("JB_MK_" + i, m.type().equals("tmpfs") ? "tmpfs" : "bind");
        vars.put("JB_MO_" + i, String.join(",", m.options()));
        vars.put("JB_MD_" + i, directory ? "1" : "0");
        i++;
      }
      vars.put("JB_MOUNTS", Integer.toString(i));
      OciRuntime.createCwd(spec);
      vars.put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
      vars.put("JB_PROC", stubs.proc.toString());
      vars.put("JB_DEV", stubs.dev.toString());
      vars.put("JB_SYS", stubs.sys.toString());
      vars.put("JB_HOSTNAME", spec.hostname());
      if (spec.isolatedNetwork()) {
        vars.put("JB_NETNS", "1");
      }
      if (stubs.hosts != null) {
        vars.put("JB_HOSTS", stubs.hosts.toString());
        vars.put("JB_HOSTS_SRC", hosts.toString());
        vars.put("JB_RESOLV", stubs.resolvConf.toString());
        vars.put("JB_RESOLV_SRC", resolv.toString());
      }
      List<String> command = new ArrayList<>(List.of(unshare.toString(), "--mount", "--pid",
          "--ipc", "--uts", "--fork", "--kill-child", "--propagation", "private"));
      if (spec.isolatedNetwork()) {
        command.add("--net");
      }
      command.addAll(List.of("--", sh.toString(), "-c", SETUP, "jbuild-setup"));
      command.add(env.toString());
      command.add("-i");
      command.addAll(spec.env());
      command.addAll(List.of(setpriv.toString(), "--no-new-privs", "--bounding-set",
          "-all," + OciRuntime.DEFAULT_CAPS.stream()
              .map(c -> "+" + c.substring("CAP_".length()).toLowerCase(Locale.ROOT))
              .collect(Collectors.joining(",")),
          "--regid", Integer.toString(spec.gid())));
      if (spec.additionalGids().isEmpty()) {
        command.add("--clear-groups");
      } else {
        command.add("--groups");
        command.add(spec.additionalGids().stream().map(String::valueOf)
            .collect(Collectors.joining(",")));
      }
      // unshare without namespace options only chroots, chdirs and sets the uid; without -G it
      // keeps the groups setpriv set (-G would drop the supplementary ones)
      command.addAll(List.of("--", unshare.toString(), "--root", spec.rootfs().toString(),
          "--wd", spec.cwd(), "--setuid", Integer.toString(spec.uid()), "--"));
      command.addAll(spec.args());
      int exit = ProcessRunner.run(command, vars, spec.stdout(), spec.stderr(), () -> { });
      return new ExecResult(exit);
    }
  }

  private Path require(String tool, String pkg) throws IOException {
    return Runtimes.findOnPath(tool).orElseThrow(() -> new IOException("the unshare executor needs `"
        + tool + "` on PATH: install it with `apt-get install " + pkg + "`"));
  }

  Path state() {
    return state;
  }
}
