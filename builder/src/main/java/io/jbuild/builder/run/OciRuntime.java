package io.jbuild.builder.run;

import io.jbuild.oci.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * runc or crun, driven through an OCI bundle (runtime-spec 1.0.2 config.json) in the step's work
 * dir, with the runtime's state in a private {@code --root} directory so that jbuild never sees
 * or touches containers of other tools.
 *
 * <p>Cgroups are not managed: no cgroupsPath and no resources, and crun runs with
 * {@code --cgroup-manager=disabled}, so steps run on cgroup v1, hybrid and v2 hosts alike
 * (DESIGN.md: build without cgroups instead of failing).
 */
final class OciRuntime implements ContainerRuntime {
  /** Docker's default capability set (moby oci/caps/defaults.go). */
  static final List<String> DEFAULT_CAPS = List.of(
      "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
      "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
      "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
  /** Docker's masked paths (moby oci/defaults.go): bound to /dev/null or an empty tmpfs. */
  static final List<String> MASKED_PATHS = List.of(
      "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
      "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
      "/sys/firmware", "/sys/devices/virtual/powercap");
  static final List<String> READONLY_PATHS = List.of(
      "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

  private final String name;
  private final Path binary;
  private final Path state;

  OciRuntime(String name, Path binary, Path state) {
    this.name = name;
    this.binary = binary;
    this.state = state;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String describe() {
    return name + " (OCI runtime " + binary + ", no cgroups)";
  }

  @Override
  public ExecResult run(ExecSpec spec) throws IOException, InterruptedException {
    String id = HostFiles.containerId(spec.id());
    Path bundle = spec.workDir().resolve("bundle");
    Files.createDirectories(bundle);
    Path hosts = HostFiles.writeHosts(spec.workDir(), spec.hostname());
    Path resolv = HostFiles.writeResolvConf(spec.workDir());
    try (MountStubs stubs = MountStubs.prepare(spec.rootfs())) {
      for (ExecSpec.Mount m : spec.mounts()) {
        stubs.extra(spec.rootfs(), m.target(), m.type().equals("tmpfs") || Files.isDirectory(m.source()));
      }
      createCwd(spec);
      Map<String, Object> config = config(spec, stubs.hosts != null ? hosts : null,
          stubs.hosts != null ? resolv : null);
      Files.write(bundle.resolve("config.json"), Json.write(config));
      List<String> command = new ArrayList<>(global());
      command.addAll(List.of("run", "--bundle", bundle.toString(), id));
      try {
        int exit = ProcessRunner.run(command, Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            spec.stdout(), spec.stderr(), () -> quiet(List.of("kill", id, "KILL")));
        return new ExecResult(exit);
      } finally {
        // `run` deletes the container when it ends; after a kill or a runtime crash it may not.
        // runc and crun keep a container's state in <root>/<id>: no state, nothing to delete (a
        // second runtime process costs 10-20 ms a RUN step)
        if (Files.exists(state.resolve(id), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          quiet(List.of("delete", "--force", id));
        }
      }
    }
  }

  static void createCwd(ExecSpec spec) throws IOException {
    io.jbuild.builder.sys.RootPath.mkdirs(spec.rootfs(), spec.cwd());
  }

  private List<String> global() {
    List<String> args = new ArrayList<>();
    if (name.equals("crun") && hybridWithV2Controllers()) {
      // crun refuses a hybrid host whose cgroup2 hierarchy has controllers, even when it is told
      // not to manage cgroups (libcrun cgroup.c, "cgroups in hybrid mode not supported"). It only
      // looks at its own mount namespace: give it one where the cgroup2 mount is gone. The
      // container's mounts are built from the bundle, so it sees no difference.
      Path unshare = Runtimes.findOnPath("unshare").orElse(null);
      if (unshare != null) {
        args.addAll(List.of(unshare.toString(), "--mount", "--propagation", "private", "--",
            "/bin/sh", "-c", "umount -l /sys/fs/cgroup/unified && exec \"$@\"", "crun"));
      }
    }
    args.add(binary.toString());
    if (name.equals("crun")) {
      args.add("--cgroup-manager=disabled");
    }
    args.add("--root");
    args.add(state.toString());
    return args;
  }

  /** /sys/fs/cgroup a tmpfs of v1 hierarchies plus a cgroup2 at unified/ that has controllers. */
  static boolean hybridWithV2Controllers() {
    Path controllers = Path.of("/sys/fs/cgroup/unified/cgroup.controllers");
    try {
      return Files.exists(Path.of("/sys/fs/cgroup/cgroup.procs")) ? false
          : Files.isReadable(controllers) && !Files.readString(controllers).isBlank();
    } catch (IOException e) {
      return false;
    }
  }

  /** Runs a runtime subcommand, ignoring its outcome (the container may be gone already). */
  private void quiet(List<String> sub) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(global());
    command.addAll(sub);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
  }

  /** The runtime-spec config.json of one step. */
  static Map<String, Object> config(ExecSpec spec, Path hosts, Path resolv) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("ociVersion", "1.0.2");
    Map<String, Object> process = new LinkedHashMap<>();
    process.put("terminal", false);
    Map<String, Object> user = new LinkedHashMap<>();
    user.put("uid", spec.uid());
    user.put("gid", spec.gid());
    if (!spec.additionalGids().isEmpty()) {
      user.put("additionalGids", spec.additionalGids());
    }
    process.put("user", user);
    process.put("args", spec.args());
    process.put("env", spec.env());
    process.put("cwd", spec.cwd());
    Map<String, Object> caps = new LinkedHashMap<>();
    caps.put("bounding", DEFAULT_CAPS);
    // A non-root user starts without effective capabilities, as in Docker since 20.10: it only
    // gains them by exec'ing a file with capabilities, within the bounding set.
    List<String> active = spec.uid() == 0 ? DEFAULT_CAPS : List.of();
    caps.put("effective", active);
    caps.put("permitted", active);
    process.put("capabilities", caps);
    long nofile = HostFiles.nofileLimit();
    process.put("rlimits", List.of(Map.of("type", "RLIMIT_NOFILE", "hard", nofile, "soft", nofile)));
    process.put("noNewPrivileges", true);
    c.put("process", process);
    c.put("root", Map.of("path", spec.rootfs().toAbsolutePath().toString(), "readonly", false));
    c.put("hostname", spec.hostname());

    List<Map<String, Object>> mounts = new ArrayList<>();
    mounts.add(mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")));
    mounts.add(mount("/dev", "tmpfs", "tmpfs",
        List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
    mounts.add(mount("/dev/pts", "devpts", "devpts",
        List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")));
    mounts.add(mount("/dev/shm", "tmpfs", "shm",
        List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
    mounts.add(mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")));
    if (spec.isolatedNetwork()) {
      mounts.add(mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")));
    } else {
      // sysfs may only be mounted by the owner of the network namespace; sharing the host's, bind
      // the host's /sys read-only like Docker does for --network=host
      mounts.add(mount("/sys", "bind", "/sys", List.of("rbind", "nosuid", "noexec", "nodev", "ro")));
    }
    if (hosts != null) {
      mounts.add(mount("/etc/hosts", "bind", hosts.toString(), List.of("bind", "ro")));
      mounts.add(mount("/etc/resolv.conf", "bind", resolv.toString(), List.of("bind", "ro")));
    }
    for (ExecSpec.Mount m : spec.mounts()) {
      if (m.type().equals("tmpfs")) {
        List<String> options = new ArrayList<>(List.of("nosuid", "nodev"));
        options.addAll(m.options());
        mounts.add(mount(m.target(), "tmpfs", "tmpfs", options));
      } else {
        List<String> options = new ArrayList<>(List.of("rbind"));
        options.addAll(m.options());
        mounts.add(mount(m.target(), "bind", m.source().toAbsolutePath().toString(), options));
      }
    }
    c.put("mounts", mounts);

    Map<String, Object> linux = new LinkedHashMap<>();
    List<Map<String, Object>> namespaces = new ArrayList<>();
    for (String ns : new String[] {"pid", "ipc", "uts", "mount"}) {
      namespaces.add(Map.of("type", ns));
    }
    if (spec.isolatedNetwork()) {
      namespaces.add(Map.of("type", "network"));
    }
    linux.put("namespaces", namespaces);
    linux.put("maskedPaths", MASKED_PATHS);
    linux.put("readonlyPaths", READONLY_PATHS);
    linux.put("rootfsPropagation", "private");
    c.put("linux", linux);
    return c;
  }

  private static Map<String, Object> mount(String dest, String type, String source,
      List<String> options) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("destination", dest);
    m.put("type", type);
    m.put("source", source);
    m.put("options", options);
    return m;
  }
}
