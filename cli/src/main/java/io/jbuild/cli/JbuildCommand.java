package io.jbuild.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "jbuild",
    description = "A daemonless OCI image builder: Dockerfile in, OCI image out.%n"
        + "`jbuild -t NAME CONTEXT` is short for `jbuild build -t NAME CONTEXT`.",
    mixinStandardHelpOptions = true,
    versionProvider = JbuildCommand.Version.class,
    subcommands = {BuildCommand.class, ImagesCommand.class, StoreCommands.Tag.class, StoreCommands.Rmi.class,
        StoreCommands.Inspect.class, StoreCommands.History.class, StoreCommands.Save.class, StoreCommands.Push.class,
        StoreCommands.Pull.class, ImportCommand.class, MaintenanceCommands.Prune.class, MaintenanceCommands.Du.class,
        LoadCommand.class, LoginCommand.class, LogoutCommand.class, VersionCommand.class,
        DebugCommand.class, CommandLine.HelpCommand.class},
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

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new JbuildCommand());
    cli.addSubcommand("completion", new CompletionCommand());
    DockerFlags.register(cli.getSubcommands().get("build").getCommandSpec());
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
