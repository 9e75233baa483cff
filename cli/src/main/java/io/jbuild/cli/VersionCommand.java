package io.jbuild.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "version", description = "Show the jbuild version, git commit and Java version.",
    mixinStandardHelpOptions = true)
final class VersionCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    for (String line : new JbuildCommand.Version().getVersion()) {
      System.out.println(line);
    }
    return Main.OK;
  }
}
