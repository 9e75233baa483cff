package io.jbuild.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "version", description = "Show the jbuild version, git commit and Java version.",
    mixinStandardHelpOptions = true,
    footer = {"", "Example:", "  jbuild version"})
final class VersionCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    for (String line : JbuildCommand.Version.lines()) {
      System.out.println(line);
    }
    return Main.OK;
  }
}
