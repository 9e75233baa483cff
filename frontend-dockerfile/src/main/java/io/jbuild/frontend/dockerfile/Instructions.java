package io.jbuild.frontend.dockerfile;

import io.jbuild.oci.ContainerConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * AST nodes to typed instructions, with BuildKit's validation and wording
 * (frontend/dockerfile/instructions/parse.go). Words stay unexpanded here: expansion needs the
 * stage's environment and happens while converting.
 */
final class Instructions {
  private Instructions() {}

  static final Set<String> KEYWORDS = Set.of("add", "arg", "cmd", "copy", "entrypoint", "env",
      "expose", "from", "healthcheck", "label", "maintainer", "onbuild", "run", "shell",
      "stopsignal", "user", "volume", "workdir");

  private static final Pattern STAGE_NAME = Pattern.compile("^[a-z][a-z0-9-_.]*$");

  /** A typed instruction; {@code node} is the AST node it came from. */
  sealed interface Instruction {
    Node node();
  }

  /** A key and a value as written; {@code value} null for {@code ARG name}. */
  record KeyValue(String key, String value) {}

  record From(Node node, String image, String stageName, String platform) implements Instruction {}

  /** RUN; {@code shellForm} means {@code cmd} is one string to run through SHELL. */
  record Run(Node node, List<String> cmd, boolean shellForm, List<String> mounts, String network,
      String security, List<Node.Heredoc> heredocs) implements Instruction {}

  record Cmd(Node node, List<String> cmd, boolean shellForm) implements Instruction {}

  record Entrypoint(Node node, List<String> cmd, boolean shellForm) implements Instruction {}

  record Shell(Node node, List<String> shell) implements Instruction {}

  record Env(Node node, List<KeyValue> pairs, boolean legacy) implements Instruction {}

  record Label(Node node, List<KeyValue> pairs, boolean legacy) implements Instruction {}

  record Arg(Node node, List<KeyValue> args) implements Instruction {}

  record Expose(Node node, List<String> ports) implements Instruction {}

  record Volume(Node node, List<String> volumes) implements Instruction {}

  record User(Node node, String user) implements Instruction {}

  record Workdir(Node node, String path) implements Instruction {}

  record Maintainer(Node node, String maintainer) implements Instruction {}

  record StopSignal(Node node, String signal) implements Instruction {}

  /** HEALTHCHECK; {@code test} is ["NONE"], ["CMD", ...] or ["CMD-SHELL", cmd]. */
  record Healthcheck(Node node, ContainerConfig.Healthcheck check) implements Instruction {}

  /** ONBUILD; {@code expression} is the trigger as written ("RUN echo hi"). */
  record Onbuild(Node node, String expression) implements Instruction {}

  /** COPY or ADD. Sources that are heredocs are in {@code heredocs}, by name. */
  record Copy(Node node, boolean add, List<String> sources, String destination, String from,
      String chown, String chmod, boolean link, boolean parents, List<String> excludes,
      String checksum, Boolean keepGitDir, Boolean unpack, List<Node.Heredoc> heredocs)
      implements Instruction {}

  /** A stage: FROM and the instructions up to the next FROM. */
  record StageDef(int index, From from, List<Instruction> commands) {
    String name() {
      return from.stageName() == null ? null : from.stageName().toLowerCase(Locale.ROOT);
    }
  }

  /** The parsed Dockerfile: global ARGs (before the first FROM) and the stages. */
  record Parsed(List<Arg> metaArgs, List<StageDef> stages) {}

  static Parsed parse(Source src) throws DockerfileException {
    List<Arg> meta = new ArrayList<>();
    List<StageDef> stages = new ArrayList<>();
    List<Instruction> current = null;
    for (Node n : src.root().children) {
      Instruction ins = parse(src, n);
      if (ins instanceof From f) {
        current = new ArrayList<>();
        stages.add(new StageDef(stages.size(), f, current));
      } else if (current == null) {
        if (ins instanceof Arg a) {
          meta.add(a);
        } else {
          throw src.error(n, "no build stage in current context",
              "start the Dockerfile with FROM (only ARG may come before it)");
        }
      } else {
        current.add(ins);
      }
    }
    if (stages.isEmpty()) {
      throw src.error(1, 1, "dockerfile contains no stages to build",
          "add a FROM instruction");
    }
    return new Parsed(meta, stages);
  }

  static Instruction parse(Source src, Node n) throws DockerfileException {
    try {
      return parseNode(src, n, false);
    } catch (ParseError e) {
      throw src.error(e, n);
    }
  }

  /** Flags an instruction accepts, BuildKit's BFlags. */
  private static final class Flags {
    final Map<String, String> types = new LinkedHashMap<>();
    final Map<String, List<String>> values = new LinkedHashMap<>();
    final Set<String> used = new TreeSet<>();

    Flags bool(String name) {
      types.put(name, "bool");
      return this;
    }

    Flags string(String name) {
      types.put(name, "string");
      return this;
    }

    Flags strings(String name) {
      types.put(name, "strings");
      return this;
    }

    void parse(List<String> args) throws ParseError {
      for (String arg : args) {
        if (!arg.startsWith("--")) {
          throw new ParseError("arg should start with -- : " + arg);
        }
        if (arg.equals("--")) {
          return;
        }
        String name = arg.substring(2);
        String value = "";
        int eq = name.indexOf('=');
        if (eq >= 0) {
          value = name.substring(eq + 1);
          name = name.substring(0, eq);
        }
        String type = types.get(name);
        if (type == null) {
          // BuildKit suggests the bare name: "unknown flag: --mont (did you mean mount?)"
          List<String> known = new ArrayList<>(types.keySet());
          throw new ParseError("unknown flag: --" + name, 0, 0,
              Suggest.didYouMean(name, known, true));
        }
        if (used.contains(name) && !type.equals("strings")) {
          throw new ParseError("duplicate flag specified: " + name);
        }
        used.add(name);
        switch (type) {
          case "bool" -> {
            if (eq >= 0 && value.isEmpty()) {
              throw new ParseError("missing a value on flag: " + name);
            }
            String lower = value.toLowerCase(Locale.ROOT);
            if (lower.isEmpty()) {
              lower = "true";
            }
            if (!lower.equals("true") && !lower.equals("false")) {
              throw new ParseError("expecting boolean value for flag " + name + ", not: " + value);
            }
            values.put(name, List.of(lower));
          }
          case "string" -> {
            if (eq < 0) {
              throw new ParseError("missing a value on flag: " + name);
            }
            values.put(name, List.of(value));
          }
          default -> {
            if (eq < 0) {
              throw new ParseError("missing a value on flag: " + name);
            }
            values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
          }
        }
      }
    }

    String get(String name) {
      List<String> v = values.get(name);
      return v == null ? null : v.get(0);
    }

    Boolean bool(String name, boolean dflt) {
      String v = get(name);
      return v == null ? dflt : v.equals("true");
    }

    Boolean optionalBool(String name) {
      String v = get(name);
      return v == null ? null : v.equals("true");
    }

    List<String> all(String name) {
      return values.getOrDefault(name, List.of());
    }
  }

  private static ParseError exactlyOne(String cmd) {
    return new ParseError(cmd + " requires exactly one argument");
  }

  private static ParseError atLeastOne(String cmd) {
    return new ParseError(cmd + " requires at least one argument");
  }

  static Instruction parseNode(Source src, Node n, boolean inOnbuild) throws ParseError {
    String cmd = n.command();
    String upper = cmd.toUpperCase(Locale.ROOT);
    List<String> args = n.args();
    Flags flags = new Flags();
    switch (cmd) {
      case "from" -> flags.string("platform");
      case "run" -> flags.strings("mount").string("network").string("security").strings("device");
      case "copy" -> flags.string("from").string("chown").string("chmod").bool("link")
          .bool("parents").strings("exclude");
      case "add" -> flags.string("chown").string("chmod").bool("link").bool("keep-git-dir")
          .string("checksum").strings("exclude").bool("unpack").bool("parents");
      case "healthcheck" -> flags.string("interval").string("timeout").string("start-period")
          .string("start-interval").string("retries");
      default -> {
        if (!KEYWORDS.contains(cmd)) {
          throw new ParseError("unknown instruction: " + n.keyword(), 0, 0,
              Suggest.didYouMean(upper, KEYWORDS.stream()
                  .map(k -> k.toUpperCase(Locale.ROOT)).toList(), false));
        }
      }
    }
    flags.parse(n.flags);
    switch (cmd) {
      case "from": {
        if (args.size() != 1 && args.size() != 3
            || args.size() == 3 && !args.get(1).equalsIgnoreCase("as")) {
          throw new ParseError("FROM requires either one or three arguments", 0, 0,
              "write FROM <image> [AS <name>]");
        }
        String name = null;
        if (args.size() == 3) {
          name = args.get(2);
          if (!STAGE_NAME.matcher(name.toLowerCase(Locale.ROOT)).matches()) {
            throw new ParseError("invalid name for build stage: " + GoText.quote(name)
                + ", name can't start with a number or contain symbols");
          }
        }
        return new From(n, args.get(0), name, flags.get("platform"));
      }
      case "run": {
        boolean shellForm = !n.json;
        if (args.isEmpty() && n.heredocs.isEmpty()) {
          throw atLeastOne("RUN");
        }
        return new Run(n, args, shellForm, flags.all("mount"), flags.get("network"),
            flags.get("security"), List.copyOf(n.heredocs));
      }
      case "cmd":
        return new Cmd(n, args, !n.json);
      case "entrypoint":
        return new Entrypoint(n, args, !n.json);
      case "shell":
        if (!n.json) {
          throw new ParseError("SHELL requires the arguments to be in JSON form", 0, 0,
              "write SHELL [\"executable\", \"parameters\"]");
        }
        if (args.isEmpty()) {
          throw new ParseError("SHELL requires at least one argument");
        }
        return new Shell(n, args);
      case "env":
      case "label": {
        if (args.isEmpty()) {
          throw atLeastOne(upper);
        }
        List<KeyValue> pairs = new ArrayList<>();
        boolean legacy = false;
        for (int i = 0; i + 1 < args.size(); i += 3) {
          String key = args.get(i);
          if (key.isEmpty()) {
            throw new ParseError(upper + " names can not be blank");
          }
          pairs.add(new KeyValue(key, args.get(i + 1)));
          legacy |= i + 2 < args.size() && args.get(i + 2).isEmpty();
        }
        return cmd.equals("env") ? new Env(n, pairs, legacy) : new Label(n, pairs, legacy);
      }
      case "arg": {
        if (args.isEmpty()) {
          throw atLeastOne("ARG");
        }
        List<KeyValue> pairs = new ArrayList<>();
        for (String a : args) {
          int eq = a.indexOf('=');
          pairs.add(eq < 0 ? new KeyValue(a, null)
              : new KeyValue(a.substring(0, eq), a.substring(eq + 1)));
        }
        return new Arg(n, pairs);
      }
      case "expose":
        if (args.isEmpty()) {
          throw atLeastOne("EXPOSE");
        }
        return new Expose(n, args);
      case "volume":
        if (args.isEmpty()) {
          throw atLeastOne("VOLUME");
        }
        for (String v : args) {
          if (GoText.trimSpace(v).isEmpty()) {
            throw new ParseError("VOLUME specified can not be an empty string");
          }
        }
        return new Volume(n, args);
      case "user":
        if (args.size() != 1) {
          throw exactlyOne("USER");
        }
        return new User(n, args.get(0));
      case "workdir":
        if (args.size() != 1) {
          throw exactlyOne("WORKDIR");
        }
        return new Workdir(n, args.get(0));
      case "maintainer":
        if (args.size() != 1) {
          throw exactlyOne("MAINTAINER");
        }
        return new Maintainer(n, args.get(0));
      case "stopsignal":
        if (args.size() != 1) {
          throw exactlyOne("STOPSIGNAL");
        }
        return new StopSignal(n, args.get(0));
      case "healthcheck":
        return parseHealthcheck(n, args, flags);
      case "onbuild": {
        Node child = n.onbuildChild();
        if (child == null) {
          throw atLeastOne("ONBUILD");
        }
        String trigger = child.command();
        switch (trigger) {
          case "onbuild" -> throw new ParseError(
              "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
          case "from", "maintainer" -> throw new ParseError(
              trigger.toUpperCase(Locale.ROOT) + " isn't allowed as an ONBUILD trigger");
          default -> {
          }
        }
        // validate the trigger now, like BuildKit does when it parses ONBUILD
        parseNode(src, child, true);
        String original = GoText.trimSpace(n.original);
        int ws = 0;
        while (ws < original.length() && !GoText.isReWhitespace(original.charAt(ws))) {
          ws++;
        }
        String expression = GoText.trimSpace(original.substring(ws));
        // a trigger with here-documents keeps their bodies, so it parses again when it runs
        List<Node.Heredoc> docs = !child.heredocs.isEmpty() ? child.heredocs : n.heredocs;
        StringBuilder withDocs = new StringBuilder(expression);
        for (Node.Heredoc h : docs) {
          withDocs.append('\n').append(h.content()).append(h.name());
        }
        return new Onbuild(n, withDocs.toString());
      }
      case "copy":
      case "add": {
        if (args.size() < 2) {
          throw new ParseError(upper + " requires at least two arguments, but only one was "
              + "provided. Destination could not be determined", 0, 0,
              "write " + upper + " <source>... <destination>");
        }
        List<Node.Heredoc> docs = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        for (String s : args.subList(0, args.size() - 1)) {
          Node.Heredoc doc = n.json ? null : LineParser.parseHeredoc(s);
          Node.Heredoc attached = null;
          if (doc != null) {
            for (Node.Heredoc h : n.heredocs) {
              if (h.name().equals(doc.name())) {
                attached = h;
              }
            }
          }
          if (attached != null) {
            docs.add(attached);
          } else {
            sources.add(s);
          }
        }
        String dest = args.get(args.size() - 1);
        if (!n.json && LineParser.parseHeredoc(dest) != null && !n.heredocs.isEmpty()) {
          throw new ParseError(upper + " cannot accept a heredoc as a destination");
        }
        String chmod = flags.get("chmod");
        return new Copy(n, cmd.equals("add"), sources, dest, flags.get("from"),
            flags.get("chown"), chmod, flags.bool("link", false), flags.bool("parents", false),
            flags.all("exclude"), flags.get("checksum"), flags.optionalBool("keep-git-dir"),
            flags.optionalBool("unpack"), docs);
      }
      default:
        throw new IllegalStateException(cmd);
    }
  }

  private static Healthcheck parseHealthcheck(Node n, List<String> args, Flags flags)
      throws ParseError {
    if (args.isEmpty()) {
      throw atLeastOne("HEALTHCHECK");
    }
    String type = args.get(0).toUpperCase(Locale.ROOT);
    List<String> rest = args.subList(1, args.size());
    if (type.equals("NONE")) {
      if (!rest.isEmpty()) {
        throw new ParseError("HEALTHCHECK NONE takes no arguments");
      }
      return new Healthcheck(n, new ContainerConfig.Healthcheck(List.of("NONE"), null, null,
          null, null, null));
    }
    if (!type.equals("CMD")) {
      throw new ParseError("Unknown type " + GoText.quote(type) + " in HEALTHCHECK (try CMD)");
    }
    if (rest.isEmpty()) {
      throw new ParseError("Missing command after HEALTHCHECK CMD");
    }
    List<String> test = new ArrayList<>();
    if (!n.json) {
      test.add("CMD-SHELL");
      test.add(String.join(" ", rest));
    } else {
      test.add("CMD");
      test.addAll(rest);
    }
    Long interval = duration(flags, "interval");
    Long timeout = duration(flags, "timeout");
    Long startPeriod = duration(flags, "start-period");
    Long startInterval = duration(flags, "start-interval");
    Integer retries = null;
    String r = flags.get("retries");
    if (r != null) {
      try {
        retries = Integer.parseInt(r);
      } catch (NumberFormatException e) {
        throw new ParseError("strconv.ParseInt: parsing " + GoText.quote(r) + ": invalid syntax");
      }
      if (retries < 0) {
        throw new ParseError("--retries cannot be negative (" + r + ")");
      }
    }
    return new Healthcheck(n, new ContainerConfig.Healthcheck(test, interval, timeout,
        startPeriod, startInterval, retries));
  }

  /** A HEALTHCHECK duration in nanoseconds; 0 or absent means the default (null). */
  private static Long duration(Flags flags, String name) throws ParseError {
    String v = flags.get(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    long ns = GoDuration.parse(v);
    if (ns == 0) {
      return null;
    }
    if (ns < 1_000_000L) {
      throw new ParseError("Interval " + GoText.quote("--" + name) + " cannot be less than 1ms");
    }
    return ns;
  }
}
