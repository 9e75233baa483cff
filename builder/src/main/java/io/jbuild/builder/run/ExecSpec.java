package io.jbuild.builder.run;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * One process to run in a container.
 *
 * @param id unique per run (a container id; characters outside [A-Za-z0-9_.+-] are replaced)
 * @param rootfs the mounted, writable root filesystem
 * @param env exactly the process environment, "KEY=value" entries; nothing comes from the host
 * @param cwd absolute; created (root, 0755) if missing, like Docker does
 * @param network "default" and "host" share the host's network namespace (jbuild has no bridge
 *     network; sharing it is how a default RUN reaches the outside), "none" gets an empty one
 * @param workDir scratch dir for the bundle, /etc/hosts and /etc/resolv.conf; the caller removes it
 * @param stdout called with each line of standard output as it comes
 * @param stderr called with each line of standard error as it comes
 * @param mounts extra mounts (RUN --mount), applied after the standard ones in order
 */
public record ExecSpec(
    String id,
    Path rootfs,
    List<String> args,
    List<String> env,
    String cwd,
    int uid,
    int gid,
    List<Integer> additionalGids,
    String hostname,
    String network,
    Path workDir,
    Consumer<String> stdout,
    Consumer<String> stderr,
    List<Mount> mounts) {

  /**
   * An extra mount: {@code bind} of a host path (file or directory) or a {@code tmpfs}.
   *
   * @param options OCI mount options, e.g. {@code ro}, {@code size=134217728}
   */
  public record Mount(String target, String type, Path source, List<String> options) {
    public Mount {
      options = List.copyOf(options);
      if (!target.startsWith("/")) {
        throw new IllegalArgumentException("mount target must be absolute: " + target);
      }
    }
  }

  public ExecSpec(String id, Path rootfs, List<String> args, List<String> env, String cwd, int uid,
      int gid, List<Integer> additionalGids, String hostname, String network, Path workDir,
      Consumer<String> stdout, Consumer<String> stderr) {
    this(id, rootfs, args, env, cwd, uid, gid, additionalGids, hostname, network, workDir, stdout,
        stderr, List.of());
  }

  public ExecSpec {
    mounts = mounts == null ? List.of() : List.copyOf(mounts);
    args = List.copyOf(args);
    env = List.copyOf(env);
    additionalGids = List.copyOf(additionalGids);
    if (args.isEmpty()) {
      throw new IllegalArgumentException("no command to run");
    }
    for (String e : env) {
      if (e.indexOf('=') <= 0) {
        throw new IllegalArgumentException("environment entry is not KEY=value: " + e);
      }
    }
    if (cwd == null || cwd.isEmpty()) {
      cwd = "/";
    }
    if (!cwd.startsWith("/")) {
      throw new IllegalArgumentException("working directory must be absolute: " + cwd);
    }
    if (network == null || network.isEmpty()) {
      network = "default";
    }
    if (!List.of("default", "none", "host").contains(network)) {
      throw new IllegalArgumentException("unknown network mode " + network
          + " (expected default, none or host)");
    }
    if (hostname == null || hostname.isEmpty()) {
      hostname = "jbuild";
    }
  }

  boolean isolatedNetwork() {
    return network.equals("none");
  }
}
