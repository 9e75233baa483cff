package io.jbuild.api;

import io.jbuild.builder.SolveListener;
import io.jbuild.builder.SolveOptions;
import io.jbuild.builder.SolvedImage;
import io.jbuild.builder.Solver;
import io.jbuild.builder.StepFailedException;
import io.jbuild.builder.layer.Compression;
import io.jbuild.builder.layer.RootfsExport;
import io.jbuild.builder.pull.ImagePuller;
import io.jbuild.cache.DockerIgnore;
import io.jbuild.cache.StorageRoot;
import io.jbuild.exporter.DockerArchiveWriter;
import io.jbuild.exporter.ImagePusher;
import io.jbuild.exporter.ImageStore;
import io.jbuild.exporter.OciArchiveWriter;
import io.jbuild.frontend.dockerfile.ConvertRequest;
import io.jbuild.frontend.dockerfile.DockerfileException;
import io.jbuild.frontend.dockerfile.DockerfileFrontend;
import io.jbuild.graph.ImageTarget;
import io.jbuild.graph.SourceLocation;
import io.jbuild.graph.Vertex;
import io.jbuild.oci.ContainerConfig;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.Json;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.InvalidContentException;
import io.jbuild.oci.Platform;
import io.jbuild.registry.RegistryAccess;
import io.jbuild.registry.RegistryConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Builds a Dockerfile: the library entry point, and what the CLI and the Maven plugin call.
 *
 * <pre>{@code
 * BuildResult r = DockerfileBuild.context(Path.of("."))
 *     .tag("app:1.0")
 *     .buildArg("VERSION", "1.2")
 *     .build();
 * }</pre>
 */
public final class DockerfileBuild {
  private final Path context;
  private Path dockerfile;
  private byte[] dockerfileContent;
  private final List<String> tags = new ArrayList<>();
  private final Map<String, String> buildArgs = new LinkedHashMap<>();
  private final Map<String, String> labels = new LinkedHashMap<>();
  private final List<Output> outputs = new ArrayList<>();
  private String target;
  private Platform platform = Platform.host();
  private PullPolicy pull = PullPolicy.MISSING;
  private Path root = StorageRoot.defaultLocation();
  private String runtime;
  private Long sourceDateEpoch;
  private boolean push;
  private boolean noCache;
  private int jobs = Runtime.getRuntime().availableProcessors();
  private BuildListener listener = BuildListener.NONE;
  private volatile Solver solver;
  private volatile boolean cancelled;

  private DockerfileBuild(Path context) {
    this.context = context;
  }

  /** The storage root used when none is given (DESIGN.md, "Storage"). */
  public static Path defaultRoot() {
    return StorageRoot.defaultLocation();
  }

  /** A build of the context directory {@code dir}, Dockerfile at {@code dir/Dockerfile}. */
  public static DockerfileBuild context(Path dir) {
    return new DockerfileBuild(dir);
  }

  public DockerfileBuild dockerfile(Path file) {
    this.dockerfile = file;
    return this;
  }

  /** The Dockerfile's text given directly (`-f -`). */
  public DockerfileBuild dockerfileContent(byte[] content) {
    this.dockerfileContent = content.clone();
    return this;
  }

  public DockerfileBuild tag(String... references) {
    tags.addAll(List.of(references));
    return this;
  }

  public DockerfileBuild buildArg(String key, String value) {
    buildArgs.put(key, value);
    return this;
  }

  public DockerfileBuild label(String key, String value) {
    labels.put(key, value);
    return this;
  }

  public DockerfileBuild target(String stage) {
    this.target = stage;
    return this;
  }

  public DockerfileBuild platform(Platform p) {
    this.platform = p;
    return this;
  }

  public DockerfileBuild pull(PullPolicy policy) {
    this.pull = policy;
    return this;
  }

  public DockerfileBuild root(Path dir) {
    this.root = dir;
    return this;
  }

  /** runc, crun, unshare, or null for the first one installed. */
  public DockerfileBuild runtime(String name) {
    this.runtime = name;
    return this;
  }

  public DockerfileBuild output(Output o) {
    outputs.add(o);
    return this;
  }

  public DockerfileBuild push(boolean p) {
    this.push = p;
    return this;
  }

  /** --no-cache: run every step even when its result is cached. */
  public DockerfileBuild noCache(boolean n) {
    this.noCache = n;
    return this;
  }

  /** SOURCE_DATE_EPOCH: clamp every timestamp of the new layers, config and history. */
  public DockerfileBuild sourceDateEpoch(Long epochSeconds) {
    this.sourceDateEpoch = epochSeconds;
    return this;
  }

  public DockerfileBuild jobs(int n) {
    this.jobs = n;
    return this;
  }

  public DockerfileBuild listener(BuildListener l) {
    this.listener = l;
    return this;
  }

  /** Stops a running build from another thread (Ctrl-C): containers killed, mounts released. */
  public void cancel() {
    cancelled = true;
    Solver s = solver;
    if (s != null) {
      s.cancel();
    }
  }

  public BuildResult build() throws BuildException {
    long t0 = System.nanoTime();
    if (!Files.isDirectory(context)) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT,
          "context directory \"" + context + "\" does not exist or is not a directory", null);
    }
    Path dockerfilePath = dockerfile != null ? dockerfile : context.resolve("Dockerfile");
    byte[] text = dockerfileContent;
    if (text == null) {
      try {
        text = Files.readAllBytes(dockerfilePath);
      } catch (NoSuchFileException e) {
        throw new BuildException(BuildException.Kind.INVALID_INPUT, "failed to read the Dockerfile: "
            + dockerfilePath + " does not exist (use -f to name another file)", e);
      } catch (IOException e) {
        throw new BuildException(BuildException.Kind.INVALID_INPUT, "failed to read the Dockerfile "
            + dockerfilePath + ": " + e.getMessage(), e);
      }
    }
    String fileName = dockerfileContent != null ? "Dockerfile" : dockerfilePath.getFileName().toString();
    List<ImageReference> refs = new ArrayList<>();
    for (String t : tags) {
      try {
        refs.add(ImageReference.parse(t));
      } catch (InvalidContentException e) {
        throw new BuildException(BuildException.Kind.INVALID_INPUT, "invalid tag (-t): " + e.getMessage(), e);
      }
    }
    List<Output> outs = new ArrayList<>(outputs);
    if (outs.isEmpty()) {
      outs.add(Output.IMAGE);
    }
    for (Output o : outs) {
      ExportVariant.of(o); // a wrong attribute fails before the build, not after it
    }
    if ((push || outs.stream().anyMatch(o -> o.type().equals("registry"))) && refs.isEmpty()) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT, "--push needs at least one -t NAME to push to", null);
    }

    StorageRoot store;
    try {
      store = StorageRoot.open(root);
    } catch (UncheckedIOException e) {
      throw new BuildException(BuildException.Kind.ENVIRONMENT, e.getMessage(), e);
    }
    RegistryAccess registry = new RegistryAccess(RegistryConfig.defaults());
    ImagePuller puller = new ImagePuller(store.content(), registry);
    ImageStore images = new ImageStore(store);
    Events events = new Events(listener, text);

    ImageTarget imageTarget;
    try {
      List<String> ignore = DockerIgnore.read(context, dockerfileContent != null ? null : dockerfilePath);
      ConvertRequest request = new ConvertRequest(text, fileName, Map.copyOf(buildArgs), target, platform,
          Platform.host(), ignore, new BaseImageResolver(images, store.content(), puller, pull),
          f -> listener.onEvent(new BuildEvent.Warning(System.nanoTime(), f.rule() + ": " + f.message(),
              f.fileName() + ":" + f.line())));
      imageTarget = DockerfileFrontend.convert(request);
    } catch (DockerfileException e) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT, e.formatted(), e);
    } catch (IOException e) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT, "failed to read .dockerignore: " + e.getMessage(), e);
    }
    if (!labels.isEmpty()) {
      ContainerConfig c = imageTarget.config().containerConfig();
      Map<String, String> merged = new TreeMap<>(c.labels() == null ? Map.of() : c.labels());
      merged.putAll(labels);
      imageTarget = new ImageTarget(imageTarget.root(), imageTarget.config().withConfig(c.withLabels(merged)),
          imageTarget.stageName(), imageTarget.unusedBuildArgs());
    }

    Long epoch = sourceDateEpoch;
    if (epoch == null && buildArgs.containsKey("SOURCE_DATE_EPOCH")) {
      try {
        epoch = Long.parseLong(buildArgs.get("SOURCE_DATE_EPOCH"));
      } catch (NumberFormatException e) {
        throw new BuildException(BuildException.Kind.INVALID_INPUT, "invalid SOURCE_DATE_EPOCH build arg \""
            + buildArgs.get("SOURCE_DATE_EPOCH") + "\": expected seconds since 1970", e);
      }
    }
    SolvedImage image;
    SolveOptions options = new SolveOptions(Map.of("context", context.toAbsolutePath()), runtime, Compression.GZIP, epoch, jobs, noCache);
    try (Solver s = new Solver(store, puller, options, events)) {
      solver = s;
      if (cancelled) {
        throw new InterruptedException();
      }
      image = s.solve(imageTarget);
    } catch (StepFailedException e) {
      throw new BuildException(BuildException.Kind.STEP_FAILED, events.describeFailure(e), e.exitCode(), e.lastLines(), e);
    } catch (InterruptedException e) {
      throw new BuildException(BuildException.Kind.CANCELLED, "build cancelled", e);
    } catch (IOException | RuntimeException e) {
      if (cancelled) {
        throw new BuildException(BuildException.Kind.CANCELLED, "build cancelled", e);
      }
      throw new BuildException(BuildException.Kind.ENVIRONMENT, "build failed: " + e.getMessage(), e);
    } finally {
      solver = null;
    }

    List<String> outputsDone = new ArrayList<>();
    try {
      Output pushOutput = null;
      for (Output o : outs) {
        ExportVariant variant = ExportVariant.of(o);
        switch (o.type()) {
          case "image" -> {
            Descriptor m = variant.apply(store.content(), image.manifest());
            for (ImageReference r : refs) {
              images.tag(r, m);
            }
            outputsDone.add("image" + (refs.isEmpty() ? "" : " " + String.join(", ", refs.stream().map(ImageReference::familiar).toList())));
            if (pushOutput == null) {
              pushOutput = o;
            }
          }
          case "oci", "docker" -> {
            writeArchive(o, store, variant.apply(store.content(), image.manifest()), refs);
            outputsDone.add(o.type() + " " + o.dest());
          }
          case "local", "tar" -> {
            writeFilesystem(o, store, image);
            outputsDone.add(o.type() + " " + o.dest());
          }
          case "registry" -> {
            pushAll(store, registry, variant.apply(store.content(), image.manifest()), refs, events);
            outputsDone.add("registry");
          }
          default -> throw new BuildException(BuildException.Kind.INVALID_INPUT,
              "--output type=" + o.type() + " is not supported; use type=image, oci, docker, local, tar or registry", null);
        }
      }
      if (push && outs.stream().noneMatch(o -> o.type().equals("registry"))) {
        // --push is type=image,push=true: the image output's attributes apply to what is pushed
        ExportVariant variant = pushOutput == null ? ExportVariant.DEFAULT : ExportVariant.of(pushOutput);
        pushAll(store, registry, variant.apply(store.content(), image.manifest()), refs, events);
        outputsDone.add("registry");
      }
    } catch (IOException | RuntimeException e) {
      throw new BuildException(BuildException.Kind.ENVIRONMENT, "export failed: " + e.getMessage(), e);
    }
    return new BuildResult(image.config().digest(), image.manifest(),
        refs.stream().map(ImageReference::familiar).toList(), image.layersSize(),
        System.nanoTime() - t0, events.run.get(), events.cached.get(), outputsDone);
  }

  private void pushAll(StorageRoot store, RegistryAccess registry, Descriptor manifest, List<ImageReference> refs, Events events)
      throws IOException {
    ImagePusher pusher = new ImagePusher(store.content(), registry);
    for (ImageReference r : refs) {
      events.listener.onEvent(new BuildEvent.Info(System.nanoTime(), "pushing " + r.familiar()));
      pusher.push(manifest, r);
    }
  }

  /** Writes an archive to a temporary file beside dest and renames it: never a half-written dest. */
  private static void writeArchive(Output o, StorageRoot store, Descriptor manifest, List<ImageReference> refs) throws IOException {
    writeFile(o, out -> write(o.type(), store, manifest, refs, out));
  }

  /**
   * type=local: the image's final filesystem in a directory; type=tar: the same as one tar. Made
   * from the layers in the content store (whiteouts applied), never from a snapshot on disk.
   */
  private static void writeFilesystem(Output o, StorageRoot store, SolvedImage image) throws IOException {
    ImageManifest m = Json.read(store.content().read(image.manifest().digest()), ImageManifest.class,
        "manifest " + image.manifest().digest());
    RootfsExport export = new RootfsExport(store.content(), m.layers(), image.imageConfig().diffIds());
    if (o.type().equals("local")) {
      export.toDirectory(Path.of(o.dest()));
    } else {
      writeFile(o, export::toTar);
    }
  }

  @FunctionalInterface
  private interface StreamWriter {
    void write(OutputStream out) throws IOException;
  }

  /** dest=- streams to stdout; else a temporary file beside dest, renamed into place when complete. */
  private static void writeFile(Output o, StreamWriter writer) throws IOException {
    if (o.dest().equals("-")) {
      OutputStream out = System.out;
      writer.write(out);
      out.flush();
      return;
    }
    Path dest = Path.of(o.dest()).toAbsolutePath();
    Path dir = dest.getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + dest.getFileName(), ".partial");
    try {
      try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
        writer.write(out);
      }
      Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void write(String type, StorageRoot store, Descriptor manifest, List<ImageReference> refs, OutputStream out)
      throws IOException {
    if (type.equals("oci")) {
      OciArchiveWriter.write(store.content(), manifest, refs, out);
    } else {
      DockerArchiveWriter.write(store.content(), manifest, refs, out);
    }
  }

  /** Turns solver callbacks into numbered BuildEvents, and formats failures with their source. */
  private static final class Events implements SolveListener {
    private final BuildListener listener;
    private final String[] lines;
    private final Map<Vertex, Integer> numbers = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();
    final AtomicInteger run = new AtomicInteger();
    final AtomicInteger cached = new AtomicInteger();

    Events(BuildListener listener, byte[] dockerfile) {
      this.listener = listener;
      this.lines = new String(dockerfile, StandardCharsets.UTF_8).split("\r?\n", -1);
    }

    private int number(Vertex v) {
      return numbers.computeIfAbsent(v, k -> next.incrementAndGet());
    }

    @Override
    public void stepStarted(Vertex v) {
      run.incrementAndGet();
      listener.onEvent(new BuildEvent.StepStarted(System.nanoTime(), number(v), v.name(),
          v.location() == null ? null : v.location().toString()));
    }

    @Override
    public void stepCached(Vertex v) {
      cached.incrementAndGet();
      listener.onEvent(new BuildEvent.StepCached(System.nanoTime(), number(v), v.name()));
    }

    @Override
    public void stepLog(Vertex v, String stream, String line) {
      listener.onEvent(new BuildEvent.StepLog(System.nanoTime(), number(v), stream, line));
    }

    @Override
    public void stepFinished(Vertex v, long nanos) {
      listener.onEvent(new BuildEvent.StepFinished(System.nanoTime(), number(v), nanos));
    }

    @Override
    public void stepFailed(Vertex v, Throwable error) {
      StepFailedException s = error instanceof StepFailedException f ? f : null;
      listener.onEvent(new BuildEvent.StepFailed(System.nanoTime(), number(v), error.getMessage(),
          s == null ? -1 : s.exitCode(), s == null ? List.of() : s.lastLines()));
    }

    @Override
    public void info(String message) {
      listener.onEvent(new BuildEvent.Info(System.nanoTime(), message));
    }

    /**
     * BuildKit's failure block: the Dockerfile location, the instruction's lines with a marker,
     * then the error.
     */
    String describeFailure(StepFailedException e) {
      StringBuilder b = new StringBuilder();
      SourceLocation loc = e.vertex() == null ? null : e.vertex().location();
      if (loc != null) {
        b.append(loc.file()).append(':').append(loc.startLine()).append('\n');
        b.append("--------------------\n");
        int from = Math.max(1, loc.startLine() - 2);
        int to = Math.min(lines.length, Math.max(loc.endLine(), loc.startLine()) + 1);
        for (int i = from; i <= to; i++) {
          boolean mark = i >= loc.startLine() && i <= Math.max(loc.endLine(), loc.startLine());
          b.append(String.format("%4d | %s%s%n", i, mark ? ">>> " : "    ", lines[i - 1]));
        }
        b.append("--------------------\n");
      }
      b.append("failed to solve: ").append(e.getMessage());
      return b.toString();
    }
  }
}
