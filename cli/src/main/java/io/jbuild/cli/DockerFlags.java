package io.jbuild.cli;

import java.util.List;
import java.util.Stack;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The flags of `docker build` / `docker buildx build` that jbuild does not have. They are known
 * to the parser (hidden from --help) so that using one says exactly that, with what to do
 * instead, instead of "unknown option" or, worse, being ignored (issue 7: never silently ignored).
 */
final class DockerFlags {
  /** names, whether it takes a value, and why it is refused or what to use instead. */
  record Unsupported(List<String> names, boolean takesValue, String why) {}

  static final List<Unsupported> BUILD = List.of(
      flag("--add-host", true, "RUN steps use a generated /etc/hosts; add entries in the RUN itself"),
      flag("--allow", true, "there are no entitlements to grant (network.host is --network=host on the RUN)"),
      flag("--annotation", true, "manifest annotations are not supported yet; use --label"),
      flag("--attest", true, "attestations (SBOM, provenance) are not supported yet"),
      flag("--build-context", true, "named build contexts are not supported yet"),
      flag("--builder", true, "jbuild has no builder instances: it builds in this process"),
      flag("--cgroup-parent", true, "RUN steps run without cgroups"),
      flag("--compress", false, "there is no daemon to send the context to"),
      flag("--cpu-period", true, "RUN steps run without cgroup limits"),
      flag("--cpu-quota", true, "RUN steps run without cgroup limits"),
      flag(List.of("-c", "--cpu-shares"), true, "RUN steps run without cgroup limits"),
      flag("--cpuset-cpus", true, "RUN steps run without cgroup limits"),
      flag("--cpuset-mems", true, "RUN steps run without cgroup limits"),
      flag(List.of("-D", "--debug"), false, "there is no debug mode; --progress=plain shows every step's output"),
      flag("--detach", false, "jbuild has no daemon to detach from"),
      flag("--disable-content-trust", false, "content trust (Notary) is not supported"),
      flag("--isolation", true, "isolation technologies are a Windows feature"),
      flag(List.of("-m", "--memory"), true, "RUN steps run without cgroup limits"),
      flag("--memory-swap", true, "RUN steps run without cgroup limits"),
      flag("--provenance", true, "provenance attestations are not supported yet"),
      flag("--sbom", true, "SBOM attestations are not supported yet"),
      flag("--security-opt", true, "RUN steps always run with Docker's default security profile"),
      flag("--shm-size", true, "RUN steps get a 64 MiB /dev/shm"),
      flag("--squash", false, "squashing layers is not supported"),
      flag("--ssh", true, "SSH agent forwarding is not supported yet"),
      flag("--ulimit", true, "RUN steps get the host's open-files limit; set others with ulimit in the RUN"));

  private DockerFlags() {}

  private static Unsupported flag(String name, boolean value, String why) {
    return new Unsupported(List.of(name), value, why);
  }

  private static Unsupported flag(List<String> names, boolean value, String why) {
    return new Unsupported(names, value, why);
  }

  /**
   * Adds the flags to {@code build}, except those it has by now (a later version that supports
   * a flag declares it on the command, and that wins).
   */
  static void register(CommandSpec build) {
    for (Unsupported u : BUILD) {
      if (u.names().stream().anyMatch(n -> build.optionsMap().containsKey(n))) {
        continue;
      }
      build.addOption(OptionSpec.builder(u.names().toArray(String[]::new))
          .hidden(true)
          .arity(u.takesValue() ? "1" : "0..1")
          .type(String.class)
          .parameterConsumer(new Refuse(u))
          .build());
    }
  }

  /** Fails the parse the moment the flag is seen. */
  private record Refuse(Unsupported flag) implements CommandLine.IParameterConsumer {
    @Override
    public void consumeParameters(Stack<String> args, ArgSpec argSpec, CommandSpec command) {
      throw new CommandLine.ParameterException(command.commandLine(), String.join(", ", flag.names())
          + " is a docker build flag that jbuild does not support: " + flag.why());
    }
  }
}
