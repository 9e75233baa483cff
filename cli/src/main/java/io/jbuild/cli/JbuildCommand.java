package io.jbuild.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "jbuild",
    description = "A daemonless OCI image builder: Dockerfile in, OCI image out.%n"
        + "`jbuild -t NAME CONTEXT` is short for `jbuild build -t NAME CONTEXT`.",
    mixinStandardHelpOptions = true,
    versionProvider = JbuildCommand.Version.class,
    footer = {"", "Examples:",
        "  jbuild -t hello:1.0 testdata/dockerfiles/hello",
        "  jbuild build -t app:1.0 -o type=oci,dest=app.tar .",
        "  jbuild images",
        "  jbuild version",
        "  source <(jbuild completion bash)",
        "",
        "Exit codes: 0 success, 1 build failed, 2 usage error, 130 cancelled (Ctrl-C)."})
final class JbuildCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /**
   * The subcommands by name, in the order help lists them. Made on demand: picocli reads every
   * annotated option of a command when it is added, so a run adds only the one it needs
   * ({@link #commandLine(String)}); help and completion add them all.
   */
  static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

  private static Map<String, Supplier<Object>> subcommands() {
    Map<String, Supplier<Object>> m = new LinkedHashMap<>();
    m.put("build", BuildCommand::new);
    m.put("images", ImagesCommand::new);
    m.put("tag", StoreCommands.Tag::new);
    m.put("rmi", StoreCommands.Rmi::new);
    m.put("inspect", StoreCommands.Inspect::new);
    m.put("history", StoreCommands.History::new);
    m.put("save", StoreCommands.Save::new);
    m.put("push", StoreCommands.Push::new);
    m.put("pull", StoreCommands.Pull::new);
    m.put("import", ImportCommand::new);
    m.put("prune", MaintenanceCommands.Prune::new);
    m.put("du", MaintenanceCommands.Du::new);
    m.put("load", LoadCommand::new);
    m.put("login", LoginCommand::new);
    m.put("logout", LogoutCommand::new);
    m.put("version", VersionCommand::new);
    m.put("debug", DebugCommand::new);
    m.put("help", CommandLine.HelpCommand::new);
    m.put("completion", CompletionCommand::new);
    return Collections.unmodifiableMap(m);
  }

  /** The whole command model: every subcommand (help, completion, tests). */
  static CommandLine commandLine() {
    return commandLine(null);
  }

  /**
   * The command model with just the subcommand {@code only} when it names one (the rest are
   * not needed to run it), else with all of them.
   */
  static CommandLine commandLine(String only) {
    CommandLine cli = new CommandLine(new JbuildCommand());
    for (Map.Entry<String, Supplier<Object>> e : SUBCOMMANDS.entrySet()) {
      if (only == null || !SUBCOMMANDS.containsKey(only) || only.equals(e.getKey())) {
        cli.addSubcommand(e.getKey(), e.getValue().get());
      }
    }
    if (cli.getSubcommands().containsKey("build")) {
      DockerFlags.register(cli.getSubcommands().get("build").getCommandSpec());
    }
    cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      cmd.getErr().println("ERROR: " + ex.getMessage());
      return Main.BUILD_FAILED;
    });
    cli.setParameterExceptionHandler((ex, args) -> {
      CommandLine cmd = ex.getCommandLine();
      cmd.getErr().println("ERROR: " + ex.getMessage());
      cmd.getErr().println("See '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
      return Main.USAGE;
    });
    return cli;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** version, git commit and Java version, baked in at build time. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return lines();
    }

    /** Without picocli: `jbuild version` answers before the command model is built (Main). */
    static String[] lines() {
      Properties p = new Properties();
      // the jar's manifest says "Implementation-Version: 0.1.0+abc1234" (semver build metadata):
      // the class loader read it already, where the properties resource means opening the jar again
      String manifest = JbuildCommand.class.getPackage().getImplementationVersion();
      if (manifest != null && manifest.contains("+")) {
        p.setProperty("version", manifest.substring(0, manifest.indexOf('+')));
        p.setProperty("commit", manifest.substring(manifest.indexOf('+') + 1));
      } else try (InputStream in = JbuildCommand.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException e) {
        // fall through to "unknown"
      }
      return new String[] {
        "jbuild " + p.getProperty("version", "unknown") + " (commit " + p.getProperty("commit", "unknown") + ")",
        "java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"
      };
    }
  }
}
