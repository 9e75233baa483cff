package io.jbuild.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;

/** The {@code jbuild} command. {@code jbuild -t x .} means {@code jbuild build -t x .}. */
public final class Main {
  /** Exit codes (README, "Exit codes"). */
  static final int OK = 0;
  static final int BUILD_FAILED = 1;
  static final int USAGE = 2;
  static final int CANCELLED = 130;

  private static final Set<String> TOP_LEVEL = Set.of("-h", "--help", "-V", "--version");

  private Main() {}

  public static void main(String[] args) {
    io.jbuild.api.ProcessExit.exit(run(args));
  }

  static int run(String[] args) {
    if (args.length == 1 && (args[0].equals("version") || args[0].equals("--version") || args[0].equals("-V"))) {
      // the most common quick command skips building the command model (start-up time, issue 7)
      for (String line : JbuildCommand.Version.lines()) {
        System.out.println(line);
      }
      return OK;
    }
    String help = HelpTexts.lookup(args);
    if (help != null) {
      System.out.print(help);
      System.out.flush();
      return OK;
    }
    // the launcher runs the JVM with C1 alone: SHA-256 must not be the JDK's Java code then
    io.jbuild.api.NativeDigests.install();
    BuildCommand quick = BuildCommand.quick(args);
    if (quick != null && (args[0].equals("build") || !JbuildCommand.SUBCOMMANDS.containsKey(args[0]))) {
      try {
        return quick.call();
      } catch (Exception e) {
        // what picocli's execution handler does (JbuildCommand.commandLine)
        System.err.println("ERROR: " + e.getMessage());
        return BUILD_FAILED;
      }
    }
    String[] full = withDefaultCommand(args);
    // help shows the other commands, completion completes them: both need them all
    boolean all = full.length == 0 || full[0].equals("help") || full[0].equals("completion");
    CommandLine cli = JbuildCommand.commandLine(all ? null : full[0]);
    return cli.execute(full);
  }

  /** Inserts "build" when the first word is not a subcommand, like docker buildx's alias. */
  static String[] withDefaultCommand(String[] args) {
    if (args.length == 0 || TOP_LEVEL.contains(args[0]) || JbuildCommand.SUBCOMMANDS.containsKey(args[0])) {
      return args;
    }
    List<String> out = new ArrayList<>();
    out.add("build");
    out.addAll(Arrays.asList(args));
    return out.toArray(String[]::new);
  }
}
