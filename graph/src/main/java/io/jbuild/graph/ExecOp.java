package io.jbuild.graph;

import com.fasterxml.jackson.annotation.JsonIgnore;
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
 */
public record ExecOp(
    List<String> args,
    List<String> env,
    String cwd,
    String user,
    String network,
    @JsonIgnore List<String> proxyEnv) implements Op {

  public ExecOp {
    args = List.copyOf(args);
    env = List.copyOf(env);
    proxyEnv = proxyEnv == null ? List.of() : List.copyOf(proxyEnv);
    if (args.isEmpty()) {
      throw new IllegalArgumentException("exec op without arguments");
    }
  }

  @Override
  public int arity() {
    return 1;
  }

  @Override
  public boolean producesLayer() {
    return true;
  }
}
