package io.jbuild.cli;

import io.jbuild.api.BuildException;
import io.jbuild.api.BuildResult;
import io.jbuild.api.DockerfileBuild;
import io.jbuild.api.Output;
import io.jbuild.api.PullPolicy;
import io.jbuild.oci.Platform;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "build", description = "Build an image from a Dockerfile (flags as in docker build).",
    mixinStandardHelpOptions = true, sortOptions = false,
    footer = {"", "Examples:",
        "  jbuild build -t app:1.0 .",
        "  jbuild build -f docker/Dockerfile --build-arg VERSION=1.2 --target runtime -t app .",
        "  jbuild build -o type=oci,dest=app.tar -t app:1.0 .",
        "  jbuild build --runtime unshare -q ."})
class BuildCommand implements Callable<Integer> {
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
      description = "where the image goes: type=image (local store, default), oci, docker, registry")
  List<String> outputs = new ArrayList<>();

  @Option(names = "--push", description = "push every -t after the build")
  boolean push;

  @Option(names = "--no-cache", description = "do not use cached results (every step runs)")
  boolean noCache;

  @Option(names = "--explain-cache", description = "say why each step that ran missed the cache")
  boolean explainCache;

  @Option(names = "--runtime", paramLabel = "runc|crun|unshare", description = "how RUN steps run (default: the first installed)")
  String runtime;

  @Option(names = "--jobs", paramLabel = "N", description = "steps that may run at once (default: number of CPUs)")
  Integer jobs;

  @Option(names = "--progress", paramLabel = "auto|plain|quiet", description = "how to show progress (default: auto)")
  String progress = "auto";

  @Option(names = {"-q", "--quiet"}, description = "print only the image id")
  boolean quiet;

  @Option(names = "--iidfile", paramLabel = "FILE", description = "write the image id to FILE")
  Path iidfile;

  @Option(names = "--check", description = "run the build checks instead of building (same as --call=check)")
  boolean check;

  @Option(names = "--call", paramLabel = "build|check|outline|targets",
      description = "what to do with the Dockerfile: build it (default), check it, outline the target's args, list the targets")
  String call = "build";

  @Mixin
  RootOption root;

  @Override
  public Integer call() throws IOException {
    PrintStream err = System.err;
    String what = check ? "check" : call;
    if (!"build".equalsIgnoreCase(what)) {
      Path df = file != null && !file.equals("-") ? Path.of(file) : context.resolve("Dockerfile");
      try {
        return CallCommands.run(what, df, target, parseBuildArgs(), System.out);
      } catch (IllegalArgumentException e) {
        err.println("error: " + e.getMessage());
        return Main.USAGE;
      }
    }
    DockerfileBuild build;
    try {
      build = configure();
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return Main.USAGE;
    }
    String mode = quiet ? "quiet" : progress;
    if (!List.of("auto", "plain", "tty", "quiet").contains(mode)) {
      err.println("error: invalid --progress \"" + progress + "\": expected auto, plain, tty or quiet");
      return Main.USAGE;
    }
    PlainProgress view = new PlainProgress(err, mode.equals("quiet"));
    build.listener(view);
    Thread hook = new Thread(build::cancel, "jbuild-cancel");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      BuildResult result = build.build();
      if (explainCache) {
        view.explainCache();
      }
      view.summary(result);
      if (iidfile != null) {
        Files.writeString(iidfile, result.imageId().toString());
      }
      if (mode.equals("quiet")) {
        System.out.println(result.imageId());
      }
      return Main.OK;
    } catch (BuildException e) {
      err.println();
      err.println("ERROR: " + e.getMessage().replace("\n", System.lineSeparator()));
      return switch (e.kind()) {
        case INVALID_INPUT -> Main.USAGE;
        case CANCELLED -> Main.CANCELLED;
        default -> Main.BUILD_FAILED;
      };
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: Ctrl-C
      }
    }
  }

  /** --build-arg KEY=VALUE, or KEY alone taking $KEY (skipped when unset, like docker). */
  private java.util.Map<String, String> parseBuildArgs() {
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    for (String a : buildArgs) {
      int eq = a.indexOf('=');
      if (eq == 0) {
        throw new IllegalArgumentException("invalid --build-arg \"" + a + "\": expected KEY=VALUE or KEY");
      }
      if (eq < 0) {
        String v = System.getenv(a);
        if (v != null) {
          out.put(a, v);
        }
      } else {
        out.put(a.substring(0, eq), a.substring(eq + 1));
      }
    }
    return out;
  }

  DockerfileBuild configure() throws IOException {
    DockerfileBuild b = DockerfileBuild.context(context).root(root.get()).runtime(runtime);
    if ("-".equals(file)) {
      b.dockerfileContent(System.in.readAllBytes());
    } else if (file != null) {
      b.dockerfile(Path.of(file));
    }
    tags.forEach(b::tag);
    parseBuildArgs().forEach(b::buildArg);
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
      b.platform(Platform.parse(platform));
    }
    b.pull(PullPolicy.parse(pull));
    for (String o : outputs) {
      b.output(Output.parse(o));
    }
    b.push(push);
    b.noCache(noCache);
    if (jobs != null) {
      if (jobs < 1) {
        throw new IllegalArgumentException("invalid --jobs " + jobs + ": must be at least 1");
      }
      b.jobs(jobs);
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
}
