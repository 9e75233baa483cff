package io.jbuild.cli;

import io.jbuild.api.BuildException;
import io.jbuild.api.BuildResult;
import io.jbuild.api.DockerfileBuild;
import io.jbuild.api.Output;
import io.jbuild.api.PullPolicy;
import io.jbuild.oci.Platform;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "build", description = {"Build an image from a Dockerfile.",
    "Flags keep the names and meanings of `docker buildx build`; a docker flag jbuild does not support is refused with the reason."},
    mixinStandardHelpOptions = true, sortOptions = false,
    footer = {"", "Progress (--progress): auto is tty on a terminal and plain otherwise; json prints one JSON object per event (README, \"JSON progress\").",
        "Exit codes: 0 success, 1 build failed (a RUN's own exit code is in the message), 2 usage error, 130 cancelled (Ctrl-C).",
        "", "Examples:",
        "  jbuild -t app:1.0 .                                    same as: jbuild build -t app:1.0 .",
        "  jbuild build -f docker/Dockerfile --build-arg VERSION=1.2 --target runtime -t app .",
        "  jbuild build -o type=oci,dest=app.tar -t app:1.0 .",
        "  jbuild build -t registry.example.com/app:1.0 --push .",
        "  jbuild build --progress=plain --iidfile id.txt --metadata-file meta.json -t app .",
        "  jbuild build --no-cache-filter deps -t app .",
        "  jbuild build --runtime unshare -q ."})
class BuildCommand implements Callable<Integer> {
  /** How long a Ctrl-C waits for containers to stop and mounts to go before the JVM exits anyway. */
  static final long CANCEL_WAIT_SECONDS = 10;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "CONTEXT", description = "the build context directory")
  Path context;

  @Option(names = {"-t", "--tag"}, paramLabel = "NAME", description = "name and tag the image (repeatable)")
  List<String> tags = new ArrayList<>();

  @Option(names = {"-f", "--file"}, paramLabel = "PATH", description = "the Dockerfile (default CONTEXT/Dockerfile; '-' reads stdin)")
  String file;

  @Option(names = "--build-arg", paramLabel = "KEY[=VALUE]", description = "a build argument; KEY alone takes the value of $KEY")
  List<String> buildArgs = new ArrayList<>();

  @Option(names = "--target", paramLabel = "STAGE", description = "the stage to build")
  String target;

  @Option(names = "--label", paramLabel = "KEY=VALUE", description = "set an image label (repeatable)")
  List<String> labels = new ArrayList<>();

  @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "the target platform (default: this machine's)")
  String platform;

  @Option(names = "--pull", paramLabel = "always|missing|never", arity = "0..1", fallbackValue = "always",
      description = "when to pull base images (default: missing; --pull alone: always)")
  String pull = "missing";

  @Option(names = {"-o", "--output"}, paramLabel = "type=TYPE,dest=PATH",
      description = "where the image goes: type=image (local store, default), type=oci|docker|tar,dest=FILE, type=local,dest=DIR, type=registry")
  List<String> outputs = new ArrayList<>();

  @Option(names = "--push", description = "push every -t after the build (--output=type=registry)")
  boolean push;

  @Option(names = "--load", description = "store the image in the local store (the default; --output=type=image)")
  boolean load;

  @Option(names = "--no-cache", description = "do not use cached results (every step runs)")
  boolean noCache;

  @Option(names = "--no-cache-filter", paramLabel = "STAGE", split = ",",
      description = "do not use cached results for the RUN, COPY and ADD steps of STAGE (repeatable or STAGE,STAGE)")
  List<String> noCacheFilter = new ArrayList<>();

  @Option(names = "--cache-from", paramLabel = "type=registry,ref=REF|type=local,src=DIR",
      description = "import a cache another build exported (repeatable); an unreadable one is a warning")
  List<String> cacheFrom = new ArrayList<>();

  @Option(names = "--cache-to", paramLabel = "type=registry,ref=REF[,mode=min|max]|type=local,dest=DIR",
      description = "export this build's cache (repeatable); mode=max: every stage's steps, min (default): the image's")
  List<String> cacheTo = new ArrayList<>();

  @Option(names = "--secret", paramLabel = "id=ID[,src=FILE|,env=VAR]", description = "a secret for RUN --mount=type=secret")
  List<String> secrets = new ArrayList<>();

  @Option(names = "--network", paramLabel = "default|none|host", description = "the network of RUN steps (only default so far)")
  String network;

  @Option(names = "--progress", paramLabel = "auto|tty|plain|json|quiet", description = "how to show progress (default: auto)")
  String progress = "auto";

  @Option(names = {"-q", "--quiet"}, description = "print only the image id (--progress=quiet)")
  boolean quiet;

  @Option(names = "--iidfile", paramLabel = "FILE", description = "write the image id to FILE")
  Path iidfile;

  @Option(names = "--metadata-file", paramLabel = "FILE",
      description = "write the build's result as JSON to FILE: image and config digests, descriptor, tags, pushed references")
  Path metadataFile;

  @Option(names = "--rm", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL", hidden = true,
      description = "remove intermediate containers (always done)")
  Boolean rm;

  @Option(names = "--force-rm", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL", hidden = true,
      description = "remove intermediate containers, also after a failure (always done)")
  Boolean forceRm;

  @Option(names = "--runtime", paramLabel = "crun|runc|unshare", description = "how RUN steps run (default: the first installed of crun, runc, unshare)")
  String runtime;

  @Option(names = "--jobs", paramLabel = "N", description = "steps that may run at once (default: number of CPUs)")
  Integer jobs;

  @Option(names = "--explain-cache", description = "say why each step that ran missed the cache")
  boolean explainCache;

  @Option(names = "--check", description = "run the build checks instead of building (same as --call=check)")
  boolean check;

  @Option(names = "--call", paramLabel = "build|check|outline|targets",
      description = "what to do with the Dockerfile: build it (default), check it, outline the target's args, list the targets")
  String call = "build";

  @Mixin
  RootOption root;

  /**
   * The command for the plain forms of a build that need no command model: {@code [build]
   * [-t NAME]... [-f FILE] [--build-arg K[=V]]... [--target S] [--label K=V]... [--progress P]
   * [-q] [--iidfile F] [--metadata-file F] [--root DIR] CONTEXT}, each option as {@code -x V},
   * {@code --xx V} or {@code --xx=V}. Null for anything else, which picocli parses (with its
   * checks and messages). Building picocli's model of the build command costs a tenth of a
   * second, as much as a whole rebuild answered from its shortcut record.
   */
  static BuildCommand quick(String[] args) {
    BuildCommand c = new BuildCommand();
    c.root = new RootOption();
    int i = args.length > 0 && args[0].equals("build") ? 1 : 0;
    for (; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("-") || a.equals("-")) {
        if (c.context != null) {
          return null;
        }
        c.context = Path.of(a);
        continue;
      }
      if (a.equals("-q") || a.equals("--quiet")) {
        c.quiet = true;
        continue;
      }
      if (a.equals("--no-cache")) {
        c.noCache = true;
        continue;
      }
      int eq = a.startsWith("--") ? a.indexOf('=') : -1;
      String name = eq < 0 ? a : a.substring(0, eq);
      String value;
      if (eq >= 0) {
        value = a.substring(eq + 1);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        return null;
      }
      switch (name) {
        case "-t", "--tag" -> c.tags.add(value);
        case "-f", "--file" -> c.file = value;
        case "--build-arg" -> c.buildArgs.add(value);
        case "--target" -> c.target = value;
        case "--label" -> c.labels.add(value);
        case "--progress" -> c.progress = value;
        case "--iidfile" -> c.iidfile = Path.of(value);
        case "--metadata-file" -> c.metadataFile = Path.of(value);
        case "--root" -> c.root.root = Path.of(value);
        case "-o", "--output" -> c.outputs.add(value);
        case "--runtime" -> c.runtime = value;
        case "--platform" -> c.platform = value;
        default -> {
          return null;
        }
      }
    }
    return c.context == null || c.context.toString().equals("-") ? null : c;
  }

  /** Where env= secrets are written for the build (null: none). */
  private Path secretDir;

  @Override
  public Integer call() throws IOException {
    PrintStream err = System.err;
    String what = check ? "check" : call;
    if (!"build".equalsIgnoreCase(what)) {
      Path df = file != null && !file.equals("-") ? Path.of(file) : context.resolve("Dockerfile");
      try {
        return CallCommands.run(what, df, target, buildArgs(buildArgs, System.getenv()), System.out);
      } catch (IllegalArgumentException e) {
        err.println("error: " + e.getMessage());
        return Main.USAGE;
      }
    }
    String mode = quiet ? "quiet" : progress;
    DockerfileBuild build;
    try {
      if (!List.of("auto", "plain", "tty", "json", "quiet").contains(mode)) {
        throw new IllegalArgumentException("invalid --progress \"" + progress + "\": expected auto, tty, plain, json or quiet"
            + (progress.equals("rawjson") ? " (jbuild's json is documented in the README, \"JSON progress\")" : ""));
      }
      build = configure();
      Preflight.requireRoot(Preflight.uid());
    } catch (IllegalArgumentException e) {
      removeSecretFiles();
      err.println("ERROR: " + e.getMessage());
      err.println("See 'jbuild build --help'.");
      return Main.USAGE;
    } catch (BuildException e) {
      removeSecretFiles();
      return Errors.report(e);
    }
    Terminal terminal = mode.equals("auto") || mode.equals("tty") ? Terminal.detect(System.getenv()) : Terminal.NONE;
    if (mode.equals("tty") && !terminal.present()) {
      terminal = new Terminal(true, 80, 24, false); // asked for: draw as if on a plain 80x24 terminal
    }
    ProgressView view = ProgressView.of(terminal.resolve(mode), err, System.out, terminal);
    ExplainCache explain = new ExplainCache();
    // why a step missed the cache: data for json; for people only when asked (--explain-cache)
    boolean showMisses = explainCache || view instanceof JsonProgress;
    build.listener(e -> {
      explain.onEvent(e);
      if (showMisses || !(e instanceof io.jbuild.api.BuildEvent.StepCacheMiss)) {
        view.onEvent(e);
      }
    });

    // Ctrl-C: the JVM runs shutdown hooks and then halts. Cancel the build and wait (bounded)
    // until it has stopped its containers and released its mounts: that happens on the
    // build's own thread, which the halt would otherwise cut short. The JVM exits with 130.
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      build.cancel();
      try {
        stopped.await(CANCEL_WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "jbuild-cancel");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      BuildResult result = build.build();
      if (explainCache) {
        explain.print(err);
      }
      view.succeeded(result);
      if (iidfile != null) {
        writeAtomically(iidfile, result.imageId().toString());
      }
      if (metadataFile != null) {
        writeAtomically(metadataFile, Metadata.json(result));
      }
      return Main.OK;
    } catch (BuildException e) {
      int code = Errors.exitCode(e);
      view.failed(e, code);
      if (view.wantsErrorMessage()) {
        err.println(Errors.formatBuildError(e.getMessage()));
        err.flush();
      }
      return code;
    } finally {
      removeSecretFiles();
      stopped.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: Ctrl-C; the JVM exits with 130 once it returns
      }
    }
  }

  private static void writeAtomically(Path file, String text) throws IOException {
    Path abs = file.toAbsolutePath();
    Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  DockerfileBuild configure() throws IOException {
    if (runtime != null && !java.util.Set.of("runc", "crun", "unshare", "auto").contains(runtime)) {
      throw new IllegalArgumentException("invalid --runtime \"" + runtime + "\": expected runc, crun, unshare or auto");
    }
    DockerfileBuild b = DockerfileBuild.context(context).root(root.get()).runtime(runtime);
    if ("-".equals(file)) {
      b.dockerfileContent(System.in.readAllBytes());
    } else if (file != null) {
      b.dockerfile(Path.of(file));
    }
    tags.forEach(b::tag);
    buildArgs(buildArgs, System.getenv()).forEach(b::buildArg);
    for (String l : labels) {
      int eq = l.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("invalid --label \"" + l + "\": expected KEY=VALUE");
      }
      b.label(l.substring(0, eq), l.substring(eq + 1));
    }
    if (target != null) {
      b.target(target);
    }
    if (platform != null) {
      b.platform(platform(platform));
    }
    b.pull(PullPolicy.parse(pull));
    for (String o : outputs) {
      b.output(Output.parse(o));
    }
    if (load) {
      b.output(Output.IMAGE);
    }
    b.push(push);
    b.noCache(noCache);
    for (String stage : noCacheFilter) {
      if (stage.isBlank()) {
        throw new IllegalArgumentException("invalid --no-cache-filter: an empty stage name (expected STAGE or STAGE,STAGE)");
      }
      b.noCacheFilter(stage.strip());
    }
    cacheFrom.forEach(b::cacheFrom);
    cacheTo.forEach(b::cacheTo);
    if (jobs != null) {
      if (jobs < 1) {
        throw new IllegalArgumentException("invalid --jobs " + jobs + ": must be at least 1");
      }
      b.jobs(jobs);
    }
    if (Boolean.FALSE.equals(rm) || Boolean.FALSE.equals(forceRm)) {
      throw new IllegalArgumentException("--rm=false / --force-rm=false is not supported: jbuild never keeps a step's container");
    }
    if (network != null && !network.equals("default")) {
      if (!List.of("none", "host").contains(network)) {
        throw new IllegalArgumentException("invalid --network \"" + network + "\": expected default, none or host");
      }
      throw new IllegalArgumentException("--network=" + network + " for the whole build is not supported yet: "
          + "use RUN --network=" + network + " on the RUN instructions that need it");
    }
    for (String s : secrets) {
      Secret secret = Secret.parse(s, System.getenv());
      b.secret(secret.id(), secret.file() != null ? secret.file() : envSecretFile(secret));
    }
    String epoch = System.getenv("SOURCE_DATE_EPOCH");
    if (epoch != null && !epoch.isEmpty()) {
      try {
        b.sourceDateEpoch(Long.parseLong(epoch));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("invalid SOURCE_DATE_EPOCH \"" + epoch + "\": expected seconds since 1970");
      }
    }
    return b;
  }

  /**
   * An env= secret as the file the api reads: in a directory only root can enter, removed when
   * the build ends ({@link #removeSecretFiles}), also on Ctrl-C (before the JVM is let go).
   */
  private Path envSecretFile(Secret secret) throws IOException {
    if (secretDir == null) {
      secretDir = Files.createTempDirectory("jbuild-secrets-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    Path f = Files.createTempFile(secretDir, "secret-", "",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(f, System.getenv(secret.env()), StandardCharsets.UTF_8);
    return f;
  }

  private void removeSecretFiles() {
    if (secretDir == null) {
      return;
    }
    try (var files = Files.list(secretDir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(secretDir);
    } catch (IOException e) {
      System.err.println("WARN: could not remove the secret files in " + secretDir + ": " + e.getMessage());
    }
  }

  /** --build-arg values: KEY=VALUE, or KEY alone for $KEY's value (skipped when unset, like docker). */
  static Map<String, String> buildArgs(List<String> args, Map<String, String> env) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      String key = eq < 0 ? a : a.substring(0, eq);
      if (key.isEmpty() || !key.strip().equals(key) || key.contains(" ")) {
        throw new IllegalArgumentException("invalid --build-arg \"" + a + "\": expected KEY=VALUE or KEY "
            + "(KEY without spaces; KEY alone takes the value of the environment variable KEY)");
      }
      if (eq < 0) {
        String v = env.get(a);
        if (v != null) {
          out.put(a, v);
        }
      } else {
        out.put(key, a.substring(eq + 1));
      }
    }
    return out;
  }

  static Platform platform(String text) {
    if (text.contains(",")) {
      throw new IllegalArgumentException("invalid --platform \"" + text + "\": building several platforms at once "
          + "is not supported yet; build one --platform at a time");
    }
    return Platform.parse(text);
  }
}
