package io.jbuild.graph;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.jbuild.oci.Platform;
import java.util.List;

/**
 * RUN: a process executed in a container whose rootfs is input 0; the changes it makes are
 * the new layer.
 *
 * @param args argv, already through SHELL for the shell form
 * @param env the process environment, {@code K=V}, in order
 * @param cwd absolute working directory
 * @param user as written in USER ({@code name}, {@code uid}, {@code name:group}, ...); resolved
 *     against the rootfs' /etc/passwd and /etc/group when the step runs; "" means root
 * @param network {@code default}, {@code none} or {@code host}
 * @param proxyEnv proxy variables (HTTP_PROXY ...) given to the process but kept out of the
 *     digest, like BuildKit keeps them out of the cache key and history
 * @param mounts RUN --mount and the heredoc script mount; a mount with an input reads vertex
 *     input {@link ExecMount#input()} (1, 2, ...: input 0 is the rootfs)
 * @param platform the stage's platform, which the process's binaries are built for; null for
 *     the host's. Kept out of the digest: the rootfs (input 0) already differs per platform,
 *     and emulation does not change what the step writes
 */
public record ExecOp(
    List<String> args,
    List<String> env,
    String cwd,
    String user,
    String network,
    @JsonIgnore List<String> proxyEnv,
    // left out of the JSON when empty, so RUNs without mounts keep their digests
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<ExecMount> mounts,
    @JsonIgnore Platform platform) implements Op {

  public ExecOp(List<String> args, List<String> env, String cwd, String user, String network,
      List<String> proxyEnv) {
    this(args, env, cwd, user, network, proxyEnv, List.of(), null);
  }

  public ExecOp(List<String> args, List<String> env, String cwd, String user, String network,
      List<String> proxyEnv, List<ExecMount> mounts) {
    this(args, env, cwd, user, network, proxyEnv, mounts, null);
  }

  public ExecOp {
    mounts = mounts == null ? List.of() : List.copyOf(mounts);
    args = List.copyOf(args);
    env = List.copyOf(env);
    proxyEnv = proxyEnv == null ? List.of() : List.copyOf(proxyEnv);
    if (args.isEmpty()) {
      throw new IllegalArgumentException("exec op without arguments");
    }
  }

  @Override
  public int arity() {
    int n = 1;
    for (ExecMount m : mounts) {
      n = Math.max(n, m.input() + 1);
    }
    return n;
  }

  @Override
  public boolean producesLayer() {
    return true;
  }
}
