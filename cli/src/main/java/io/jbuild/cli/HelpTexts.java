package io.jbuild.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;

/**
 * `jbuild --help` and `jbuild COMMAND --help` without picocli at run time: building the command
 * model by reflection costs more than the rest of such a run (issue 7: --help within 0.3 s).
 * The launcher renders the texts from that very model once per jar ({@link #main}) into a
 * directory it names with -Djbuild.helpDir; without it, picocli renders as usual.
 */
final class HelpTexts {
  /** The directory of prepared texts (set by the launcher). */
  static final String DIR = "jbuild.helpDir";

  private HelpTexts() {}

  /** The prepared help text that answers {@code args}, or null when picocli must do the work. */
  static String lookup(String[] args) {
    String dir = System.getProperty(DIR);
    if (dir == null) {
      return null;
    }
    String name = null;
    if (args.length == 0 || (args.length == 1 && (isHelp(args[0]) || args[0].equals("help")))) {
      name = "jbuild";
    } else if (args.length == 2 && isHelp(args[1]) && !args[0].startsWith("-")) {
      name = args[0];
    } else if (args.length == 2 && args[0].equals("help") && !args[1].startsWith("-")) {
      name = args[1];
    }
    if (name == null || !name.matches("[a-z-]+")) {
      return null;
    }
    try {
      return Files.readString(Path.of(dir, name + ".txt"), StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      return null; // no text for this word (an unknown command): picocli says what is wrong
    }
  }

  private static boolean isHelp(String a) {
    return a.equals("--help") || a.equals("-h");
  }

  /** Writes jbuild.txt and COMMAND.txt into the directory {@code args[0]}. */
  public static void main(String[] args) throws IOException {
    Path dir = Files.createDirectories(Path.of(args[0]));
    CommandLine cli = JbuildCommand.commandLine();
    Files.writeString(dir.resolve("jbuild.txt"), usage(cli));
    for (Map.Entry<String, CommandLine> e : cli.getSubcommands().entrySet()) {
      Files.writeString(dir.resolve(e.getKey() + ".txt"), usage(e.getValue()));
    }
  }

  static String usage(CommandLine cli) {
    return cli.getUsageMessage(CommandLine.Help.Ansi.OFF);
  }
}
