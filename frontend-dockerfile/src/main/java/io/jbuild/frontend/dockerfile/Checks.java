package io.jbuild.frontend.dockerfile;

import io.jbuild.frontend.dockerfile.Instructions.Instruction;
import io.jbuild.frontend.dockerfile.Instructions.KeyValue;
import io.jbuild.frontend.dockerfile.Instructions.StageDef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * BuildKit's static build checks (frontend/dockerfile/linter, docs.docker.com/go/dockerfile/rule),
 * run on the parsed Dockerfile. {@code # check=skip=A,B;error=true} skips rules and turns the
 * findings into errors.
 */
final class Checks {
  private Checks() {}

  private static final Pattern SECRET =
      Pattern.compile("(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)");
  private static final Pattern PUBLIC = Pattern.compile("(?i)(?:_|^)public(?:_|$)");
  private static final Set<String> BUILTIN = Set.of("TARGETPLATFORM", "TARGETOS", "TARGETARCH",
      "TARGETVARIANT", "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT", "TARGETSTAGE",
      "HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy",
      "https_proxy", "ftp_proxy", "no_proxy", "all_proxy");

  private static final class Sink {
    final Source src;
    final Set<String> skip = new HashSet<>();
    boolean skipAll;
    boolean error;
    final List<CheckFinding> out = new ArrayList<>();

    Sink(Source src) {
      this.src = src;
      LineParser.Directive d = src.parsed().directives().get("check");
      if (d != null) {
        for (String part : d.value().split(";")) {
          String p = part.trim();
          int eq = p.indexOf('=');
          if (eq < 0) {
            continue;
          }
          String k = p.substring(0, eq).trim().toLowerCase(Locale.ROOT);
          String v = p.substring(eq + 1).trim();
          if (k.equals("skip")) {
            for (String r : v.split(",")) {
              if (r.trim().equalsIgnoreCase("all")) {
                skipAll = true;
              }
              skip.add(r.trim());
            }
          } else if (k.equals("error")) {
            error = v.equalsIgnoreCase("true");
          }
        }
      }
    }

    void add(String rule, String message, Node at) {
      add(rule, message, at.startLine, at.startColumn);
    }

    void add(String rule, String message, int line, int column) {
      if (skipAll || skip.contains(rule)) {
        return;
      }
      out.add(new CheckFinding(rule, message, src.fileName(), line, column, url(rule), error));
    }
  }

  static String url(String rule) {
    return "https://docs.docker.com/go/dockerfile/rule/"
        + rule.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT) + "/";
  }

  static List<CheckFinding> run(Source src, Map<String, String> buildArgs)
      throws DockerfileException {
    return run(src, Instructions.parse(src), buildArgs);
  }

  static List<CheckFinding> run(Source src, Instructions.Parsed parsed,
      Map<String, String> buildArgs) {
    Sink sink = new Sink(src);
    for (LineParser.Warning w : src.parsed().warnings()) {
      sink.add(w.rule(), "Empty continuation line", w.line(), 1);
    }
    consistentCasing(src, sink);
    Set<String> metaNames = new HashSet<>(BUILTIN);
    Map<String, String> metaDefaults = new HashMap<>();
    for (Instructions.Arg a : parsed.metaArgs()) {
      for (KeyValue kv : a.args()) {
        metaNames.add(kv.key());
        if (kv.value() != null) {
          metaDefaults.put(kv.key(), kv.value());
        }
        secrets(sink, "ARG", kv.key(), a.node());
      }
    }
    Map<String, StageDef> seen = new HashMap<>();
    Map<String, Set<String>> stageVars = new HashMap<>();
    for (StageDef s : parsed.stages()) {
      Node fromNode = s.from().node();
      String name = s.from().stageName();
      if (name != null) {
        if (!name.equals(name.toLowerCase(Locale.ROOT))) {
          sink.add("StageNameCasing", "Stage name '" + name + "' should be lowercase", fromNode);
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (seen.containsKey(lower)) {
          sink.add("DuplicateStageName", "Duplicate stage name '" + lower
              + "', stage names should be unique", fromNode);
        }
        seen.put(lower, s);
        if (lower.equals("scratch") || lower.equals("context")) {
          sink.add("ReservedStageName", "'" + lower
              + "' is reserved and should not be used as a stage name", fromNode);
        }
        List<String> a = fromNode.args();
        if (a.size() == 3) {
          boolean fromUpper = fromNode.keyword().equals(fromNode.keyword().toUpperCase(Locale.ROOT));
          boolean asUpper = a.get(1).equals(a.get(1).toUpperCase(Locale.ROOT));
          if (fromUpper != asUpper) {
            sink.add("FromAsCasing", "'" + a.get(1) + "' and '" + fromNode.keyword()
                + "' keywords' casing do not match", fromNode);
          }
        }
      }
      fromArgs(sink, s, metaNames, metaDefaults, buildArgs);
      Set<String> vars = new HashSet<>(BUILTIN);
      String base = s.from().image().toLowerCase(Locale.ROOT);
      boolean knownEnv = base.equals("scratch");
      if (stageVars.containsKey(base)) {
        vars.addAll(stageVars.get(base));
        knownEnv = stageVars.get(base).contains("\0known");
      }
      if (knownEnv) {
        vars.add("\0known");
        vars.add("PATH");
      }
      Map<String, Integer> counts = new HashMap<>();
      boolean absoluteWorkdir = false;
      for (Instruction i : s.commands()) {
        Node n = i.node();
        String cmd = n.command();
        if (cmd.equals("cmd") || cmd.equals("entrypoint") || cmd.equals("healthcheck")) {
          int c = counts.merge(cmd, 1, Integer::sum);
          if (c > 1) {
            String up = cmd.toUpperCase(Locale.ROOT);
            sink.add("MultipleInstructionsDisallowed", "Multiple " + up
                + " instructions should not be used in the same stage because only the last one"
                + " will be used", n);
          }
        }
        if (i instanceof Instructions.Cmd c && c.shellForm()) {
          sink.add("JSONArgsRecommended", "JSON arguments recommended for CMD to prevent "
              + "unintended behavior related to OS signals", n);
        } else if (i instanceof Instructions.Entrypoint e && e.shellForm()) {
          sink.add("JSONArgsRecommended", "JSON arguments recommended for ENTRYPOINT to "
              + "prevent unintended behavior related to OS signals", n);
        } else if (i instanceof Instructions.Maintainer) {
          sink.add("MaintainerDeprecated",
              "Maintainer instruction is deprecated in favor of using label", n);
        } else if (i instanceof Instructions.Workdir w) {
          if (!w.path().startsWith("/") && !w.path().startsWith("$") && !absoluteWorkdir) {
            sink.add("WorkdirRelativePath", "Relative workdir '" + w.path()
                + "' can have unexpected results if the base image changes", n);
          }
          absoluteWorkdir = true;
        } else if (i instanceof Instructions.Env e) {
          if (e.legacy()) {
            sink.add("LegacyKeyValueFormat", "\"ENV key=value\" should be used instead of "
                + "legacy \"ENV key value\" format", n);
          }
          undefined(sink, vars, knownEnv, n, e.pairs().stream().map(KeyValue::value).toList());
          for (KeyValue kv : e.pairs()) {
            secrets(sink, "ENV", kv.key(), n);
            vars.add(kv.key());
          }
        } else if (i instanceof Instructions.Label l) {
          if (l.legacy()) {
            sink.add("LegacyKeyValueFormat", "\"LABEL key=value\" should be used instead of "
                + "legacy \"LABEL key value\" format", n);
          }
        } else if (i instanceof Instructions.Arg a) {
          for (KeyValue kv : a.args()) {
            if (kv.value() != null) {
              undefined(sink, vars, knownEnv, n, List.of(kv.value()));
            }
            secrets(sink, "ARG", kv.key(), n);
            vars.add(kv.key());
          }
        } else if (i instanceof Instructions.Copy c) {
          List<String> words = new ArrayList<>(c.sources());
          words.add(c.destination());
          undefined(sink, vars, knownEnv, n, words);
        } else if (i instanceof Instructions.User u) {
          undefined(sink, vars, knownEnv, n, List.of(u.user()));
        } else if (i instanceof Instructions.Expose x) {
          undefined(sink, vars, knownEnv, n, x.ports());
        } else if (i instanceof Instructions.Volume v) {
          undefined(sink, vars, knownEnv, n, v.volumes());
        }
      }
      if (name != null) {
        stageVars.put(name.toLowerCase(Locale.ROOT), vars);
      }
    }
    sink.out.sort((a, b) -> a.line() != b.line() ? Integer.compare(a.line(), b.line())
        : a.rule().compareTo(b.rule()));
    return sink.out;
  }

  private static void secrets(Sink sink, String kind, String key, Node n) {
    if (SECRET.matcher(key).find() && !PUBLIC.matcher(key).find()) {
      sink.add("SecretsUsedInArgOrEnv", "Do not use ARG or ENV instructions for sensitive data ("
          + kind + " " + GoText.quote(key) + ")", n);
    }
  }

  /** Variables a word reads that nothing defined (only where the stage's env is fully known). */
  private static void undefined(Sink sink, Set<String> vars, boolean knownEnv, Node n,
      List<String> words) {
    if (!knownEnv) {
      return;
    }
    for (String w : words) {
      ShellLex lex = new ShellLex(sink.src.escapeToken());
      Map<String, String> env = new HashMap<>();
      for (String v : vars) {
        env.put(v, "");
      }
      try {
        ShellLex.Result r = lex.process(w, env);
        for (String u : r.unmatched()) {
          String near = Suggest.closest(u, vars, true);
          sink.add("UndefinedVar", "Usage of undefined variable '$" + u + "'"
              + (near != null ? " (did you mean $" + near + "?)" : ""), n);
        }
      } catch (ShellLex.ShellException e) {
        // expansion errors are reported by the conversion
      }
    }
  }

  private static void fromArgs(Sink sink, StageDef s, Set<String> metaNames,
      Map<String, String> metaDefaults, Map<String, String> buildArgs) {
    Node n = s.from().node();
    ShellLex lex = new ShellLex(sink.src.escapeToken());
    Map<String, String> env = new HashMap<>();
    for (String k : metaNames) {
      env.put(k, metaDefaults.getOrDefault(k, ""));
    }
    try {
      ShellLex.Result r = lex.process(s.from().image(), env);
      for (String u : r.unmatched()) {
        sink.add("UndefinedArgInFrom", "FROM argument '" + u + "' is not declared", n);
      }
      boolean usesDefaults = !r.matched().isEmpty();
      if (usesDefaults) {
        Map<String, String> defaultsOnly = new HashMap<>();
        for (String k : metaNames) {
          if (metaDefaults.containsKey(k)) {
            defaultsOnly.put(k, metaDefaults.get(k));
          }
        }
        String image = new ShellLex(sink.src.escapeToken()).processWord(s.from().image(),
            defaultsOnly);
        boolean overridden = false;
        for (String m : r.matched()) {
          overridden |= buildArgs.containsKey(m);
        }
        if (!overridden && !validImage(image)) {
          sink.add("InvalidDefaultArgInFrom", "Default value for ARG " + s.from().image()
              + " results in empty or invalid base image name", n);
        }
      }
    } catch (ShellLex.ShellException e) {
      // reported by the conversion
    }
  }

  private static boolean validImage(String image) {
    if (image.isEmpty()) {
      return false;
    }
    if (image.equalsIgnoreCase("scratch")) {
      return true;
    }
    try {
      io.jbuild.oci.ImageReference.parse(image);
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static void consistentCasing(Source src, Sink sink) {
    int upper = 0;
    int lower = 0;
    for (Node n : src.root().children) {
      String k = n.keyword();
      if (k.equals(k.toUpperCase(Locale.ROOT))) {
        upper++;
      } else if (k.equals(k.toLowerCase(Locale.ROOT))) {
        lower++;
      }
    }
    boolean majorityLower = lower > upper;
    for (Node n : src.root().children) {
      String k = n.keyword();
      String want = majorityLower ? k.toLowerCase(Locale.ROOT) : k.toUpperCase(Locale.ROOT);
      if (!k.equals(want)) {
        sink.add("ConsistentInstructionCasing", "Command '" + k
            + "' should match the case of the command majority ("
            + (majorityLower ? "lowercase" : "uppercase") + ")", n);
      }
    }
  }
}
