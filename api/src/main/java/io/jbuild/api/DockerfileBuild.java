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
import io.jbuild.cache.GarbageCollector;
import io.jbuild.cache.StorageRoot;
import io.jbuild.cache.remote.CacheExporter;
import io.jbuild.cache.remote.CacheRecord;
import io.jbuild.cache.remote.CacheStorage;
import io.jbuild.cache.remote.ImportedCache;
import io.jbuild.cache.remote.LocalCacheStorage;
import io.jbuild.builder.remote.RegistryCacheStorage;
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
import io.jbuild.oci.Digest;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.ImageConfig;
import io.jbuild.oci.ImageIndex;
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
  private final Map<String, Path> secrets = new LinkedHashMap<>();
  private final List<Output> outputs = new ArrayList<>();
  private final List<String> cacheFrom = new ArrayList<>();
  private final List<String> cacheTo = new ArrayList<>();
  private final java.util.Set<String> noCacheFilter = new java.util.LinkedHashSet<>();
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
  /** The Dockerfile's warnings of this build, for its shortcut record. */
  private final List<BuildEvent.Warning> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
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

  /**
   * {@code --secret id=ID,src=FILE}: a secret RUN {@code --mount=type=secret,id=ID} can read. Its
   * content is read when the step runs and never enters the image, the cache key or the history.
   */
  public DockerfileBuild secret(String id, Path file) {
    secrets.put(id, file);
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

  /**
   * {@code --no-cache-filter STAGE} (repeatable): the RUN, COPY and ADD steps of these stages run
   * even when cached; other stages still use the cache, and a step built on or reading a step
   * that ran again runs again only when that step's layer came out different. Stage names match
   * case-insensitively; a name no stage has fails the build as invalid input.
   */
  public DockerfileBuild noCacheFilter(String... stages) {
    noCacheFilter.addAll(List.of(stages));
    return this;
  }

  /**
   * {@code --cache-from type=registry,ref=R} or {@code type=local,src=DIR} (repeatable): a cache
   * another machine exported; a step the local cache misses is looked up there. A cache that
   * cannot be read is a warning, not a failure.
   */
  public DockerfileBuild cacheFrom(String spec) {
    cacheFrom.add(spec);
    return this;
  }

  /**
   * {@code --cache-to type=registry,ref=R[,mode=min|max]} or {@code type=local,dest=DIR}
   * (repeatable): export this build's cache records and layers there (docs/cache-format.md).
   */
  public DockerfileBuild cacheTo(String spec) {
    cacheTo.add(spec);
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

  /**
   * The build graph the Dockerfile converts to, as JSON (for {@code jbuild debug graph}): every
   * vertex once, inputs before the vertices that use them, with its digest, op and location.
   * Base images are resolved (local store, then registry) but nothing is built.
   */
  public String graphJson() throws BuildException {
    byte[] text = readDockerfile();
    StorageRoot store = openRoot();
    ImagePuller puller = new ImagePuller(store.content(), new RegistryAccess(RegistryConfig.defaults()));
    ImageTarget t = convert(text, dockerfileName(), store, new ImageStore(store), puller);
    List<Map<String, Object>> vertices = new ArrayList<>();
    java.util.Set<Vertex> seen = new java.util.HashSet<>();
    java.util.ArrayDeque<Vertex> todo = new java.util.ArrayDeque<>();
    List<Vertex> order = new ArrayList<>();
    todo.push(t.root());
    // iterative post-order: inputs first
    java.util.Map<Vertex, Boolean> expanded = new java.util.HashMap<>();
    while (!todo.isEmpty()) {
      Vertex v = todo.peek();
      if (seen.contains(v)) {
        todo.pop();
        continue;
      }
      if (expanded.putIfAbsent(v, Boolean.TRUE) == null) {
        for (Vertex in : v.inputs()) {
          if (!seen.contains(in)) {
            todo.push(in);
          }
        }
        continue;
      }
      todo.pop();
      seen.add(v);
      order.add(v);
    }
    for (Vertex v : order) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("digest", v.digest().toString());
      m.put("name", v.name());
      m.put("type", v.op().getClass().getSimpleName());
      m.put("op", v.op());
      m.put("inputs", v.inputs().stream().map(i -> i.digest().toString()).toList());
      if (v.location() != null) {
        m.put("location", v.location().toString());
      }
      if (v.ignoreCache()) {
        m.put("ignoreCache", true);
      }
      vertices.add(m);
    }
    Map<String, Object> graph = new LinkedHashMap<>();
    graph.put("target", t.stageName());
    graph.put("root", t.root().digest().toString());
    graph.put("vertices", vertices);
    graph.put("config", t.config());
    try {
      return io.jbuild.oci.Json.writePretty(graph);
    } catch (IllegalStateException e) {
      String why = e.getCause() == null ? e.getMessage() : e.getCause().getMessage();
      throw new BuildException(BuildException.Kind.ENVIRONMENT, "cannot write the graph: " + why, e);
    }
  }

  private byte[] readDockerfile() throws BuildException {
    if (!Files.isDirectory(context)) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT,
          "context directory \"" + context + "\" does not exist or is not a directory: the last argument of a build "
          + "is the directory with the files COPY and ADD read, usually . (jbuild build -t NAME .)", null);
    }
    if (dockerfileContent != null) {
      return dockerfileContent;
    }
    Path dockerfilePath = dockerfilePath();
    try {
      return Files.readAllBytes(dockerfilePath);
    } catch (NoSuchFileException e) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT, "failed to read the Dockerfile: "
          + dockerfilePath + " does not exist (use -f to name another file)", e);
    } catch (IOException e) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT, "failed to read the Dockerfile "
          + dockerfilePath + ": " + e.getMessage(), e);
    }
  }

  private Path dockerfilePath() {
    return dockerfile != null ? dockerfile : context.resolve("Dockerfile");
  }

  private String dockerfileName() {
    return dockerfileContent != null ? "Dockerfile" : dockerfilePath().getFileName().toString();
  }

  private StorageRoot openRoot() throws BuildException {
    try {
      return StorageRoot.open(root);
    } catch (UncheckedIOException e) {
      throw new BuildException(BuildException.Kind.ENVIRONMENT, e.getMessage(), e);
    }
  }

  /** Dockerfile to graph: .dockerignore read, base images resolved per --pull, --label applied. */
  private ImageTarget convert(byte[] text, String fileName, StorageRoot store, ImageStore images, ImagePuller puller)
      throws BuildException {
    return convert(text, fileName, store, new BaseImageResolver(images, store.content(), puller, pull));
  }

  private ImageTarget convert(byte[] text, String fileName, StorageRoot store, BaseImageResolver resolver)
      throws BuildException {
    ImageTarget imageTarget;
    try {
      List<String> ignore = DockerIgnore.read(context, dockerfileContent != null ? null : dockerfilePath());
      ConvertRequest request = new ConvertRequest(text, fileName, Map.copyOf(buildArgs), target, platform,
          Platform.host(), ignore, resolver,
          f -> {
            BuildEvent.Warning w = new BuildEvent.Warning(System.nanoTime(), f.rule() + ": " + f.message(),
                f.fileName() + ":" + f.line());
            warnings.add(w);
            listener.onEvent(w);
          }, noCacheFilter);
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
    return imageTarget;
  }

  public BuildResult build() throws BuildException {
    StorageRoot store = openRoot();
    // held until the image is named: a concurrent prune must not take blobs of a build in flight
    GarbageCollector.Lock gcLock;
    try {
      gcLock = GarbageCollector.lockShared(store);
    } catch (IOException e) {
      throw new BuildException(BuildException.Kind.ENVIRONMENT, "cannot lock " + store.dir() + ": " + e.getMessage(), e);
    }
    BuildResult result;
    try {
      result = build(store);
    } finally {
      try {
        gcLock.close();
      } catch (IOException e) {
        // released with the process anyway
      }
    }
    try {
      Maintenance.automaticGc(store);
    } catch (IOException | RuntimeException e) {
      listener.onEvent(new BuildEvent.Warning(System.nanoTime(), "automatic GC failed: " + e.getMessage(), null));
    }
    return result;
  }

  private BuildResult build(StorageRoot store) throws BuildException {
    long t0 = System.nanoTime();
    warnings.clear();
    byte[] text = readDockerfile();
    String fileName = dockerfileName();
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

    try {
      // what killed builds left (mounts, RUN processes, work dirs) goes first, whichever way
      // this build is answered: from its shortcut record or by the solver
      io.jbuild.builder.TmpJanitor.cleanStale(store.tmp());
    } catch (IOException | RuntimeException e) {
      throw environment("cannot clean up after earlier builds", e, root.resolve("tmp"));
    }
    BuildShortcut shortcut = shortcut(store, text, outs);
    if (shortcut != null) {
      try {
        BuildResult r = shortcut.replay(refs, listener, t0);
        if (r != null) {
          return r;
        }
      } catch (IOException | RuntimeException e) {
        throw environment("build failed", e, root);
      }
    }

    // the records a build reads first (base manifests and configs) and writes (its image), while
    // the Dockerfile is parsed and the registry asked
    Json.prepareInBackground(ImageManifest.class, ImageIndex.class, ImageConfig.class);
    RegistryAccess registry = new RegistryAccess(RegistryConfig.defaults());
    ImagePuller puller = new ImagePuller(store.content(), registry);
    ImageStore images = new ImageStore(store);
    Events events = new Events(listener, text);
    List<CacheSpec> cacheExports = new ArrayList<>();
    for (String c : cacheTo) {
      cacheExports.add(CacheSpec.parse(c, true));
    }
    ImportedCache importedCache = importCaches(registry);
    Map<CacheSpec, List<CacheRecord>> cacheRecords = new LinkedHashMap<>();

    BaseImageResolver resolver = new BaseImageResolver(images, store.content(), puller, pull);

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
    java.util.Set<Digest> keysUsed;
    SolveOptions options = new SolveOptions(Map.of("context", context.toAbsolutePath()), runtime, layerCompression(outs),
        epoch, jobs, noCache, secrets);
    Solver early;
    try {
      early = new Solver(store, puller, options, events);
    } catch (IOException | RuntimeException e) {
      throw environment("build failed", e, root.resolve("tmp"));
    }
    ImageTarget imageTarget;
    try {
      if (importedCache.isEmpty()) {
        // a base pulled now is unpacked while the rest of the Dockerfile converts (Solver.prewarm)
        resolver.onPull(new BaseImageResolver.PullListener() {
          @Override
          public void manifest(ImageReference ref, ImageManifest manifest) {
            early.prefetchLayers(ref, manifest);
          }

          @Override
          public void pulled(io.jbuild.builder.pull.PulledImage p) {
            early.prewarm(p.reference(), p.manifestDescriptor().digest(), p.manifest(), p.config().diffIds());
          }
        });
      }
      String base = BaseHint.firstBase(text, buildArgs);
      if (base != null) {
        resolver.resolveEarly(base, platform); // while the Dockerfile is parsed and converted
      }
      imageTarget = convert(text, fileName, store, resolver);
    } catch (BuildException | RuntimeException e) {
      early.close();
      throw e;
    } finally {
      resolver.onPull(null);
    }
    try (Solver s = early) {
      solver = s;
      s.explainAgainst(context.toAbsolutePath().normalize() + "\0" + (dockerfileContent != null ? "-" : dockerfilePath().toAbsolutePath().normalize())
          + "\0" + (target == null ? "" : target));
      if (cancelled) {
        throw new InterruptedException();
      }
      s.importCache(importedCache);
      image = s.solve(imageTarget);
      keysUsed = s.keysUsed();
      for (CacheSpec c : cacheExports) {
        cacheRecords.put(c, s.cacheRecords(imageTarget, c.max()));
      }
    } catch (StepFailedException e) {
      if (cancelled) {
        // Ctrl-C on a terminal also reaches the container, which may die of it before it is killed
        throw new BuildException(BuildException.Kind.CANCELLED, "build cancelled", e);
      }
      String full = noSpace(e, store.tmp());
      if (full != null) {
        // a step that failed because the disk filled up: say which disk, after where
        throw new BuildException(BuildException.Kind.ENVIRONMENT, events.describeFailure(e) + "\n" + full, e);
      }
      throw new BuildException(BuildException.Kind.STEP_FAILED, events.describeFailure(e), e.exitCode(), e.lastLines(), e);
    } catch (InterruptedException e) {
      throw new BuildException(BuildException.Kind.CANCELLED, "build cancelled", e);
    } catch (IOException | RuntimeException e) {
      if (cancelled) {
        throw new BuildException(BuildException.Kind.CANCELLED, "build cancelled", e);
      }
      throw environment("build failed", e, root.resolve("tmp"));
    } finally {
      solver = null;
    }

    List<String> outputsDone = new ArrayList<>();
    List<String> pushed = new ArrayList<>();
    Descriptor tagged = null;
    Path exportDir = root;
    try {
      // layers answered by --cache-from that no step mounted: every output reads them from the store
      for (Descriptor l : Json.read(store.content().read(image.manifest().digest()), ImageManifest.class,
          "manifest " + image.manifest().digest()).layers()) {
        importedCache.fetch(l, store.content());
      }
    } catch (IOException | RuntimeException e) {
      throw environment("cannot fetch the image's layers from the imported cache", e, root);
    }
    exportCaches(cacheRecords, store, registry, importedCache, events);
    try {
      resolver.nameCompletePulls();
      Output pushOutput = null;
      for (Output o : outs) {
        ExportVariant variant = ExportVariant.of(o);
        switch (o.type()) {
          case "image" -> {
            String names = String.join(", ", refs.stream().map(ImageReference::familiar).toList());
            int step = events.begin("exporting to image" + (refs.isEmpty() ? "" : " " + names));
            long s0 = System.nanoTime();
            Descriptor m = variant.apply(store.content(), image.manifest());
            for (ImageReference r : refs) {
              images.tag(r, m);
            }
            tagged = m;
            events.end(step, s0);
            outputsDone.add("image" + (refs.isEmpty() ? "" : " " + names));
            if (pushOutput == null) {
              pushOutput = o;
            }
          }
          case "oci", "docker" -> {
            exportDir = o.dest().equals("-") ? root : Path.of(o.dest()).toAbsolutePath().getParent();
            int step = events.begin("exporting to " + o.type() + " image format " + o.dest());
            long s0 = System.nanoTime();
            writeArchive(o, store, variant.apply(store.content(), image.manifest()), refs,
                new Progress(listener, step, "layers", o.type().equals("oci") ? image.layersSize() : -1));
            events.end(step, s0);
            outputsDone.add(o.type() + " " + o.dest());
          }
          case "local", "tar" -> {
            exportDir = o.dest().equals("-") ? root : Path.of(o.dest()).toAbsolutePath().getParent();
            int step = events.begin("exporting to " + o.type() + " " + o.dest());
            long s0 = System.nanoTime();
            writeFilesystem(o, store, image, new Progress(listener, step, "bytes", -1));
            events.end(step, s0);
            outputsDone.add(o.type() + " " + o.dest());
          }
          case "registry" -> {
            pushed.addAll(pushAll(store, registry, variant.apply(store.content(), image.manifest()), refs, events));
            outputsDone.add("registry");
          }
          default -> throw new BuildException(BuildException.Kind.INVALID_INPUT,
              "--output type=" + o.type() + " is not supported; use type=image, oci, docker, local, tar or registry", null);
        }
        exportDir = root;
      }
      if (push && outs.stream().noneMatch(o -> o.type().equals("registry"))) {
        // --push is type=image,push=true: the image output's attributes apply to what is pushed
        ExportVariant variant = pushOutput == null ? ExportVariant.DEFAULT : ExportVariant.of(pushOutput);
        pushed.addAll(pushAll(store, registry, variant.apply(store.content(), image.manifest()), refs, events));
        outputsDone.add("registry");
      }
    } catch (IOException | RuntimeException e) {
      throw environment("export failed", e, exportDir);
    }
    if (shortcut != null) {
      leaveShortcut(shortcut, store, imageTarget, resolver, image, tagged, keysUsed, events);
    }
    return new BuildResult(image.config().digest(), image.manifest(),
        refs.stream().map(ImageReference::familiar).toList(), image.layersSize(),
        System.nanoTime() - t0, events.run.get(), events.cached.get(), outputsDone, pushed);
  }

  /**
   * What the steps write their layers in: zstd when every output that carries layers (image,
   * oci, docker, registry, --push) asks for zstd at its default level, so that each layer is
   * compressed once instead of in gzip and again at the export; gzip otherwise. Cached layers
   * keep what they were written in; an export re-encodes those that differ (ExportVariant).
   */
  private Compression layerCompression(List<Output> outs) throws BuildException {
    boolean zstd = false;
    boolean imageOrRegistry = false;
    for (Output o : outs) {
      if (o.type().equals("local") || o.type().equals("tar")) {
        continue;
      }
      ExportVariant v = ExportVariant.of(o);
      if (v.compression() != Compression.ZSTD || v.level() != null) {
        return Compression.GZIP;
      }
      zstd = true;
      imageOrRegistry |= o.type().equals("image") || o.type().equals("registry");
    }
    // --push without an image or registry output pushes the default variant: gzip
    return zstd && (!push || imageOrRegistry) ? Compression.ZSTD : Compression.GZIP;
  }

  /**
   * The {@link BuildShortcut} of this request, or null when it may not be answered from one:
   * a result that depends on more than the request and the context (--no-cache, --pull always,
   * caches from elsewhere, secrets), or an output other than the local image store.
   */
  private BuildShortcut shortcut(StorageRoot store, byte[] text, List<Output> outs) throws BuildException {
    if (noCache || !noCacheFilter.isEmpty() || pull == PullPolicy.ALWAYS || push || !cacheFrom.isEmpty() || !cacheTo.isEmpty()
        || !secrets.isEmpty() || dockerfileContent != null
        || outs.stream().anyMatch(o -> !o.type().equals("image") || !o.attributes().isEmpty())) {
      return null;
    }
    StringBuilder request = new StringBuilder(1024);
    try {
      List<String> ignore = DockerIgnore.read(context, dockerfilePath());
      request.append("context ").append(context.toAbsolutePath().normalize()).append('\n')
          .append("dockerfile ").append(dockerfilePath().toAbsolutePath().normalize()).append(' ')
          .append(Digest.sha256(text)).append('\n')
          .append("target ").append(target).append('\n')
          .append("platform ").append(platform).append('\n')
          .append("pull ").append(pull).append('\n')
          .append("epoch ").append(sourceDateEpoch).append('\n');
      for (String i : ignore) {
        request.append("ignore ").append(BuildShortcut.oneLine(i)).append('\n');
      }
      new TreeMap<>(buildArgs).forEach((k, v) -> request.append("arg ").append(BuildShortcut.oneLine(k)).append('=')
          .append(BuildShortcut.oneLine(v)).append('\n'));
      new TreeMap<>(labels).forEach((k, v) -> request.append("label ").append(BuildShortcut.oneLine(k)).append('=')
          .append(BuildShortcut.oneLine(v)).append('\n'));
      return BuildShortcut.of(store, request.toString(), context, ignore);
    } catch (IOException | RuntimeException e) {
      return null; // the build reads the context and .dockerignore itself and says what is wrong
    }
  }

  /**
   * Writes the shortcut record of a finished build when the next identical request may be
   * answered from it: every base image came from the local store, no source outside the context
   * (ADD of a URL, git) was read, and the image output stored the solved manifest unchanged.
   */
  private void leaveShortcut(BuildShortcut shortcut, StorageRoot store, ImageTarget imageTarget,
      BaseImageResolver resolver, SolvedImage image, Descriptor tagged, java.util.Set<Digest> keysUsed, Events events) {
    try {
      Map<String, String> bases = resolver.localStates();
      if (bases == null || tagged == null || !tagged.digest().equals(image.manifest().digest())
          || reads(imageTarget.root(), io.jbuild.graph.HttpOp.class) || reads(imageTarget.root(), io.jbuild.graph.GitOp.class)) {
        shortcut.forget();
        return;
      }
      ImageManifest manifest = Json.read(store.content().read(image.manifest().digest()), ImageManifest.class,
          "manifest " + image.manifest().digest());
      List<Digest> blobs = new ArrayList<>();
      blobs.add(image.manifest().digest());
      blobs.add(manifest.config().digest());
      manifest.layers().forEach(l -> blobs.add(l.digest()));
      shortcut.record(new BuildShortcut.Outcome(image.manifest(), image.config().digest(), image.layersSize(),
          new String(Json.write(tagged), StandardCharsets.UTF_8), bases, keysUsed, blobs, events.stepNames(),
          List.copyOf(warnings)));
    } catch (IOException | RuntimeException e) {
      // no record: the next build takes the normal way
      listener.onEvent(new BuildEvent.Warning(System.nanoTime(), "could not record the build for the next one: "
          + e.getMessage(), null));
    }
  }

  /** Whether the graph below {@code root} has a vertex of the op type. */
  private static boolean reads(Vertex root, Class<?> op) {
    java.util.Set<Vertex> seen = new java.util.HashSet<>();
    java.util.ArrayDeque<Vertex> todo = new java.util.ArrayDeque<>();
    todo.push(root);
    while (!todo.isEmpty()) {
      Vertex v = todo.pop();
      if (seen.add(v)) {
        if (op.isInstance(v.op())) {
          return true;
        }
        v.inputs().forEach(todo::push);
      }
    }
    return false;
  }

  /** Reads the --cache-from caches; one that cannot be read is a warning and the build goes on. */
  private ImportedCache importCaches(RegistryAccess registry) throws BuildException {
    List<CacheStorage> sources = new ArrayList<>();
    for (String c : cacheFrom) {
      sources.add(cacheStorage(CacheSpec.parse(c, false), registry));
    }
    if (sources.isEmpty()) {
      return ImportedCache.empty();
    }
    return ImportedCache.load(sources, (s, e) -> listener.onEvent(new BuildEvent.Warning(System.nanoTime(),
        "--cache-from " + s.describe() + " not used: " + e.getMessage(), null)));
  }

  /** Writes each --cache-to; a failure fails the build and names the cache (BuildKit does the same). */
  private void exportCaches(Map<CacheSpec, List<CacheRecord>> records, StorageRoot store, RegistryAccess registry,
      ImportedCache imported, Events events) throws BuildException {
    CacheExporter exporter = new CacheExporter(store.content(), imported);
    for (Map.Entry<CacheSpec, List<CacheRecord>> e : records.entrySet()) {
      CacheSpec c = e.getKey();
      int step = events.begin("exporting cache to " + c.describe() + (c.max() ? " (mode=max)" : ""));
      long s0 = System.nanoTime();
      try {
        exporter.export(e.getValue(), cacheStorage(c, registry));
      } catch (IOException | RuntimeException ex) {
        throw new BuildException(BuildException.Kind.ENVIRONMENT, "failed to export the cache to " + c.describe()
            + ": " + ex.getMessage() + " (check the reference and the credentials for it, e.g. jbuild login)", ex);
      }
      events.end(step, s0);
    }
  }

  private static CacheStorage cacheStorage(CacheSpec c, RegistryAccess registry) throws BuildException {
    if (c.type().equals("local")) {
      return new LocalCacheStorage(Path.of(c.location()));
    }
    try {
      return new RegistryCacheStorage(registry, ImageReference.parse(c.location()));
    } catch (InvalidContentException e) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT, "invalid cache reference \"" + c.location() + "\": "
          + e.getMessage(), e);
    }
  }

  /**
   * An environment failure for people: a full disk names the directory that filled up and what
   * to do, the rest keeps its cause's message.
   */
  private static BuildException environment(String what, Exception e, Path dir) {
    String full = noSpace(e, dir);
    return new BuildException(BuildException.Kind.ENVIRONMENT, what + ": " + (full != null ? full : e.getMessage()), e);
  }

  /** "no space left on device in DIR (...): what to do", when that is what went wrong; else null. */
  private static String noSpace(Throwable e, Path dir) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && m.contains("No space left on device")) {
        return "no space left on device in " + dir.toAbsolutePath() + " (" + m + "): free space there, remove unused "
            + "images (jbuild rmi, jbuild prune), or point --root / JBUILD_ROOT (or the output's dest) at a bigger disk";
      }
    }
    return null;
  }

  private List<String> pushAll(StorageRoot store, RegistryAccess registry, Descriptor manifest, List<ImageReference> refs, Events events)
      throws IOException {
    ImagePusher pusher = new ImagePusher(store.content(), registry);
    List<String> pushed = new ArrayList<>();
    for (ImageReference r : refs) {
      int step = events.begin("pushing " + r.familiar());
      long s0 = System.nanoTime();
      Digest digest = pusher.push(manifest, r);
      events.end(step, s0);
      pushed.add(r + "@" + digest);
    }
    return pushed;
  }

  /** Writes an archive to a temporary file beside dest and renames it: never a half-written dest. */
  private static void writeArchive(Output o, StorageRoot store, Descriptor manifest, List<ImageReference> refs,
      Progress progress) throws IOException {
    writeFile(o, progress, out -> write(o.type(), store, manifest, refs, out));
  }

  /**
   * type=local: the image's final filesystem in a directory; type=tar: the same as one tar. Made
   * from the layers in the content store (whiteouts applied), never from a snapshot on disk.
   */
  private static void writeFilesystem(Output o, StorageRoot store, SolvedImage image, Progress progress) throws IOException {
    ImageManifest m = Json.read(store.content().read(image.manifest().digest()), ImageManifest.class,
        "manifest " + image.manifest().digest());
    RootfsExport export = new RootfsExport(store.content(), m.layers(), image.imageConfig().diffIds());
    if (o.type().equals("local")) {
      export.toDirectory(Path.of(o.dest()));
    } else {
      writeFile(o, progress, export::toTar);
    }
  }

  @FunctionalInterface
  private interface StreamWriter {
    void write(OutputStream out) throws IOException;
  }

  /** dest=- streams to stdout; else a temporary file beside dest, renamed into place when complete. */
  private static void writeFile(Output o, Progress progress, StreamWriter writer) throws IOException {
    if (o.dest().equals("-")) {
      OutputStream out = progress.counting(System.out);
      writer.write(out);
      out.flush();
      return;
    }
    Path dest = Path.of(o.dest()).toAbsolutePath();
    Path dir = dest.getParent();
    Files.createDirectories(dir);
    Path tmp = io.jbuild.cache.AtomicFiles.tempFile(dir, "." + dest.getFileName(), ".partial");
    try {
      try (OutputStream out = progress.counting(new java.io.BufferedOutputStream(io.jbuild.cache.AtomicFiles.output(tmp), 1 << 16))) {
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

  /** Reports the bytes a step writes as {@link BuildEvent.Progress}: every 256 KiB and on flush. */
  private record Progress(BuildListener listener, int step, String what, long total) {
    OutputStream counting(OutputStream target) {
      return new java.io.FilterOutputStream(target) {
        private long count;
        private long reported = -1;

        @Override
        public void write(int b) throws IOException {
          out.write(b);
          count++;
          report(false);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
          count += len;
          report(false);
        }

        @Override
        public void flush() throws IOException {
          out.flush();
          report(true);
        }

        private void report(boolean always) {
          if (count != reported && (always || reported < 0 || count - reported >= (256 << 10))) {
            reported = count;
            listener.onEvent(new BuildEvent.Progress(System.nanoTime(), step, what, count, total));
          }
        }
      };
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

    private final Map<Integer, String> names = new java.util.concurrent.ConcurrentSkipListMap<>();

    private int number(Vertex v) {
      return numbers.computeIfAbsent(v, k -> {
        int n = next.incrementAndGet();
        if (!(v.op() instanceof io.jbuild.graph.ImageOp)) {
          // a FROM is a step only when its layers are fetched: a rebuild would not show it
          names.put(n, v.name());
        }
        return n;
      });
    }

    /** The names of the build's vertex steps, by number (exports and pushes are no vertices). */
    List<String> stepNames() {
      return List.copyOf(names.values());
    }

    /** Starts a step that is no vertex (an export, a push) and returns its number. */
    int begin(String name) {
      int n = next.incrementAndGet();
      listener.onEvent(new BuildEvent.StepStarted(System.nanoTime(), n, name, null));
      return n;
    }

    void end(int step, long startNanos) {
      listener.onEvent(new BuildEvent.StepFinished(System.nanoTime(), step, System.nanoTime() - startNanos));
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
    public void cacheMiss(Vertex v, String reason) {
      listener.onEvent(new BuildEvent.StepCacheMiss(System.nanoTime(), number(v), v.name(), reason));
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
      if (!e.lastLines().isEmpty()) {
        // like BuildKit's error block: the step and the tail of its output (up to 20 lines),
        // so the cause is on screen even when the live output scrolled away or was not shown
        b.append("------\n > ").append(e.vertex() == null ? "step" : e.vertex().name()).append(":\n");
        for (String line : e.lastLines()) {
          b.append(line).append('\n');
        }
        b.append("------\n");
      }
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
