package io.jbuild.cli;

import io.jbuild.api.BuildException;
import io.jbuild.api.Dockerfiles;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "debug", description = "Look inside jbuild's view of a build.", mixinStandardHelpOptions = true,
    subcommands = {DebugCommand.Ast.class, DebugCommand.Graph.class},
    footer = {"", "Examples:", "  jbuild debug ast Dockerfile", "  jbuild debug graph ."})
final class DebugCommand implements Runnable {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Takes the build's options; prints the graph instead of building it. */
  @Command(name = "graph", description = "Print the build graph of a Dockerfile as JSON (takes the build options).",
      mixinStandardHelpOptions = true, footer = {"", "Example:", "  jbuild debug graph --target runtime ."})
  static final class Graph extends BuildCommand {
    @Override
    public Integer call() throws java.io.IOException {
      try {
        System.out.println(configure().graphJson());
        return Main.OK;
      } catch (IllegalArgumentException e) {
        System.err.println("error: " + e.getMessage());
        return Main.USAGE;
      } catch (BuildException e) {
        return Errors.report(e);
      }
    }
  }

  @Command(name = "ast", description = "Print the parsed Dockerfile in BuildKit's debug format.",
      mixinStandardHelpOptions = true, footer = {"", "Example:", "  jbuild debug ast Dockerfile"})
  static final class Ast implements Callable<Integer> {
    @Parameters(paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() {
      try {
        System.out.print(Dockerfiles.dumpAst(file));
        return Main.OK;
      } catch (BuildException e) {
        System.err.println("error: " + e.getMessage());
        return Main.USAGE;
      }
    }
  }
}
