package io.jbuild.cli;

import io.jbuild.api.BuildException;
import io.jbuild.api.Dockerfiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --check} / {@code --call=check|outline|targets}: look at the Dockerfile instead of
 * building it, printing what buildx prints.
 */
final class CallCommands {
  private CallCommands() {}

  static int run(String call, Path dockerfile, String target, Map<String, String> buildArgs, PrintStream out) {
    try {
      return switch (call.toLowerCase(Locale.ROOT)) {
        case "check" -> check(dockerfile, buildArgs, out);
        case "outline" -> outline(dockerfile, target, out);
        case "targets" -> targets(dockerfile, out);
        default -> {
          System.err.println("error: invalid --call \"" + call + "\": expected build, check, outline or targets");
          yield Main.USAGE;
        }
      };
    } catch (BuildException e) {
      return Errors.report(e);
    }
  }

  /** Exit 0 with warnings only, 1 when a rule is set to error (# check=error=true). */
  static int check(Path dockerfile, Map<String, String> buildArgs, PrintStream out) throws BuildException {
    List<Dockerfiles.Finding> findings = Dockerfiles.check(dockerfile, buildArgs);
    if (findings.isEmpty()) {
      out.println("Check complete, no warnings found.");
      return Main.OK;
    }
    out.println("Check complete, " + findings.size() + (findings.size() == 1 ? " warning has" : " warnings have") + " been found!");
    String[] lines = source(dockerfile);
    boolean error = false;
    for (Dockerfiles.Finding f : findings) {
      error |= f.error();
      out.println();
      out.println((f.error() ? "ERROR: " : "WARNING: ") + f.rule() + (f.url() == null || f.url().isEmpty() ? "" : " - " + f.url()));
      out.println(f.message());
      if (f.line() > 0) {
        out.println(f.file() + ":" + f.line());
        out.println("--------------------");
        for (int i = Math.max(1, f.line() - 2); i <= Math.min(lines.length, f.line() + 1); i++) {
          out.printf("%4d | %s%s%n", i, i == f.line() ? ">>> " : "    ", lines[i - 1]);
        }
        out.println("--------------------");
      }
    }
    return error ? Main.BUILD_FAILED : Main.OK;
  }

  static int outline(Path dockerfile, String target, PrintStream out) throws BuildException {
    List<Dockerfiles.Stage> stages = Dockerfiles.outline(dockerfile);
    Dockerfiles.Stage stage = pick(stages, target);
    out.println("TARGET:      " + (stage.name() == null ? String.valueOf(stage.index()) : stage.name()));
    if (stage.description() != null && !stage.description().isEmpty()) {
      out.println("DESCRIPTION: " + stage.description());
    }
    if (!stage.args().isEmpty()) {
      out.println();
      out.printf("%-20s %-20s %s%n", "BUILD ARG", "VALUE", "DESCRIPTION");
      for (Dockerfiles.Arg a : stage.args()) {
        out.printf("%-20s %-20s %s%n", a.name(), a.defaultValue() == null ? "<nil>" : a.defaultValue(),
            a.description() == null ? "" : a.description());
      }
    }
    return Main.OK;
  }

  static int targets(Path dockerfile, PrintStream out) throws BuildException {
    List<Dockerfiles.Stage> stages = Dockerfiles.outline(dockerfile);
    out.printf("%-24s %s%n", "TARGET", "DESCRIPTION");
    for (int i = 0; i < stages.size(); i++) {
      Dockerfiles.Stage s = stages.get(i);
      String name = (s.name() == null ? String.valueOf(s.index()) : s.name()) + (i == stages.size() - 1 ? " (default)" : "");
      out.printf("%-24s %s%n", name, s.description() == null ? "" : s.description());
    }
    return Main.OK;
  }

  private static Dockerfiles.Stage pick(List<Dockerfiles.Stage> stages, String target) throws BuildException {
    if (target == null) {
      return stages.get(stages.size() - 1);
    }
    for (Dockerfiles.Stage s : stages) {
      if (s.name() != null && s.name().equalsIgnoreCase(target)) {
        return s;
      }
    }
    throw new BuildException(BuildException.Kind.INVALID_INPUT, "target stage \"" + target + "\" could not be found; stages: "
        + String.join(", ", stages.stream().map(s -> s.name() == null ? String.valueOf(s.index()) : s.name()).toList()), null);
  }

  private static String[] source(Path dockerfile) {
    try {
      return new String(Files.readAllBytes(dockerfile), StandardCharsets.UTF_8).split("\r?\n", -1);
    } catch (IOException e) {
      return new String[0];
    }
  }
}
