package io.jbuild.frontend.dockerfile;

import io.jbuild.frontend.dockerfile.Instructions.Arg;
import io.jbuild.frontend.dockerfile.Instructions.Copy;
import io.jbuild.frontend.dockerfile.Instructions.Instruction;
import io.jbuild.frontend.dockerfile.Instructions.KeyValue;
import io.jbuild.frontend.dockerfile.Instructions.StageDef;
import io.jbuild.graph.ContextOp;
import io.jbuild.graph.CopyOp;
import io.jbuild.graph.ExecMount;
import io.jbuild.graph.ExecOp;
import io.jbuild.graph.GitOp;
import io.jbuild.graph.HttpOp;
import io.jbuild.graph.InlineFilesOp;
import io.jbuild.graph.ImageOp;
import io.jbuild.graph.ImageResolver;
import io.jbuild.graph.ImageTarget;
import io.jbuild.graph.MkdirOp;
import io.jbuild.graph.ScratchOp;
import io.jbuild.graph.SourceLocation;
import io.jbuild.graph.Vertex;
import io.jbuild.oci.ContainerConfig;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageConfig;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.InvalidReferenceException;
import io.jbuild.oci.Platform;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Converts the parsed Dockerfile into the build graph like BuildKit's dockerfile2llb: global
 * ARGs, stages converted lazily from the target (so only reachable stages are converted and
 * their images resolved), ARG/ENV scoping, and the image config with BuildKit's history.
 */
final class Converter {
  static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  static final List<String> DEFAULT_SHELL = List.of("/bin/sh", "-c");
  static final String HISTORY_COMMENT = "buildkit.dockerfile.v0";
  /** Build args every Dockerfile may use without declaring them (BuildKit's builtinAllowedBuildArgs). */
  static final Set<String> PROXY_ARGS = Set.of("HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY",
      "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "ftp_proxy", "no_proxy", "all_proxy");

  private final Source src;
  private final ConvertRequest req;
  private final Map<String, String> buildArgs;
  private final ShellLex lex;
  private final Platform targetPlatform;
  private final Platform buildPlatform;
  private final LinkedHashMap<String, String> globalArgs = new LinkedHashMap<>();
  /** Meta ARGs as declared (value after build-arg override and expansion, null = none). */
  private final LinkedHashMap<String, String> metaArgs = new LinkedHashMap<>();
  private final Set<String> usedArgs = new HashSet<>();
  private final Map<Integer, StageState> done = new HashMap<>();
  private final Set<Integer> converting = new HashSet<>();
  private Instructions.Parsed parsed;
  private final Vertex context;
  private String targetStageName;
  /** --no-cache-filter: the stages whose RUN, COPY and ADD steps ignore the cache, lower case. */
  private final Set<String> noCacheStages = new HashSet<>();

  Converter(Source src, ConvertRequest req) {
    this.src = src;
    this.req = req;
    this.buildArgs = req.buildArgs() == null ? Map.of() : req.buildArgs();
    this.lex = new ShellLex(src.escapeToken());
    this.targetPlatform = req.targetPlatform() != null ? req.targetPlatform() : Platform.host();
    this.buildPlatform = req.buildPlatform() != null ? req.buildPlatform() : Platform.host();
    this.context = Vertex.of(new ContextOp(ContextOp.MAIN,
        req.dockerignorePatterns() == null ? List.of() : req.dockerignorePatterns()),
        "load build context", null);
  }

  /** The state of a stage being converted: its vertex and image config. */
  static final class StageState {
    final StageDef def;
    Vertex vertex;
    Platform platform;
    String author;
    ContainerConfig config;
    List<Digest> diffIds;
    List<ImageConfig.History> history;
    /** The env of RUN: image env plus ARGs in scope, in order. */
    final LinkedHashMap<String, String> env = new LinkedHashMap<>();
    /** ARGs declared in the stage, first-declaration order, latest value (RUN's history prefix). */
    final LinkedHashMap<String, String> args = new LinkedHashMap<>();
    /** Keys set by ENV (or the base image): ENV wins over ARG. */
    final Set<String> envKeys = new HashSet<>();
    boolean cmdSet;
    /** --no-cache-filter names this stage: its RUN, COPY and ADD run even when cached. */
    boolean ignoreCache;
    int step;
    int steps;

    StageState(StageDef def) {
      this.def = def;
    }

    String label() {
      return def.name() != null ? def.name() : "stage-" + def.index();
    }

    /** The image config's Env as a map, in order. */
    Map<String, String> configEnvMap() {
      LinkedHashMap<String, String> m = new LinkedHashMap<>();
      if (config.env() != null) {
        for (String e : config.env()) {
          int eq = e.indexOf('=');
          m.put(eq < 0 ? e : e.substring(0, eq), eq < 0 ? "" : e.substring(eq + 1));
        }
      }
      return m;
    }
  }

  ImageTarget convert() throws DockerfileException {
    if (req.dockerignorePatterns() != null) {
      for (String p : req.dockerignorePatterns()) {
        if (p.equals("!")) {
          // moby/patternmatcher rejects an exclusion with no pattern (testDockerignoreInvalid)
          throw new DockerfileException(".dockerignore", 0, 0,
              "failed to parse dockerignore: illegal exclusion pattern: \"!\"", null,
              "remove the line with a lone '!' or add the pattern to re-include");
        }
      }
    }
    parsed = Instructions.parse(src);
    for (CheckFinding f : Checks.run(src, parsed, buildArgs)) {
      if (f.error()) {
        throw src.error(f.line(), f.column(), f.rule() + ": " + f.message(),
            "see " + f.url());
      }
      if (req.warnings() != null) {
        req.warnings().accept(f);
      }
    }
    putPlatformArgs(globalArgs);
    for (Arg a : parsed.metaArgs()) {
      for (KeyValue kv : a.args()) {
        String key = expand(a.node(), kv.key(), globalArgs);
        String value = kv.value();
        usedArgs.add(key);
        if (buildArgs.containsKey(key)) {
          value = buildArgs.get(key);
        } else if (value != null) {
          value = expand(a.node(), value, globalArgs);
        }
        if (value != null) {
          globalArgs.put(key, value);
        }
        metaArgs.put(key, value);
      }
    }
    List<StageDef> stages = parsed.stages();
    checkCycles(stages);
    StageDef target;
    if (req.target() == null || req.target().isEmpty()) {
      target = stages.get(stages.size() - 1);
      targetStageName = target.name() != null ? target.name() : "default";
    } else {
      target = findStage(req.target());
      if (target == null) {
        throw stageNotFound("target stage ", req.target(), "");
      }
      targetStageName = target.name();
    }
    for (String name : req.noCacheFilter()) {
      // BuildKit matches only stage names (strings.EqualFold), never indices, and ignores a
      // name no stage has; jbuild refuses it like an unknown --target (never silently ignored)
      if (findStage(name) == null) {
        throw stageNotFound("--no-cache-filter: stage ", name, name.matches("[0-9]+")
            ? " (only a named stage, FROM ... AS NAME, can be filtered)" : "");
      }
      noCacheStages.add(name.toLowerCase(Locale.ROOT));
    }
    StageState st = stage(target);
    ImageConfig config = new ImageConfig(null, st.author, st.platform.architecture(),
        st.platform.os(), st.platform.osVersion(), st.platform.variant(), st.config,
        ImageConfig.RootFs.layers(st.diffIds), st.history);
    List<String> unused = new ArrayList<>();
    for (String k : new TreeSet<>(buildArgs.keySet())) {
      if (!usedArgs.contains(k) && !PROXY_ARGS.contains(k) && !isPlatformArg(k)) {
        unused.add(k);
      }
    }
    return new ImageTarget(st.vertex, config,
        target.name() != null ? target.name() : Integer.toString(target.index()), unused);
  }

  /** "... "x" could not be found (did you mean y?)", with the stage names as the hint. */
  private DockerfileException stageNotFound(String what, String name, String hintSuffix) {
    List<String> names = stageNames();
    String closest = Suggest.closest(name.toLowerCase(Locale.ROOT), names, true);
    return new DockerfileException(src.fileName(), 0, 0, what + GoText.quote(name)
        + " could not be found" + (closest != null ? " (did you mean " + closest + "?)" : ""), null,
        "stages: " + String.join(", ", names) + hintSuffix);
  }

  private static boolean isPlatformArg(String k) {
    return switch (k) {
      case "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT", "BUILDPLATFORM",
          "BUILDOS", "BUILDARCH", "BUILDVARIANT", "TARGETSTAGE" -> true;
      default -> false;
    };
  }

  private void putPlatformArgs(Map<String, String> m) {
    m.put("TARGETPLATFORM", targetPlatform.toString());
    m.put("TARGETOS", targetPlatform.os());
    m.put("TARGETARCH", targetPlatform.architecture());
    m.put("TARGETVARIANT", targetPlatform.variant() == null ? "" : targetPlatform.variant());
    m.put("BUILDPLATFORM", buildPlatform.toString());
    m.put("BUILDOS", buildPlatform.os());
    m.put("BUILDARCH", buildPlatform.architecture());
    m.put("BUILDVARIANT", buildPlatform.variant() == null ? "" : buildPlatform.variant());
  }

  private StageDef findStage(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    for (StageDef s : parsed.stages()) {
      if (lower.equals(s.name())) {
        return s;
      }
    }
    return null;
  }

  /** Stages referenced by FROM or COPY --from, by name or index, for the cycle check. */
  private List<StageDef> dependencies(StageDef s) {
    List<StageDef> deps = new ArrayList<>();
    StageDef base = findStage(s.from().image());
    if (base != null) {
      deps.add(base);
    }
    for (Instruction i : s.commands()) {
      if (i instanceof Copy c && c.from() != null && !c.from().contains("$")) {
        StageDef d = stageRef(c.from());
        if (d != null) {
          deps.add(d);
        }
      }
    }
    return deps;
  }

  private StageDef stageRef(String from) {
    StageDef d = findStage(from);
    if (d == null && from.matches("[0-9]+")) {
      try {
        int idx = Integer.parseInt(from);
        if (idx < parsed.stages().size()) {
          d = parsed.stages().get(idx);
        }
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return d;
  }

  /** BuildKit visits the stages in order and reports the first stage found on a cycle. */
  private void checkCycles(List<StageDef> stages) throws DockerfileException {
    Set<Integer> finished = new HashSet<>();
    for (StageDef s : stages) {
      visit(s, new HashSet<>(), finished);
    }
  }

  private void visit(StageDef s, Set<Integer> path, Set<Integer> finished)
      throws DockerfileException {
    if (finished.contains(s.index())) {
      return;
    }
    if (!path.add(s.index())) {
      throw src.error(s.from().node(), "circular dependency detected on stage: "
          + (s.name() != null ? s.name() : Integer.toString(s.index())), null);
    }
    for (StageDef d : dependencies(s)) {
      visit(d, path, finished);
    }
    path.remove(s.index());
    finished.add(s.index());
  }

  private StageState stage(StageDef def) throws DockerfileException {
    StageState done0 = done.get(def.index());
    if (done0 != null) {
      return done0;
    }
    if (!converting.add(def.index())) {
      throw src.error(def.from().node(), "circular dependency detected on stage: "
          + (def.name() != null ? def.name() : Integer.toString(def.index())), null);
    }
    StageState st = new StageState(def);
    st.ignoreCache = def.name() != null && noCacheStages.contains(def.name());
    from(st, def.from());
    List<Instruction> commands = new ArrayList<>();
    // ONBUILD triggers of the base run first, then are cleared (BuildKit: dispatchOnBuildTriggers)
    List<String> triggers = st.config.onBuild();
    if (triggers != null && !triggers.isEmpty()) {
      st.config = st.config.withOnBuild(null);
      for (String t : triggers) {
        commands.add(parseTrigger(def.from().node(), t));
      }
    }
    commands.addAll(def.commands());
    st.steps = commands.size() + 1;
    st.step = 1;
    for (Instruction i : commands) {
      st.step++;
      dispatch(st, i);
    }
    converting.remove(def.index());
    done.put(def.index(), st);
    return st;
  }

  private Instruction parseTrigger(Node at, String trigger) throws DockerfileException {
    try {
      LineParser.ParseResult r = LineParser.parse(trigger.getBytes(
          java.nio.charset.StandardCharsets.UTF_8));
      Node n = r.root().children.get(0);
      n.startLine = at.startLine;
      n.startColumn = at.startColumn;
      n.endLine = at.endLine;
      n.endColumn = at.endColumn;
      return Instructions.parseNode(src, n, true);
    } catch (ParseError e) {
      throw src.error(at, "invalid ONBUILD trigger " + GoText.quote(trigger) + ": "
          + e.getMessage(), null);
    }
  }

  // ---- expansion ----

  private String expand(Node n, String word, Map<String, String> env) throws DockerfileException {
    try {
      return lex.processWord(word, env);
    } catch (ShellLex.ShellException e) {
      throw src.error(n, e.getMessage(), null);
    }
  }

  private List<String> expandWords(Node n, String word, Map<String, String> env)
      throws DockerfileException {
    try {
      return lex.processWords(word, env);
    } catch (ShellLex.ShellException e) {
      throw src.error(n, e.getMessage(), null);
    }
  }

  // ---- FROM ----

  private void from(StageState st, Instructions.From f) throws DockerfileException {
    Node n = f.node();
    String platformText = f.platform();
    Platform platform = targetPlatform;
    if (platformText != null) {
      String p = expand(n, platformText, globalArgs);
      try {
        platform = Platform.parse(p);
      } catch (IllegalArgumentException e) {
        throw src.error(n, "failed to parse platform " + p + ": " + e.getMessage(), null);
      }
    }
    st.platform = platform;
    String baseName = expand(n, f.image(), globalArgs);
    if (baseName.isEmpty()) {
      throw src.error(n, "base name (" + f.image() + ") should not be blank",
          "set the build arg the image name uses, or give the ARG a default");
    }
    StageDef base = findStage(baseName);
    if (base != null && base.index() < st.def.index()) {
      StageState parent = stage(base);
      st.vertex = parent.vertex;
      st.author = parent.author;
      st.config = parent.config;
      st.diffIds = parent.diffIds;
      st.history = new ArrayList<>(parent.history);
      st.platform = platformText != null ? platform : parent.platform;
      st.env.putAll(parent.configEnvMap());
      st.envKeys.addAll(st.env.keySet());
      return;
    }
    if (baseName.equalsIgnoreCase("scratch")) {
      st.vertex = Vertex.of(new ScratchOp(), "scratch", location(n));
      ImageConfig c = ImageConfig.scratch(platform);
      st.config = c.containerConfig();
      st.diffIds = List.of();
      st.history = new ArrayList<>();
    } else {
      ImageReference ref;
      try {
        ref = ImageReference.parse(baseName);
      } catch (InvalidReferenceException e) {
        throw src.error(n, e.getMessage(), "check the image name in FROM");
      }
      ImageResolver.ResolvedImage img = resolve(n, ref, platform);
      st.vertex = Vertex.of(new ImageOp(ref.toString(), img.manifestDigest(), platform),
          "[" + st.label() + " 1/" + (st.def.commands().size() + 1) + "] FROM " + ref, location(n));
      ImageConfig c = img.config();
      st.config = c.containerConfig();
      st.author = c.author();
      st.diffIds = List.copyOf(c.diffIds());
      st.history = new ArrayList<>(c.historyOrEmpty());
    }
    // BuildKit gives every stage a PATH and a working directory
    List<String> env = st.config.env() == null ? new ArrayList<>() : new ArrayList<>(st.config.env());
    boolean hasPath = false;
    for (String e : env) {
      if (e.startsWith("PATH=")) {
        hasPath = true;
      }
    }
    if (!hasPath) {
      env.add(DEFAULT_PATH);
    }
    st.config = st.config.withEnv(env);
    if (st.config.workingDir() == null || st.config.workingDir().isEmpty()) {
      st.config = st.config.withWorkingDir("/");
    }
    st.env.putAll(st.configEnvMap());
    st.envKeys.addAll(st.env.keySet());
  }

  private ImageResolver.ResolvedImage resolve(Node n, ImageReference ref, Platform platform)
      throws DockerfileException {
    if (req.resolver() == null) {
      throw src.error(n, "no image resolver to look up " + ref, null);
    }
    try {
      return req.resolver().resolve(ref.toString(), platform);
    } catch (ImageResolver.ResolveException e) {
      throw src.error(n, ref + ": " + e.getMessage(), "check the image name and your access to its registry");
    }
  }

  private SourceLocation location(Node n) {
    return new SourceLocation(src.fileName(), n.startLine, n.startColumn, n.endLine, n.endColumn);
  }

  private String vertexName(StageState st, Node n) {
    String text = GoText.trimSpace(n.original);
    return "[" + st.label() + " " + st.step + "/" + st.steps + "] " + text;
  }

  private void history(StageState st, String createdBy, boolean layer) {
    st.history.add(new ImageConfig.History(null, createdBy + (layer ? " # buildkit" : ""), null,
        HISTORY_COMMENT, layer ? null : Boolean.TRUE));
  }

  // ---- dispatch ----

  private void dispatch(StageState st, Instruction ins) throws DockerfileException {
    Node n = ins.node();
    Map<String, String> env = st.env;
    if (ins instanceof Instructions.Env e) {
      StringBuilder msg = new StringBuilder("ENV");
      List<String[]> pairs = new ArrayList<>();
      for (KeyValue kv : e.pairs()) {
        String k = expand(n, kv.key(), env);
        String v = expand(n, kv.value(), env);
        if (k.isEmpty()) {
          throw src.error(n, "ENV names can not be blank", null);
        }
        pairs.add(new String[] {k, v});
        msg.append(' ').append(k).append('=').append(v);
      }
      for (String[] p : pairs) {
        setEnv(st, p[0], p[1]);
      }
      history(st, msg.toString(), false);
    } else if (ins instanceof Instructions.Arg a) {
      dispatchArg(st, a);
    } else if (ins instanceof Instructions.Label l) {
      Map<String, String> labels = st.config.labels() == null ? new TreeMap<>()
          : new TreeMap<>(st.config.labels());
      StringBuilder msg = new StringBuilder("LABEL");
      for (KeyValue kv : l.pairs()) {
        String k = expand(n, kv.key(), env);
        String v = expand(n, kv.value(), env);
        if (k.isEmpty()) {
          throw src.error(n, "LABEL names can not be blank", null);
        }
        labels.put(k, v);
        msg.append(' ').append(k).append('=').append(v);
      }
      st.config = st.config.withLabels(labels);
      history(st, msg.toString(), false);
    } else if (ins instanceof Instructions.Maintainer m) {
      st.author = m.maintainer();
      history(st, "MAINTAINER " + m.maintainer(), false);
    } else if (ins instanceof Instructions.User u) {
      String user = expand(n, u.user(), env);
      st.config = st.config.withUser(user);
      history(st, "USER " + user, false);
    } else if (ins instanceof Instructions.Workdir w) {
      dispatchWorkdir(st, w);
    } else if (ins instanceof Instructions.Expose x) {
      dispatchExpose(st, x);
    } else if (ins instanceof Instructions.Volume v) {
      Map<String, Map<String, Object>> vols = st.config.volumes() == null ? new TreeMap<>()
          : new TreeMap<>(st.config.volumes());
      List<String> added = new ArrayList<>();
      for (String raw : v.volumes()) {
        String vol = expand(n, raw, env);
        if (GoText.trimSpace(vol).isEmpty()) {
          throw src.error(n, "VOLUME specified can not be an empty string", null);
        }
        vols.put(vol, Map.of());
        added.add(vol);
      }
      st.config = st.config.withVolumes(vols);
      history(st, "VOLUME [" + String.join(" ", added) + "]", false);
    } else if (ins instanceof Instructions.StopSignal s) {
      String sig = expand(n, s.signal(), env);
      if (!validSignal(sig)) {
        throw src.error(n, "failed to parse signal: invalid signal: " + sig,
            "use a signal name like SIGTERM or a number");
      }
      st.config = st.config.withStopSignal(sig);
      history(st, "STOPSIGNAL " + sig, false);
    } else if (ins instanceof Instructions.Healthcheck h) {
      st.config = st.config.withHealthcheck(h.check());
      history(st, "HEALTHCHECK " + healthcheckHistory(h.check()), false);
    } else if (ins instanceof Instructions.Shell s) {
      st.config = st.config.withShell(s.shell());
      history(st, "SHELL " + GoText.quoteList(s.shell()), false);
    } else if (ins instanceof Instructions.Onbuild o) {
      List<String> ob = st.config.onBuild() == null ? new ArrayList<>()
          : new ArrayList<>(st.config.onBuild());
      ob.add(o.expression());
      st.config = st.config.withOnBuild(ob);
      history(st, "ONBUILD " + o.expression(), false);
    } else if (ins instanceof Instructions.Cmd c) {
      List<String> cmd = c.shellForm() ? withShell(st, c.cmd()) : c.cmd();
      st.config = st.config.withCmd(cmd);
      st.cmdSet = true;
      history(st, "CMD " + GoText.quoteList(cmd), false);
    } else if (ins instanceof Instructions.Entrypoint e) {
      List<String> ep = e.shellForm() ? withShell(st, e.cmd()) : e.cmd();
      st.config = st.config.withEntrypoint(ep);
      // BuildKit drops an inherited CMD unless this stage set one (dispatchEntrypoint)
      if (!st.cmdSet) {
        st.config = st.config.withCmd(null);
      }
      history(st, "ENTRYPOINT " + GoText.quoteList(ep), false);
    } else if (ins instanceof Instructions.Run r) {
      dispatchRun(st, r);
    } else if (ins instanceof Copy c) {
      dispatchCopy(st, c);
    } else {
      throw new IllegalStateException("FROM inside a stage");
    }
  }

  private void setEnv(StageState st, String k, String v) {
    List<String> env = st.config.env() == null ? new ArrayList<>() : new ArrayList<>(st.config.env());
    boolean replaced = false;
    for (int i = 0; i < env.size(); i++) {
      String e = env.get(i);
      if (e.equals(k) || e.startsWith(k + "=")) {
        env.set(i, k + "=" + v);
        replaced = true;
      }
    }
    if (!replaced) {
      env.add(k + "=" + v);
    }
    st.config = st.config.withEnv(env);
    st.env.put(k, v);
    st.envKeys.add(k);
  }

  private void dispatchArg(StageState st, Arg a) throws DockerfileException {
    Node n = a.node();
    List<String> commit = new ArrayList<>();
    for (KeyValue kv : a.args()) {
      String key = expand(n, kv.key(), st.env);
      usedArgs.add(key);
      String value = null;
      if (buildArgs.containsKey(key)) {
        value = buildArgs.get(key);
      } else if (kv.value() != null) {
        value = expand(n, kv.value(), st.env);
      } else if (metaArgs.containsKey(key)) {
        value = metaArgs.get(key);
      } else if (isPlatformArg(key)) {
        value = key.equals("TARGETSTAGE") ? targetStageName : globalArgs.get(key);
      }
      if (value != null && !st.envKeys.contains(key)) {
        st.env.put(key, value);
      }
      st.args.put(key, value);
      commit.add(value == null ? key : key + "=" + value);
    }
    history(st, "ARG " + String.join(" ", commit), false);
  }

  private void dispatchWorkdir(StageState st, Instructions.Workdir w) throws DockerfileException {
    Node n = w.node();
    String path = expand(n, w.path(), st.env);
    String current = st.config.workingDir() == null ? "/" : st.config.workingDir();
    String wd = path.startsWith("/") ? Paths.clean(path) : Paths.clean(current + "/" + path);
    st.config = st.config.withWorkingDir(wd);
    boolean layer = !wd.equals("/");
    if (layer) {
      String user = st.config.user() == null ? "" : st.config.user();
      st.vertex = Vertex.of(new MkdirOp(wd, user), vertexName(st, n), location(n), st.vertex);
    }
    history(st, "WORKDIR " + wd, false);
    if (layer) {
      // the mkdir makes a layer; the builder marks it empty when the directory existed
      ImageConfig.History h = st.history.remove(st.history.size() - 1);
      st.history.add(new ImageConfig.History(null, h.createdBy(), null, HISTORY_COMMENT, null));
    }
  }

  private void dispatchExpose(StageState st, Instructions.Expose x) throws DockerfileException {
    Node n = x.node();
    Map<String, Map<String, Object>> ports = st.config.exposedPorts() == null ? new TreeMap<>()
        : new TreeMap<>(st.config.exposedPorts());
    TreeSet<String> added = new TreeSet<>();
    for (String raw : x.ports()) {
      for (String word : expandWords(n, raw, st.env)) {
        List<String> keys;
        try {
          keys = Ports.parse(word);
        } catch (ParseError e) {
          throw src.error(n, e.getMessage(), "write EXPOSE <port>[/<protocol>], e.g. 80/tcp");
        }
        for (String k : keys) {
          ports.put(k, Map.of());
          added.add(k);
        }
      }
    }
    st.config = st.config.withExposedPorts(ports);
    history(st, "EXPOSE [" + String.join(" ", added) + "]", false);
  }

  private List<String> withShell(StageState st, List<String> args) {
    List<String> shell = st.config.shell() != null && !st.config.shell().isEmpty()
        ? st.config.shell() : DEFAULT_SHELL;
    List<String> out = new ArrayList<>(shell);
    out.add(String.join(" ", args));
    return out;
  }

  private void dispatchRun(StageState st, Instructions.Run r) throws DockerfileException {
    Node n = r.node();
    List<Vertex> inputs = new ArrayList<>();
    inputs.add(st.vertex);
    List<ExecMount> mounts = new ArrayList<>();
    String cwd0 = st.config.workingDir() == null || st.config.workingDir().isEmpty() ? "/"
        : st.config.workingDir();
    for (String raw : r.mounts()) {
      if (raw.matches("(?i)(^|.*,)\\s*from=[^,]*\\$.*")) {
        throw src.error(n, "'from' doesn't support variable expansion, define alias stage instead",
            "add a stage FROM ${...} AS name and mount from=name");
      }
      Mounts.Spec m;
      try {
        m = Mounts.parse(expand(n, raw, st.env));
      } catch (IllegalArgumentException e) {
        throw src.error(n, e.getMessage(), "see https://docs.docker.com/reference/dockerfile/#run---mount");
      }
      mounts.add(execMount(st, n, m, cwd0, inputs));
    }
    String network = r.network() == null ? "default" : expand(n, r.network(), st.env);
    if (!network.equals("default") && !network.equals("none") && !network.equals("host")) {
      throw src.error(n, "unsupported network mode: " + network,
          "use --network=default, none or host");
    }
    if (r.security() != null) {
      String sec = expand(n, r.security(), st.env);
      if (!sec.equals("sandbox")) {
        throw src.error(n, sec.equals("insecure")
            ? "RUN --security=insecure is not supported by this builder"
            : "unsupported security mode: " + sec, null);
      }
    }
    List<String> args = r.cmd();
    boolean shebang = false;
    if (!r.heredocs().isEmpty()) {
      if (!r.shellForm() || args.size() != 1) {
        throw src.error(n, "parsing produced an invalid run command: " + args, null);
      }
      Node.Heredoc first = r.heredocs().get(0);
      Node.Heredoc single = parseHeredocQuietly(args.get(0));
      if (single != null) {
        String data = first.chomp() ? LineParser.chompHeredocContent(first.content())
            : first.content();
        if (data.startsWith("#!")) {
          // BuildKit writes the script to a file mounted at /dev/pipes/NAME and runs the file
          // itself, so its #! line picks the interpreter (dispatchRun, heredoc with shebang)
          Vertex script = Vertex.of(new InlineFilesOp(List.of(
              new InlineFilesOp.InlineFile(first.name(), data, 0755))), "heredoc " + first.name(), location(n));
          inputs.add(script);
          mounts.add(new ExecMount("bind", "/dev/pipes", inputs.size() - 1, "", true, null, null,
              null, null, null, 0, false, null));
          args = List.of("/dev/pipes/" + first.name());
          shebang = true;
        } else {
          args = List.of(data);
        }
      } else {
        // several heredocs, or one with more words: hand the whole script to the shell
        StringBuilder full = new StringBuilder(args.get(0));
        for (Node.Heredoc h : r.heredocs()) {
          full.append('\n').append(h.content()).append(h.name());
        }
        args = List.of(full.toString());
      }
    }
    if (r.shellForm() && !shebang) {
      args = withShell(st, args);
    }
    List<String> env = new ArrayList<>();
    for (Map.Entry<String, String> e : st.env.entrySet()) {
      if (!PROXY_ARGS.contains(e.getKey())) {
        env.add(e.getKey() + "=" + e.getValue());
      }
    }
    List<String> proxyEnv = proxyEnv();
    String cwd = st.config.workingDir() == null || st.config.workingDir().isEmpty() ? "/"
        : st.config.workingDir();
    String user = st.config.user() == null ? "" : st.config.user();
    st.vertex = cacheFiltered(st, new Vertex(new ExecOp(args, env, cwd, user, network, proxyEnv,
        mounts, st.platform), inputs, vertexName(st, n), location(n)));
    history(st, "RUN " + runCommandString(st, args), true);
  }

  /** One RUN --mount as a graph mount; its source vertex (if any) is appended to inputs. */
  private ExecMount execMount(StageState st, Node n, Mounts.Spec m, String cwd, List<Vertex> inputs)
      throws DockerfileException {
    String target = m.target == null ? null
        : m.target.startsWith("/") ? Paths.clean(m.target) : Paths.clean(cwd + "/" + m.target);
    switch (m.type) {
      case "ssh" -> throw src.error(n, "RUN --mount=type=ssh is not supported by this builder yet",
          "copy what the step needs, or use a secret mount");
      case "secret" -> {
        String id = m.id != null ? m.id : target != null ? target.substring(target.lastIndexOf('/') + 1) : m.env;
        // a secret with only env= is not mounted as a file (BuildKit's testSecretAsEnviron)
        String file = target != null ? target : m.env != null ? null : "/run/secrets/" + id;
        return new ExecMount("secret", file, -1, null, true, id, null, m.mode, m.uid, m.gid, 0,
            m.required, m.env);
      }
      case "tmpfs" -> {
        return new ExecMount("tmpfs", target, -1, null, false, null, null, null, null, null, m.size,
            false, null);
      }
      default -> { }
    }
    int input = -1;
    if (m.from != null || m.type.equals("bind")) {
      Vertex source = m.from == null ? context : sourceVertex(st, n, m.from, "mount from");
      int existing = inputs.indexOf(source);
      if (existing < 0) {
        inputs.add(source);
        existing = inputs.size() - 1;
      }
      input = existing;
    }
    String source = m.source == null ? "" : Paths.clean("/" + m.source).substring(1);
    if (m.type.equals("cache")) {
      String id = m.id != null && !m.id.isEmpty() ? m.id : target;
      return new ExecMount("cache", target, input, source, m.readOnly != null && m.readOnly, id,
          m.sharing, m.mode, m.uid, m.gid, 0, false, null);
    }
    return new ExecMount("bind", target, input, source, m.readOnly == null || m.readOnly, null, null,
        null, null, null, 0, false, null);
  }

  /** The vertex a --from names: an earlier stage (by name or index) or an image. */
  private Vertex sourceVertex(StageState st, Node n, String from, String what) throws DockerfileException {
    StageDef ref = stageRef(from);
    if (ref != null) {
      if (ref.index() >= st.def.index()) {
        throw src.error(n, "cannot " + what + " stage " + GoText.quote(from)
            + ", it needs to be defined before current stage " + GoText.quote(st.label()),
            "move the stage " + from + " above this one");
      }
      return stage(ref).vertex;
    }
    ImageReference ref2;
    try {
      ref2 = ImageReference.parse(from);
    } catch (InvalidReferenceException e) {
      throw src.error(n, "invalid from: " + e.getMessage(),
          Suggest.didYouMean(from.toLowerCase(Locale.ROOT), stageNames(), true));
    }
    ImageResolver.ResolvedImage img = resolve(n, ref2, st.platform);
    return Vertex.of(new ImageOp(ref2.toString(), img.manifestDigest(), st.platform),
        "FROM " + ref2, location(n));
  }

  private static Node.Heredoc parseHeredocQuietly(String word) {
    try {
      return LineParser.parseHeredoc(word);
    } catch (ParseError e) {
      return null;
    }
  }

  /** HTTP_PROXY & co. from the build args, in both cases like BuildKit's ProxyEnv. */
  private List<String> proxyEnv() {
    TreeMap<String, String> m = new TreeMap<>();
    for (Map.Entry<String, String> e : buildArgs.entrySet()) {
      if (PROXY_ARGS.contains(e.getKey())) {
        String upper = e.getKey().toUpperCase(Locale.ROOT);
        m.put(upper, e.getValue());
        m.put(upper.toLowerCase(Locale.ROOT), e.getValue());
      }
    }
    List<String> out = new ArrayList<>();
    m.forEach((k, v) -> out.add(k + "=" + v));
    return out;
  }

  /** BuildKit's runCommandString: "|N k=v ... " before the command when ARGs are in scope. */
  private String runCommandString(StageState st, List<String> args) {
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, String> a : st.args.entrySet()) {
      if (PROXY_ARGS.contains(a.getKey())) {
        continue;
      }
      String v = st.env.containsKey(a.getKey()) ? st.env.get(a.getKey())
          : a.getValue() == null ? "" : a.getValue();
      parts.add(a.getKey() + "=" + v);
    }
    List<String> out = new ArrayList<>();
    if (!parts.isEmpty()) {
      out.add("|" + parts.size());
      out.addAll(parts);
    }
    out.addAll(args);
    return String.join(" ", out);
  }

  private void dispatchCopy(StageState st, Copy c) throws DockerfileException {
    Node n = c.node();
    String kw = c.add() ? "ADD" : "COPY";
    Vertex inline = null;
    List<String> heredocNames = new ArrayList<>();
    if (!c.heredocs().isEmpty()) {
      if (!c.sources().isEmpty()) {
        throw src.error(n, kw + " cannot mix here-documents and other sources in one instruction",
            "split it into two " + kw + " instructions");
      }
      List<InlineFilesOp.InlineFile> files = new ArrayList<>();
      for (Node.Heredoc h : c.heredocs()) {
        String data = h.chomp() ? LineParser.chompHeredocContent(h.content()) : h.content();
        if (h.expand()) {
          // BuildKit expands an unquoted heredoc's variables and escapes but keeps its quotes
          // (quotes mean nothing in a heredoc body: `'${name}'` expands too)
          boolean saved = lex.skipProcessQuotes;
          lex.skipProcessQuotes = true;
          try {
            data = expand(n, data, st.env);
          } finally {
            lex.skipProcessQuotes = saved;
          }
        }
        files.add(new InlineFilesOp.InlineFile(h.name(), data, 0644));
        heredocNames.add(h.name());
      }
      inline = Vertex.of(new InlineFilesOp(files), "heredoc " + String.join(" ", heredocNames), location(n));
    }
    List<String> sources = new ArrayList<>(heredocNames);
    Vertex remote = null;
    for (String s : c.sources()) {
      String e = expand(n, s, st.env);
      RemoteSource r = RemoteSource.parse(e);
      if (r == null && (e.contains("://") || e.startsWith("git@"))) {
        if (!c.add()) {
          throw src.error(n, "source can't be a URL for COPY", "use ADD to download a URL");
        }
        throw src.error(n, "unsupported URL scheme in " + e, "ADD takes http(s) URLs and git repositories");
      }
      if (r != null) {
        if (!c.add()) {
          throw src.error(n, "source can't be a URL for COPY", "use ADD to download a URL");
        }
        if (c.sources().size() > 1) {
          // BuildKit copies each source with its own action; jbuild's COPY reads one input
          throw src.error(n, "ADD of a URL or git repository takes it as its only source",
              "split it into one ADD per URL");
        }
        if (c.from() != null) {
          throw src.error(n, "ADD --from cannot be combined with a URL source", null);
        }
        if (r.git()) {
          if (c.checksum() != null) {
            throw src.error(n, "--checksum is not supported for a git source by this builder", null);
          }
          remote = Vertex.of(new GitOp(r.remote(), r.ref(), r.subdir(),
              c.keepGitDir() != null && c.keepGitDir()), e, location(n));
          sources.add(".");
        } else {
          String checksum = c.checksum() == null ? null : expand(n, c.checksum(), st.env);
          if (checksum != null && !checksum.matches("sha256:[0-9a-f]{64}")) {
            throw src.error(n, "invalid checksum " + GoText.quote(checksum),
                "give it as sha256: followed by 64 lowercase hex digits");
          }
          if (c.keepGitDir() != null) {
            throw src.error(n, "--keep-git-dir is only valid for a git source", null);
          }
          remote = Vertex.of(new HttpOp(e, checksum, r.filename()), e, location(n));
          sources.add(r.filename());
        }
        continue;
      }
      sources.add(e);
    }
    if (remote == null && c.checksum() != null) {
      throw src.error(n, "checksum can't be specified for non-HTTP(S) sources", null);
    }
    if (remote == null && c.keepGitDir() != null) {
      throw src.error(n, "--keep-git-dir is only valid for a git source", null);
    }
    String destWritten = expand(n, c.destination(), st.env);
    String wd = st.config.workingDir() == null ? "/" : st.config.workingDir();
    String dest = destWritten.startsWith("/") ? Paths.clean(destWritten)
        : Paths.clean(wd + "/" + destWritten);
    if (destWritten.isEmpty() || destWritten.equals(".") || destWritten.endsWith("/")) {
      if (!dest.endsWith("/")) {
        dest += "/";
      }
    }
    String chown = c.chown() == null ? null : expand(n, c.chown(), st.env);
    String chmod = c.chmod() == null ? null : expand(n, c.chmod(), st.env);
    if (chmod != null && !Paths.validChmod(chmod)) {
      throw src.error(n, "invalid chmod parameter: '" + chmod
          + "'. it should be octal string and between 0 and 07777",
          "use an octal mode like 0755 or a symbolic one like u+x,g-w");
    }
    List<String> excludes = new ArrayList<>();
    for (String x : c.excludes()) {
      excludes.add(expand(n, x, st.env));
    }
    Vertex source = inline != null ? inline : remote != null ? remote : context;
    if (c.from() != null && inline == null) {
      if (c.from().contains("$")) {
        throw src.error(n, "variable expansion is not supported for --from, define a new stage "
            + "with FROM using ARG from global scope as a workaround", null);
      }
      StageDef ref = stageRef(c.from());
      if (ref != null) {
        if (ref.index() >= st.def.index()) {
          throw src.error(n, "cannot copy from stage " + GoText.quote(c.from())
              + ", it needs to be defined before current stage " + GoText.quote(st.label()),
              "move the stage " + c.from() + " above this one");
        }
        source = stage(ref).vertex;
      } else {
        ImageReference ref2;
        try {
          ref2 = ImageReference.parse(c.from());
        } catch (InvalidReferenceException e) {
          throw src.error(n, "invalid --from: " + e.getMessage(),
              Suggest.didYouMean(c.from().toLowerCase(Locale.ROOT), stageNames(), true));
        }
        ImageResolver.ResolvedImage img = resolve(n, ref2, st.platform);
        source = Vertex.of(new ImageOp(ref2.toString(), img.manifestDigest(), st.platform),
            "FROM " + ref2, location(n));
      }
    }
    // BuildKit never unpacks a downloaded archive (the ADD reference: "Resources from remote
    // URLs are not decompressed"), nor anything from a git checkout
    boolean unpack = c.add() && remote == null && (c.unpack() == null || c.unpack());
    st.vertex = cacheFiltered(st, Vertex.of(new CopyOp(sources, dest, chown, chmod, unpack,
        c.link(), c.parents(), excludes), vertexName(st, n), location(n), st.vertex, source));
    List<String> shown = new ArrayList<>();
    for (String x : sources) {
      shown.add(heredocNames.contains(x) && inline != null ? "<<" + x : x);
    }
    history(st, kw + " " + String.join(" ", shown) + " " + destWritten, true);
  }

  /**
   * A RUN, COPY or ADD step of a stage --no-cache-filter names, marked to run even when cached
   * (BuildKit: llb.IgnoreCache on those ops only; WORKDIR and the sources they read keep the cache).
   */
  private static Vertex cacheFiltered(StageState st, Vertex step) {
    return st.ignoreCache ? step.ignoringCache() : step;
  }

  private List<String> stageNames() {
    List<String> names = new ArrayList<>();
    for (StageDef s : parsed.stages()) {
      if (s.name() != null) {
        names.add(s.name());
      }
    }
    return names;
  }

  private static boolean validSignal(String sig) {
    if (sig.matches("[0-9]+")) {
      try {
        int v = Integer.parseInt(sig);
        return v > 0 && v < 65;
      } catch (NumberFormatException e) {
        return false;
      }
    }
    String s = sig.toUpperCase(Locale.ROOT);
    if (s.startsWith("SIG")) {
      s = s.substring(3);
    }
    return s.matches("(HUP|INT|QUIT|ILL|TRAP|ABRT|IOT|BUS|FPE|KILL|USR1|SEGV|USR2|PIPE|ALRM|TERM"
        + "|STKFLT|CHLD|CONT|STOP|TSTP|TTIN|TTOU|URG|XCPU|XFSZ|VTALRM|PROF|WINCH|IO|POLL|PWR|SYS"
        + "|RTMIN(\\+[0-9]+)?|RTMAX(-[0-9]+)?)");
  }

  /** Go's %q of the healthcheck struct, the way BuildKit writes HEALTHCHECK history. */
  private static String healthcheckHistory(ContainerConfig.Healthcheck h) {
    return "&{" + GoText.quoteList(h.test()) + " " + GoText.quote(goDuration(h.interval())) + " "
        + GoText.quote(goDuration(h.timeout())) + " " + GoText.quote(goDuration(h.startPeriod()))
        + " " + GoText.quote(goDuration(h.startInterval())) + " "
        + goQuoteRune(h.retries() == null ? 0 : h.retries()) + "}";
  }

  private static String goQuoteRune(int r) {
    String q = GoText.quote(new String(Character.toChars(Math.max(0, Math.min(r, 0x10FFFF)))));
    return "'" + q.substring(1, q.length() - 1).replace("\\\"", "\"") + "'";
  }

  /** Go's time.Duration.String(). */
  static String goDuration(Long nanos) {
    long d = nanos == null ? 0 : nanos;
    if (d == 0) {
      return "0s";
    }
    if (d < 1_000L) {
      return d + "ns";
    }
    if (d < 1_000_000L) {
      return trimFraction(d / 1e3) + "µs";
    }
    if (d < 1_000_000_000L) {
      return trimFraction(d / 1e6) + "ms";
    }
    StringBuilder b = new StringBuilder();
    long h = d / 3_600_000_000_000L;
    long rem = d % 3_600_000_000_000L;
    long m = rem / 60_000_000_000L;
    long sNanos = rem % 60_000_000_000L;
    if (h > 0) {
      b.append(h).append('h');
    }
    if (h > 0 || m > 0) {
      b.append(m).append('m');
    }
    b.append(trimFraction(sNanos / 1e9)).append('s');
    return b.toString();
  }

  private static String trimFraction(double v) {
    String s = new java.math.BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    return s;
  }
}
