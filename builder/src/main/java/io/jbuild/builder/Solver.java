package io.jbuild.builder;

import io.jbuild.builder.copy.ChmodSpec;
import io.jbuild.builder.copy.CopyFiles;
import io.jbuild.builder.copy.RootedPath;
import io.jbuild.builder.copy.SourceChecksum;
import io.jbuild.builder.layer.LayerBlob;
import io.jbuild.builder.layer.LayerUnpacker;
import io.jbuild.builder.layer.LayerWriter;
import io.jbuild.builder.mount.OverlayMount;
import io.jbuild.builder.pull.ImagePuller;
import io.jbuild.builder.run.ContainerRuntime;
import io.jbuild.builder.run.ExecResult;
import io.jbuild.builder.run.ExecSpec;
import io.jbuild.builder.run.Runtimes;
import io.jbuild.builder.user.ResolvedUser;
import io.jbuild.builder.user.UserResolver;
import io.jbuild.cache.CacheIndex;
import io.jbuild.cache.ContentStore;
import io.jbuild.cache.FileHashCache;
import io.jbuild.cache.GarbageCollector;
import io.jbuild.cache.DockerIgnore;
import io.jbuild.cache.StorageRoot;
import io.jbuild.graph.ContextOp;
import io.jbuild.graph.CopyOp;
import io.jbuild.graph.ExecMount;
import io.jbuild.graph.ExecOp;
import io.jbuild.graph.GitOp;
import io.jbuild.graph.HttpOp;
import io.jbuild.graph.InlineFilesOp;
import io.jbuild.graph.ImageOp;
import io.jbuild.graph.ImageTarget;
import io.jbuild.graph.MkdirOp;
import io.jbuild.graph.Op;
import io.jbuild.graph.ScratchOp;
import io.jbuild.graph.Vertex;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageConfig;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a build graph: each vertex once (by digest), independent branches concurrently, at most
 * {@code jobs} steps at a time; on the first failure the other running steps are interrupted
 * (their containers killed, their mounts released) and the failure is thrown.
 *
 * <p>Filesystem results are chains of layers. A layer that was unpacked or built lives in
 * {@code snapshots/<chain id>/fs} and serves as an overlay lower dir; a RUN, COPY or WORKDIR
 * runs on an overlay of its parent's chain with a fresh upper dir, and that upper dir is the new
 * layer (DESIGN.md, "Running RUN steps").
 */
public final class Solver implements AutoCloseable {
  private static final int TAIL_LINES = 20;
  private static final boolean KEEP_EMPTY_LAYERS = true;

  private final java.util.Set<Digest> keysUsed = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final StorageRoot root;
  private final ContentStore store;
  private final ImagePuller puller;
  private final SolveOptions options;
  private final SolveListener listener;
  private final ExecutorService pool;
  private final Semaphore jobs;
  private final Path work;
  private final Map<Digest, CompletableFuture<Result>> results = new ConcurrentHashMap<>();
  private final Map<Digest, CompletableFuture<Path>> unpacked = new ConcurrentHashMap<>();
  private volatile Path stubs;
  /** Manifests of the bases {@link #prewarm} fetches: their FROM still shows as the pull step. */
  private final Set<Digest> prewarmed = ConcurrentHashMap.newKeySet();
  private final Map<Path, FileHashCache> fileHashes = new ConcurrentHashMap<>();
  /** When each layer-producing vertex's result was first made (from the cache record or now). */
  private final Map<Digest, String> createdByVertex = new ConcurrentHashMap<>();
  /** --no-cache-filter: the vertices marked to run even when cached, by digest. */
  private final Set<Digest> ignoreCache = ConcurrentHashMap.newKeySet();
  /**
   * Vertices whose filesystem differs from the one their cached dependants were made on: a step
   * --no-cache-filter ran again that gave another layer, and every step built on top of it.
   */
  private final Set<Digest> changed = ConcurrentHashMap.newKeySet();
  /** Keys of steps that ran in this build with no record of them anywhere (see speculate). */
  private final Set<Digest> missedKeys = ConcurrentHashMap.newKeySet();
  private final CacheIndex cacheIndex;
  private final CacheExplainer explain;
  private final Set<Thread> running = ConcurrentHashMap.newKeySet();
  private final AtomicInteger sequence = new AtomicInteger();
  private final Object cacheMounts = new Object();
  private volatile boolean cancelled;
  private volatile ContainerRuntime runtime;
  /** --cache-from: asked when the local index misses; its blobs are fetched when first read. */
  private volatile io.jbuild.cache.remote.ImportedCache imported = io.jbuild.cache.remote.ImportedCache.empty();

  /** What a COPY --link's key names instead of its parent: no parent at all. */
  private static final Result LINK_PARENT = Result.chain(Digest.sha256("jbuild COPY --link: no parent"), List.of(), false);

  /** One layer of a filesystem chain. */
  record Layer(Digest diffId, Descriptor blob, Digest chainId) {}

  /**
   * What a vertex gives its consumers: a layer chain with the cache key that produced it, or a
   * local directory (contexts, whose consumers checksum the files they read).
   */
  record Result(Digest key, List<Layer> layers, Path directory, List<String> excludes, boolean emptyLayer) {
    static Result chain(Digest key, List<Layer> layers, boolean emptyLayer) {
      return new Result(key, List.copyOf(layers), null, List.of(), emptyLayer);
    }
  }

  /**
   * The cache index's record of a step: its layer, or that it changed nothing, and when it was
   * made (history timestamps come from here, so a rebuild from the cache gives the same image).
   */
  record CachedStep(boolean empty, Digest diffId, Descriptor blob, String created) {}

  public Solver(StorageRoot root, ImagePuller puller, SolveOptions options, SolveListener listener) throws IOException {
    this.root = root;
    this.store = root.content();
    this.puller = puller;
    this.options = options;
    this.listener = listener;
    this.jobs = new Semaphore(options.jobs());
    this.cacheIndex = new CacheIndex(root);
    this.explain = new CacheExplainer(cacheIndex);
    this.pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "jbuild-step");
      t.setDaemon(true);
      return t;
    });
    // the caller has cleared what killed builds left (TmpJanitor.cleanStale) before it started
    this.work = Files.createDirectories(root.tmp().resolve(TmpJanitor.processDirName()));
  }

  /** Builds the target's filesystem and writes its config and manifest to the content store. */
  public SolvedImage solve(ImageTarget target) throws StepFailedException, IOException, InterruptedException {
    Result result;
    markIgnoreCache(target.root());
    prefetchSourceHashes(target.root());
    try {
      result = await(target.root());
      explain.save();
    } finally {
      for (FileHashCache c : fileHashes.values()) {
        c.close();
      }
      fileHashes.clear();
    }
    List<Vertex> chain = target.root().layerChain();
    List<Boolean> emptyByStep = new ArrayList<>();
    List<String> createdByStep = new ArrayList<>();
    for (Vertex v : chain.subList(1, chain.size())) {
      emptyByStep.add(await(v).emptyLayer());
      createdByStep.add(createdByVertex.get(v.digest()));
    }
    return writeImage(target.config(), result.layers(), emptyByStep, createdByStep);
  }

  /**
   * Names this build (context, Dockerfile, target) so that a cache miss can be explained against
   * the last build of the same name ({@code --explain-cache}).
   */
  public void explainAgainst(String buildName) {
    explain.name(buildName);
  }

  /** The caches of --cache-from, asked for a step's key when the local cache index has none. */
  public void importCache(io.jbuild.cache.remote.ImportedCache cache) {
    this.imported = cache;
  }

  /**
   * The cache records of this build's steps for --cache-to, in no particular order: with {@code
   * all} (mode=max) every step of every stage built, else (mode=min) the steps of the target's
   * own layer chain. Call after {@link #solve}.
   */
  public List<io.jbuild.cache.remote.CacheRecord> cacheRecords(ImageTarget target, boolean all) throws IOException {
    List<Digest> vertices = new ArrayList<>();
    if (all) {
      vertices.addAll(results.keySet());
    } else {
      for (Vertex v : target.root().layerChain()) {
        vertices.add(v.digest());
      }
    }
    Map<Digest, io.jbuild.cache.remote.CacheRecord> out = new java.util.LinkedHashMap<>();
    for (Digest d : vertices) {
      CompletableFuture<Result> f = results.get(d);
      Result r = f == null || !f.isDone() || f.isCompletedExceptionally() ? null : f.join();
      if (r == null || r.key() == null || out.containsKey(r.key())) {
        continue;
      }
      // a layer step's key has a record: in the local index, or imported and not fetched yet
      java.util.Optional<byte[]> rec = cacheIndex.get(r.key());
      if (rec.isEmpty()) {
        rec = imported.record(r.key());
      }
      if (rec.isPresent()) {
        CachedStep c = Json.read(rec.get(), CachedStep.class, "cache record " + r.key());
        out.put(r.key(), new io.jbuild.cache.remote.CacheRecord(r.key(), c.empty(), c.diffId(), c.blob(), c.created()));
      }
    }
    return new ArrayList<>(out.values());
  }

  /** Interrupts every running step; the pending solve fails with a cancellation. */
  public void cancel() {
    cancelled = true;
    for (Thread t : running) {
      t.interrupt();
    }
  }

  private Result await(Vertex v) throws StepFailedException, IOException, InterruptedException {
    try {
      return solveAsync(v).get();
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof CompletionException && c.getCause() != null) {
        c = c.getCause();
      }
      if (c instanceof StepFailedException s) {
        throw s;
      }
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof InterruptedException || c instanceof CancellationException) {
        throw new InterruptedException("build cancelled");
      }
      if (c instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException(c);
    }
  }

  private CompletableFuture<Result> solveAsync(Vertex v) {
    CompletableFuture<Result> existing = results.get(v.digest());
    if (existing != null) {
      return existing;
    }
    CompletableFuture<Result> fresh = new CompletableFuture<>();
    existing = results.putIfAbsent(v.digest(), fresh);
    if (existing != null) {
      return existing;
    }
    List<CompletableFuture<Result>> inputs = new ArrayList<>();
    for (Vertex in : v.inputs()) {
      inputs.add(solveAsync(in));
    }
    CompletableFuture.allOf(inputs.toArray(CompletableFuture[]::new)).whenComplete((ok, failure) -> {
      if (failure != null) {
        fresh.completeExceptionally(failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure);
        return;
      }
      pool.execute(() -> {
        Thread me = Thread.currentThread();
        running.add(me);
        try {
          if (cancelled) {
            throw new InterruptedException("build cancelled");
          }
          List<Result> in = new ArrayList<>();
          for (CompletableFuture<Result> f : inputs) {
            in.add(f.join());
          }
          fresh.complete(executeAt(v, in));
        } catch (Throwable t) {
          fresh.completeExceptionally(t);
          if (!(t instanceof InterruptedException)) {
            listener.stepFailed(v, t);
          }
          cancel();
        } finally {
          running.remove(me);
          Thread.interrupted();
        }
      });
    });
    return fresh;
  }

  /**
   * Runs a vertex; a failure of a Dockerfile instruction's step becomes a StepFailedException
   * naming the vertex, so the error shows Dockerfile:LINE like BuildKit's source-mapped errors.
   */
  private Result executeAt(Vertex v, List<Result> in) throws Exception {
    try {
      return execute(v, in);
    } catch (CopyFiles.CopyException e) {
      String m = e.getMessage();
      // BuildKit's wording for a missing COPY source (testCopyParents, errors_test)
      throw new StepFailedException(v, m.endsWith(": not found")
          ? "failed to calculate checksum of ref " + v.digest().shortHex() + "::" + v.digest().shortHex() + ": " + m
          : "failed to copy files: " + m, -1, List.of(), e);
    } catch (IOException e) {
      if (v.location() == null || e instanceof java.nio.channels.ClosedByInterruptException) {
        throw e;
      }
      throw new StepFailedException(v, e.getMessage() == null ? e.toString() : e.getMessage(), -1, List.of(), e);
    }
  }

  private Result execute(Vertex v, List<Result> in) throws Exception {
    // (pattern switches are not in Java 17 without preview: an instanceof chain instead)
    Op op = v.op();
    if (op instanceof ScratchOp) {
      return Result.chain(v.digest(), List.of(), false);
    } else if (op instanceof ContextOp c) {
      return context(c);
    } else if (op instanceof ImageOp i) {
      return image(v, i);
    } else if (op instanceof InlineFilesOp f) {
      return inlineFiles(v, f);
    } else if (op instanceof HttpOp h) {
      return download(v, h);
    } else if (op instanceof GitOp g) {
      return gitCheckout(v, g);
    } else if (op instanceof ExecOp e) {
      return cachedStep(v, key(v, in.get(0), mountsKey(e, in)), in.get(0), dir -> run(v, e, in, dir));
    } else if (op instanceof CopyOp c && c.link()) {
      // COPY --link: the layer is made on an empty filesystem and keyed without the parent's
      // key, so a new base image reuses it and only rebases it (BuildKit's --link: "the layer
      // does not depend on the previous state"; issue 6 item 1)
      return cachedStep(v, key(v, LINK_PARENT, sourceKey(v, c, in.get(1))), in.get(0),
          dir -> copy(v, c, in.get(1), in.get(0), dir));
    } else if (op instanceof CopyOp c && speculate(v, in.get(0), in.get(1))) {
      return speculativeCopy(v, c, in.get(0), in.get(1));
    } else if (op instanceof CopyOp c) {
      return cachedStep(v, key(v, in.get(0), sourceKey(v, c, in.get(1))), in.get(0), dir -> copy(v, c, in.get(1), in.get(0), dir));
    } else if (op instanceof MkdirOp m) {
      return cachedStep(v, key(v, in.get(0), null), in.get(0), dir -> mkdir(m, dir));
    }
    throw new IllegalStateException("no executor for " + op.getClass().getSimpleName());
  }

  /**
   * A step's cache key: the op's definition (as in the vertex digest, proxy variables left
   * out), the key of the filesystem it starts from, and for COPY what it reads.
   */
  private static Digest key(Vertex v, Result parent, Digest source) {
    java.util.Map<String, Object> k = new java.util.LinkedHashMap<>();
    k.put("v", "jbuild-cache-1");
    k.put("type", v.op().getClass().getSimpleName());
    k.put("op", v.op());
    k.put("parent", parent.key().toString());
    if (source != null) {
      k.put("source", source.toString());
    }
    return Digest.sha256(Json.write(k));
  }

  /** Files of at least this size named by a COPY are hashed ahead of their step. */
  private static final long PREFETCH_MIN_BYTES = 4L << 20;

  /** The solver's own daemon threads, made when first used (class initialisation is lazy). */
  private static final class Pools {
    /**
     * Hashes ahead of the steps (prefetchSourceHashes): one thread, in step order, so that the
     * first step's file is ready soonest and the build's own thread keeps a core.
     */
    static final java.util.concurrent.ExecutorService PREFETCH =
        java.util.concurrent.Executors.newFixedThreadPool(1, daemons("jbuild-prefetch"));
    /** Cache keys made beside a speculative COPY (speculativeCopy). */
    static final java.util.concurrent.ExecutorService KEYS =
        java.util.concurrent.Executors.newCachedThreadPool(daemons("jbuild-key"));

    private static java.util.concurrent.ThreadFactory daemons(String name) {
      return r -> {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
      };
    }
  }

  /**
   * Starts hashing the large files that COPY steps name from local contexts, beside the steps
   * before them (FileHashCache#prefetch): a cold build of a context with a 1 GiB file spent
   * 0.75 s hashing it on one core in front of its COPY, the other core idle. Only files named
   * as such (no wildcards, no directories) and not excluded; anything odd is left to the step,
   * which reports it.
   */
  private void prefetchSourceHashes(Vertex target) {
    Set<Digest> seen = new java.util.HashSet<>();
    Deque<Vertex> todo = new ArrayDeque<>(List.of(target));
    List<Vertex> copies = new ArrayList<>();
    while (!todo.isEmpty()) {
      Vertex v = todo.pop();
      if (!seen.add(v.digest())) {
        continue;
      }
      v.inputs().forEach(todo::push);
      if (v.op() instanceof CopyOp && v.inputs().size() >= 2 && v.inputs().get(1).op() instanceof ContextOp) {
        copies.add(v);
      }
    }
    // the walk met each chain's steps last first: hash in the order the steps will want them
    java.util.Collections.reverse(copies);
    for (Vertex v : copies) {
      CopyOp c = (CopyOp) v.op();
      ContextOp ctx = (ContextOp) v.inputs().get(1).op();
      Path dir = options.contexts().get(ctx.name());
      if (dir == null) {
        continue;
      }
      try {
        List<String> patterns = new ArrayList<>(ctx.excludePatterns());
        patterns.addAll(c.excludes());
        SourceChecksum.prefetch(dir, () -> DockerIgnore.matcher(patterns), hashesOf(dir), c.sources(),
            PREFETCH_MIN_BYTES, Pools.PREFETCH);
      } catch (RuntimeException e) {
        // the step itself reads these files and says what is wrong with them
      }
    }
  }

  private FileHashCache hashesOf(Path directory) {
    return fileHashes.computeIfAbsent(directory, d -> {
      try {
        return FileHashCache.open(root, d);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  /** What a COPY reads: a checksum of exactly its files from a local dir, else the source chain's key. */
  private Digest sourceKey(Vertex v, CopyOp op, Result source) throws IOException {
    if (source.directory() == null) {
      explain.sources(v, Map.of("<stage>", source.key().toString()));
      return source.key();
    }
    List<String> patterns = new ArrayList<>(source.excludes());
    patterns.addAll(op.excludes());
    FileHashCache hashes = hashesOf(source.directory());
    // files from a local dir are owned by root or --chown: their owners don't change the output
    SourceChecksum checksum = new SourceChecksum(source.directory(), DockerIgnore.matcher(patterns), hashes, false);
    Digest d = checksum.of(op.sources());
    explain.sources(v, checksum.records());
    return d;
  }

  /**
   * The cache index keys of every step this solver answered or recorded: what a rebuild answered
   * whole from a record (api.BuildShortcut) needs to be still in the index.
   */
  public java.util.Set<Digest> keysUsed() {
    return java.util.Set.copyOf(keysUsed);
  }

  /**
   * The digests of the vertices marked {@link Vertex#ignoreCache()} anywhere in the graph: a
   * vertex is solved once by digest, and one reached from a filtered and an unfiltered stage runs
   * (BuildKit merges the metadata of equal ops the same way).
   */
  private void markIgnoreCache(Vertex root) {
    Set<Digest> seen = new java.util.HashSet<>();
    Deque<Vertex> todo = new ArrayDeque<>(List.of(root));
    while (!todo.isEmpty()) {
      Vertex v = todo.pop();
      if (!seen.add(v.digest())) {
        continue;
      }
      if (v.ignoreCache()) {
        ignoreCache.add(v.digest());
      }
      v.inputs().forEach(todo::push);
    }
  }

  /**
   * Why a step must run although the cache may hold it, or null. Cache keys name definitions, not
   * contents, so a step --no-cache-filter ran again keeps its key; when its layer came out
   * different, what was cached on top of the old one is stale: the steps built on it run too, and
   * so do those reading it (COPY --from, RUN --mount), BuildKit's "dependants run again only when
   * their input changed". A COPY --link does not read its parent: only its source counts.
   */
  private String mustRun(Vertex v) {
    if (ignoreCache.contains(v.digest())) {
      return "--no-cache-filter";
    }
    boolean link = v.op() instanceof CopyOp c && c.link();
    for (int i = link ? 1 : 0; i < v.inputs().size(); i++) {
      if (changed.contains(v.input(i).digest())) {
        return (i == 0 ? "parent" : "source") + " changed (run again by --no-cache-filter)";
      }
    }
    return null;
  }

  /**
   * Whether a COPY from a local directory runs at once, beside the checksum of what it reads,
   * instead of after it: when the step it builds on was a true miss in this build (no record of
   * its key existed), no record of this step can exist either, short of a pruned parent, so the
   * key only names the result. A cold build of a context with a 1 GiB file waited 1 s for its
   * checksum with the copy, the layer and the second core idle.
   */
  private boolean speculate(Vertex v, Result parent, Result source) {
    return source.directory() != null && parent.key() != null && missedKeys.contains(parent.key())
        && mustRun(v) == null && (v.inputs().isEmpty() || !changed.contains(v.input(0).digest()));
  }

  /**
   * A COPY run beside its own cache key (see {@link #speculate}): the key, once known, is
   * recorded as a step that ran. If the key cannot be made (a source missing), that error is the
   * step's, as it would have been without the head start.
   */
  private Result speculativeCopy(Vertex v, CopyOp c, Result parent, Result source) throws Exception {
    CompletableFuture<Digest> keyF = CompletableFuture.supplyAsync(() -> {
      try {
        return key(v, parent, sourceKey(v, c, source));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, Pools.KEYS);
    Result out;
    try {
      out = step(v, null, parent, dir -> copy(v, c, source, parent, dir), null);
    } catch (Exception e) {
      joinKey(keyF); // its failure first: the step would have failed with it before it ran
      throw e;
    }
    Digest key = joinKey(keyF);
    explain.step(v, key, parent.key());
    keysUsed.add(key);
    listener.cacheMiss(v, options.noCache() ? "--no-cache" : explain.why(v));
    missedKeys.add(key);
    recordRun(v, key, out);
    return Result.chain(key, out.layers(), out.emptyLayer());
  }

  private static Digest joinKey(CompletableFuture<Digest> keyF) throws Exception {
    try {
      return keyF.get();
    } catch (ExecutionException e) {
      Throwable t = e.getCause();
      if (t instanceof java.io.UncheckedIOException u) {
        throw u.getCause();
      }
      if (t instanceof Exception ex) {
        throw ex;
      }
      throw new IOException(t);
    }
  }

  /** Answers a step from the cache index when its key is known and its layer blob is still here. */
  private Result cachedStep(Vertex v, Digest key, Result parent, StepBody body) throws Exception {
    explain.step(v, key, parent.key());
    keysUsed.add(key);
    String forced = mustRun(v);
    if (!v.inputs().isEmpty() && changed.contains(v.input(0).digest())) {
      changed.add(v.digest()); // built on a changed filesystem, whether it runs or not (COPY --link)
    }
    CachedStep before = null;
    boolean recorded = false;
    if (!options.noCache()) {
      java.util.Optional<byte[]> hit = cacheIndex.get(key);
      if (hit.isPresent()) {
        cacheIndex.touch(key);
      } else {
        hit = imported.record(key); // --cache-from; its blob is fetched only when a step or the export reads it
      }
      recorded = hit.isPresent();
      if (hit.isPresent() && forced != null) {
        before = Json.read(hit.get(), CachedStep.class, "cache record " + key);
      } else if (hit.isPresent()) {
        CachedStep c = Json.read(hit.get(), CachedStep.class, "cache record " + key);
        if (c.created() != null) {
          createdByVertex.put(v.digest(), c.created());
        }
        if (c.empty()) {
          listener.stepCached(v);
          return Result.chain(key, parent.layers(), true);
        }
        if (store.contains(c.blob().digest()) || imported.hasBlob(c.blob().digest())) {
          listener.stepCached(v);
          List<Layer> layers = new ArrayList<>(parent.layers());
          layers.add(new Layer(c.diffId(), c.blob(), chainId(topChain(parent), c.diffId())));
          return Result.chain(key, layers, false);
        }
      }
    }
    String reason = options.noCache() ? "--no-cache" : forced != null ? forced : explain.why(v);
    if (!recorded && forced == null) {
      missedKeys.add(key); // no record of it existed: a step on top of it is a miss too (speculate)
    }
    Result out = step(v, key, parent, body, reason);
    Layer top = recordRun(v, key, out);
    if (forced != null && (before == null || before.empty() != (top == null)
        || (top != null && !top.diffId().equals(before.diffId())))) {
      changed.add(v.digest());
    }
    return out;
  }

  /** Writes the cache record of a step that ran (its layer, or none, and when); returns the layer. */
  private Layer recordRun(Vertex v, Digest key, Result out) throws IOException {
    Layer top = out.emptyLayer() ? null : out.layers().get(out.layers().size() - 1);
    String created = io.jbuild.oci.Timestamps.now();
    createdByVertex.put(v.digest(), created);
    cacheIndex.put(key, Json.write(top == null ? new CachedStep(true, null, null, created)
        : new CachedStep(false, top.diffId(), top.blob(), created)));
    return top;
  }

  private static Digest topChain(Result r) {
    return r.layers().isEmpty() ? null : r.layers().get(r.layers().size() - 1).chainId();
  }

  private Result context(ContextOp c) throws IOException {
    Path dir = options.contexts().get(c.name());
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IOException("no local directory for the context \"" + c.name() + "\"");
    }
    return new Result(null, List.of(), dir, c.excludePatterns(), false);
  }

  /**
   * Starts fetching the layers of a base image this build is pulling, told by its manifest while
   * the Dockerfile is still being converted: a build that pulls its base needs the layers for the
   * first step that runs, and the conversion leaves a core idle meanwhile. {@link #prewarm}
   * unpacks them too once the config names their diff ids. It is the work {@link #image} and the
   * first step would do, done earlier on a thread of the step pool: both wait for it rather than
   * repeat it (the puller and {@link #unpack} share blobs and snapshots being made), and a failure
   * here is left for them to meet again and report.
   */
  public void prefetchLayers(ImageReference ref, ImageManifest manifest) {
    if (puller == null || cancelled || manifest.layers().stream().allMatch(l -> store.contains(l.digest()))) {
      return;
    }
    background(() -> {
      puller.fetchLayers(ref, manifest);
      return null;
    });
  }

  /** Runs {@code work} on a thread of the step pool (so close() waits for it); its failure is dropped. */
  private void background(java.util.concurrent.Callable<?> work) {
    try {
      pool.submit(() -> {
        try {
          work.call();
        } catch (Exception e) {
          // whoever needs what this made makes it again and reports why not
        }
        return null;
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed meanwhile: nothing to warm for
    }
  }

  /**
   * {@link #prefetchLayers}, then unpacks the layers: called once the config has named their diff
   * ids (a snapshot is named by its chain id). Nothing is done when the top snapshot exists.
   */
  public void prewarm(ImageReference ref, Digest manifestDigest, ImageManifest manifest, List<Digest> diffIds) {
    if (puller == null || cancelled || diffIds.size() != manifest.layers().size()) {
      return;
    }
    List<Layer> layers = new ArrayList<>();
    Digest chain = null;
    for (int i = 0; i < diffIds.size(); i++) {
      chain = chainId(chain, diffIds.get(i));
      layers.add(new Layer(diffIds.get(i), manifest.layers().get(i), chain));
    }
    if (layers.isEmpty() || Files.isDirectory(snapshotDir(chain).resolve("fs"))) {
      return;
    }
    prewarmed.add(manifestDigest);
    background(() -> {
      puller.fetchLayers(ref, manifest);
      for (Layer l : layers) {
        unpack(l);
      }
      return null;
    });
  }

  private Result image(Vertex v, ImageOp op) throws IOException {
    ImageReference ref = ImageReference.parse(op.reference());
    if (!store.contains(op.manifestDigest())) {
      if (puller == null) {
        throw new IOException("image " + op.reference() + " (" + op.manifestDigest() + ") is not in the local store");
      }
      puller.resolve(ref.withDigest(op.manifestDigest()), op.platform());
    }
    ImageManifest manifest = Json.read(store.read(op.manifestDigest()), ImageManifest.class, "manifest of " + op.reference());
    ImageConfig config = Json.read(store.read(manifest.config().digest()), ImageConfig.class, "config of " + op.reference());
    List<Digest> diffIds = config.diffIds();
    if (diffIds.size() != manifest.layers().size()) {
      throw new IOException("image " + op.reference() + " is broken: " + manifest.layers().size()
          + " layers in the manifest but " + diffIds.size() + " diff ids in the config");
    }
    boolean missing = manifest.layers().stream().anyMatch(l -> !store.contains(l.digest()));
    if (missing || prewarmed.contains(op.manifestDigest())) {
      if (puller == null) {
        throw new IOException("layers of " + op.reference() + " are missing from the local store");
      }
      listener.stepStarted(v);
      long t0 = System.nanoTime();
      puller.fetchLayers(ref, manifest);
      listener.stepFinished(v, System.nanoTime() - t0);
    }
    List<Layer> layers = new ArrayList<>();
    Digest chain = null;
    for (int i = 0; i < diffIds.size(); i++) {
      chain = chainId(chain, diffIds.get(i));
      layers.add(new Layer(diffIds.get(i), manifest.layers().get(i), chain));
    }
    return Result.chain(imageKey(chain), layers, false);
  }

  /**
   * A base image's cache key: its filesystem (the chain id of its layers), not the vertex digest,
   * which holds the reference as written (registry host and all) and would make keys differ
   * between machines that pull the same image from different mirrors. BuildKit keys a pulled
   * image by its config's diff ids too (source/containerimage, cacheKeyFromConfig).
   */
  static Digest imageKey(Digest topChainId) {
    return Digest.sha256("jbuild-cache-1 image " + (topChainId == null ? "empty" : topChainId.toString()));
  }

  /** What a layer-producing step does to the mounted rootfs of its parent. */
  @FunctionalInterface
  private interface StepBody {
    void apply(StepDirs dirs) throws Exception;
  }

  /** The working directories of one step, removed when it ends. */
  record StepDirs(Path base, Path rootfs, Path upper) {}

  private Result step(Vertex v, Digest key, Result parent, StepBody body, String missReason) throws Exception {
    jobs.acquire();
    listener.stepStarted(v);
    if (missReason != null) {
      listener.cacheMiss(v, missReason); // after the start: every step's first event is its start
    }
    long t0 = System.nanoTime();
    Path base = Files.createDirectories(work.resolve("step-" + sequence.incrementAndGet()));
    try {
      Path upper = Files.createDirectories(base.resolve("upper"));
      Path rootfs = Files.createDirectories(base.resolve("rootfs"));
      // COPY --link writes into an empty filesystem: the upper dir then holds only its files,
      // with parent directories of its own (0755 root), whatever the base
      boolean link = v.op() instanceof CopyOp c && c.link();
      try (OverlayMount m = OverlayMount.mount(link ? List.of() : lowers(parent.layers()), upper,
          Files.createDirectories(base.resolve("work")), rootfs, mountStubs())) {
        body.apply(new StepDirs(base, rootfs, upper));
      }
      LayerBlob blob = LayerWriter.write(upper, store, options.compression(), options.sourceDateEpoch());
      Result out;
      // BuildKit keeps the layer of a RUN/COPY/WORKDIR that changed nothing (an empty tar, diff
      // id sha256:5f70bf18...): its history entry is not empty_layer (dockerfile_history_test)
      if (blob.empty() && !KEEP_EMPTY_LAYERS) {
        out = Result.chain(key, parent.layers(), true);
      } else {
        Digest chain = chainId(topChain(parent), blob.diffId());
        Path snapshot = snapshotDir(chain);
        if (!Files.isDirectory(snapshot.resolve("fs"))) {
          Path staging = Files.createDirectories(base.resolve("snapshot"));
          Files.move(upper, staging.resolve("fs"));
          publish(staging, snapshot, blob.descriptor().digest());
        }
        unpacked.putIfAbsent(chain, CompletableFuture.completedFuture(snapshot.resolve("fs")));
        List<Layer> layers = new ArrayList<>(parent.layers());
        layers.add(new Layer(blob.diffId(), blob.descriptor(), chain));
        out = Result.chain(key, layers, false);
      }
      listener.stepFinished(v, System.nanoTime() - t0);
      return out;
    } finally {
      jobs.release();
      TmpJanitor.removeTree(base);
    }
  }

  /** What a RUN's mounts read: their inputs' keys, or checksums of the local files they bind. */
  private Digest mountsKey(ExecOp op, List<Result> in) throws IOException {
    List<String> parts = new ArrayList<>();
    for (ExecMount m : op.mounts()) {
      if (m.input() < 1) {
        continue;
      }
      Result r = in.get(m.input());
      if (r.directory() == null) {
        parts.add(m.input() + ":" + r.key());
      } else {
        FileHashCache hashes = fileHashes.computeIfAbsent(r.directory(), d -> {
          try {
            return FileHashCache.open(root, d);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
        parts.add(m.input() + ":" + new SourceChecksum(r.directory(), DockerIgnore.matcher(r.excludes()), hashes, true)
            .of(List.of(m.source())));
      }
    }
    return parts.isEmpty() ? null : Digest.sha256(Json.write(parts));
  }

  /** Here-document files: written once into this build's work dir, read like a local context. */
  private Result inlineFiles(Vertex v, InlineFilesOp op) throws IOException {
    Path dir = Files.createDirectories(work.resolve("inline-" + v.digest().encoded()));
    for (InlineFilesOp.InlineFile f : op.files()) {
      Path p = dir.resolve(f.name());
      Files.writeString(p, f.content(), java.nio.charset.StandardCharsets.UTF_8);
      Files.setAttribute(p, "unix:mode", f.mode());
    }
    return new Result(null, List.of(), dir, List.of(), false);
  }

  /**
   * ADD URL's file, read like a local context: the COPY that consumes it keys on the downloaded
   * content (BuildKit keys an http source by its content digest after the download).
   */
  private Result download(Vertex v, HttpOp op) throws IOException, InterruptedException {
    listener.stepStarted(v);
    long t0 = System.nanoTime();
    Path dir = Files.createDirectories(work.resolve("http-" + v.digest().encoded()));
    new DownloadUrl(root.dir().resolve("sources").resolve("http")).fetch(op, dir);
    listener.stepFinished(v, System.nanoTime() - t0);
    return new Result(null, List.of(), dir, List.of(), false);
  }

  /** ADD git-url's tree, read like a local context. */
  private Result gitCheckout(Vertex v, GitOp op) throws IOException, InterruptedException {
    listener.stepStarted(v);
    long t0 = System.nanoTime();
    Path dir = GitCheckout.checkout(op, Files.createDirectories(work.resolve("git-" + v.digest().encoded())));
    listener.stepFinished(v, System.nanoTime() - t0);
    return new Result(null, List.of(), dir, List.of(), false);
  }

  private void run(Vertex v, ExecOp op, List<Result> in, StepDirs dirs) throws Exception {
    // a RUN for a foreign platform needs an emulator: say which, rather than "exec format error"
    java.util.Optional<String> noEmulator = io.jbuild.builder.run.Emulation.host()
        .missingFor(op.platform(), io.jbuild.oci.Platform.host());
    if (noEmulator.isPresent()) {
      throw new StepFailedException(v, noEmulator.get(), -1, List.of(), null);
    }
    try (RunMounts mounts = RunMounts.prepare(op, in, dirs.base(), dirs.rootfs(), this)) {
      run(v, op, dirs, mounts);
    }
  }

  /** The host side of a RUN's --mounts: overlays and temp files released when the step ends. */
  private static final class RunMounts implements AutoCloseable {
    final List<ExecSpec.Mount> mounts = new ArrayList<>();
    final Map<String, String> env = new java.util.LinkedHashMap<>();
    private final List<OverlayMount> overlays = new ArrayList<>();

    static RunMounts prepare(ExecOp op, List<Result> in, Path base, Path rootfs, Solver solver) throws Exception {
      RunMounts rm = new RunMounts();
      try {
        int i = 0;
        for (ExecMount m : op.mounts()) {
          rm.add(m, m.input() >= 0 ? in.get(m.input()) : null, Files.createDirectories(base.resolve("mount-" + i++)), rootfs, solver);
        }
        return rm;
      } catch (Exception e) {
        rm.close();
        throw e;
      }
    }

    private void add(ExecMount m, Result source, Path dir, Path rootfs, Solver solver) throws Exception {
      switch (m.type()) {
        case "tmpfs" -> mounts.add(new ExecSpec.Mount(m.target(), "tmpfs", null,
            m.size() > 0 ? List.of("size=" + (m.size() / 1024) + "k") : List.of()));
        case "secret" -> {
          Path file = solver.options.secrets().get(m.id());
          if (file == null || !Files.isRegularFile(file)) {
            if (m.required()) {
              throw new IOException("secret " + m.id() + ": not found (give it with --secret id=" + m.id() + ",src=FILE)");
            }
            return;
          }
          byte[] content = Files.readAllBytes(file);
          if (m.env() != null) {
            env.put(m.env(), new String(content, java.nio.charset.StandardCharsets.UTF_8));
          }
          if (m.target() != null) {
            // a private copy with the mount's owner and mode (default root 0400, like BuildKit)
            Path copy = dir.resolve("secret");
            Files.write(copy, content);
            Files.setAttribute(copy, "unix:uid", m.uid() == null ? 0 : m.uid());
            Files.setAttribute(copy, "unix:gid", m.gid() == null ? 0 : m.gid());
            Files.setAttribute(copy, "unix:mode", m.mode() == null ? 0400 : m.mode());
            mounts.add(new ExecSpec.Mount(m.target(), "bind", copy, List.of("ro", "nosuid", "nodev", "noexec")));
          }
        }
        case "cache" -> {
          Path cache = solver.cacheMount(m, source);
          Path host = m.source().isEmpty() ? cache : RootedPath.resolve(cache, m.source(), true);
          if (!Files.isDirectory(host)) {
            throw new IOException("cache mount " + m.id() + ": source " + m.source() + " is not a directory in the cache");
          }
          mounts.add(new ExecSpec.Mount(m.target(), "bind", host, m.readOnly() ? List.of("ro") : List.of()));
        }
        default -> {
          Path root;
          if (source.directory() != null && source.excludes().isEmpty() && m.readOnly()) {
            root = source.directory();
          } else if (source.directory() != null) {
            // .dockerignore hides files from a bind of the context too: bind a filtered copy
            root = Files.createDirectories(dir.resolve("files"));
            new CopyFiles(source.directory(), root, new CopyFiles.Owner(0, 0), null, DockerIgnore.matcher(source.excludes()))
                .copy(List.of("."), "/");
          } else {
            // an image or stage: its layers under a throwaway upper dir (rw writes are discarded)
            root = Files.createDirectories(dir.resolve("rootfs"));
            overlays.add(OverlayMount.mount(solver.lowers(source.layers()), Files.createDirectories(dir.resolve("upper")),
                Files.createDirectories(dir.resolve("work")), root, solver.mountStubs()));
          }
          Path host = m.source().isEmpty() ? root : RootedPath.resolve(root, m.source(), true);
          if (!Files.exists(host)) {
            throw new IOException("mount source \"/" + m.source() + "\": not found");
          }
          mounts.add(new ExecSpec.Mount(m.target(), "bind", host, m.readOnly() ? List.of("ro") : List.of()));
        }
      }
    }

    @Override
    public void close() throws IOException {
      IOException failure = null;
      for (int i = overlays.size() - 1; i >= 0; i--) {
        try {
          overlays.get(i).close();
        } catch (IOException e) {
          failure = e;
        }
      }
      if (failure != null) {
        throw failure;
      }
    }
  }

  /**
   * A cache mount's directory: one per id under the root, kept across builds like BuildKit's
   * cache mounts, created with the mount's owner and mode (default root 0755), seeded from the
   * from= input when new.
   */
  private Path cacheMount(ExecMount m, Result seed) throws Exception {
    // BuildKit bases a cache with uid/gid/mode or from= on that state, which makes it a cache of
    // its own: the id alone names only the default one
    String identity = m.id() + "\u0000" + m.uid() + ":" + m.gid() + ":" + m.mode()
        + (seed == null ? "" : "\u0000" + (seed.key() != null ? seed.key() : seed.directory()));
    Path dir = root.dir().resolve("mounts").resolve("cache").resolve(Digest.sha256(identity).encoded());
    synchronized (cacheMounts) {
      if (!Files.isDirectory(dir)) {
        Path staging = Files.createDirectories(work.resolve("cache-" + sequence.incrementAndGet()));
        Path fs = Files.createDirectory(staging.resolve("fs"));
        if (seed != null && seed.directory() != null) {
          new CopyFiles(seed.directory(), fs, null, null, DockerIgnore.matcher(seed.excludes())).copy(List.of("."), "/");
        } else if (seed != null) {
          Path mnt = Files.createDirectories(staging.resolve("m"));
          try (OverlayMount om = OverlayMount.mount(lowers(seed.layers()), Files.createDirectories(staging.resolve("u")),
              Files.createDirectories(staging.resolve("w")), mnt, mountStubs())) {
            new CopyFiles(mnt, fs, null, null, p -> false).copy(List.of("."), "/");
          }
        }
        Files.setAttribute(fs, "unix:uid", m.uid() == null ? 0 : m.uid());
        Files.setAttribute(fs, "unix:gid", m.gid() == null ? 0 : m.gid());
        Files.setAttribute(fs, "unix:mode", m.mode() == null ? 0755 : m.mode());
        Files.createDirectories(dir.getParent());
        Files.move(fs, dir, StandardCopyOption.ATOMIC_MOVE);
        TmpJanitor.removeTree(staging);
      }
    }
    return dir;
  }

  private void run(Vertex v, ExecOp op, StepDirs dirs, RunMounts mounts) throws Exception {
    ResolvedUser user = UserResolver.resolve(dirs.rootfs(), op.user());
    List<String> env = new ArrayList<>();
    for (String e : op.env()) {
      String k = e.substring(0, Math.max(0, e.indexOf('=')));
      if (!mounts.env.containsKey(k)) {
        env.add(e);
      }
    }
    // a secret's env= overrides the stage's value for this RUN only (testSecretAsEnviron)
    mounts.env.forEach((k, val) -> env.add(k + "=" + val));
    env.addAll(op.proxyEnv());
    Deque<String> tail = new ArrayDeque<>();
    java.util.function.BiConsumer<String, String> sink = (stream, line) -> {
      synchronized (tail) {
        tail.addLast(line);
        if (tail.size() > TAIL_LINES) {
          tail.removeFirst();
        }
      }
      listener.stepLog(v, stream, line);
    };
    Path execDir = Files.createDirectories(dirs.base().resolve("exec"));
    // the primary gid is a supplementary group too (containerd's WithAdditionalGIDs, which
    // BuildKit uses: `id` shows groups=0(root),10(wheel) for root)
    List<Integer> groups = new ArrayList<>();
    groups.add(user.gid());
    for (Integer g : user.additionalGids()) {
      if (!groups.contains(g)) {
        groups.add(g);
      }
    }
    ExecSpec spec = new ExecSpec("jbuild-" + ProcessHandle.current().pid() + "-" + v.digest().encoded().substring(0, 12) + "-" + sequence.incrementAndGet(),
        dirs.rootfs(), op.args(), env, op.cwd(), user.uid(), user.gid(), groups,
        "jbuild", op.network(), execDir, line -> sink.accept("stdout", line), line -> sink.accept("stderr", line),
        mounts.mounts);
    ExecResult result = runtime().run(spec);
    if (result.exitCode() != 0) {
      List<String> lines;
      synchronized (tail) {
        lines = new ArrayList<>(tail);
      }
      throw new StepFailedException(v, "process \"" + String.join(" ", op.args())
          + "\" did not complete successfully: exit code: " + result.exitCode(), result.exitCode(), lines, null);
    }
  }

  private void copy(Vertex v, CopyOp op, Result source, Result parent, StepDirs dirs) throws Exception {
    CopyFiles.Owner owner = null;
    if (op.chown() != null && op.link() && !op.chown().matches("\\d+(:\\d+)?")) {
      // --link's rootfs is empty: names in --chown are still the stage's users (BuildKit
      // resolves them against the stage's state), so read them from the parent
      Path pBase = Files.createDirectories(dirs.base().resolve("parent"));
      Path pRoot = Files.createDirectories(pBase.resolve("rootfs"));
      try (OverlayMount m = OverlayMount.mount(lowers(parent.layers()), Files.createDirectories(pBase.resolve("upper")),
          Files.createDirectories(pBase.resolve("work")), pRoot, mountStubs())) {
        ResolvedUser u = UserResolver.resolve(pRoot, op.chown());
        owner = new CopyFiles.Owner(u.uid(), u.gid());
      }
    } else if (op.chown() != null) {
      ResolvedUser u = UserResolver.resolve(dirs.rootfs(), op.chown());
      owner = new CopyFiles.Owner(u.uid(), u.gid());
    } else if (source.directory() != null) {
      owner = new CopyFiles.Owner(0, 0); // files from a local context belong to root (BuildKit)
    }
    ChmodSpec mode = op.chmod() == null ? null : ChmodSpec.parse(op.chmod());
    List<String> patterns = new ArrayList<>(source.excludes());
    patterns.addAll(op.excludes());
    java.util.function.Predicate<String> excluded = DockerIgnore.matcher(patterns);
    if (source.directory() != null) {
      new CopyFiles(source.directory(), dirs.rootfs(), owner, mode, excluded).unpackArchives(op.add()).parents(op.parents())
          .writeNewDirectoriesTo(dirs.upper()).copy(op.sources(), op.destination());
      return;
    }
    Path srcBase = Files.createDirectories(dirs.base().resolve("source"));
    Path srcRoot = Files.createDirectories(srcBase.resolve("rootfs"));
    try (OverlayMount m = OverlayMount.mount(lowers(source.layers()), Files.createDirectories(srcBase.resolve("upper")),
        Files.createDirectories(srcBase.resolve("work")), srcRoot, mountStubs())) {
      new CopyFiles(srcRoot, dirs.rootfs(), owner, mode, excluded).unpackArchives(op.add()).parents(op.parents())
          .writeNewDirectoriesTo(dirs.upper()).copy(op.sources(), op.destination());
    }
  }

  private void mkdir(MkdirOp op, StepDirs dirs) throws IOException {
    ResolvedUser user = UserResolver.resolve(dirs.rootfs(), op.user());
    StringBuilder sofar = new StringBuilder();
    for (String part : RootedPath.clean(op.path()).split("/")) {
      if (part.isEmpty()) {
        continue;
      }
      sofar.append('/').append(part);
      Path p = RootedPath.resolve(dirs.rootfs(), sofar.toString(), true);
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(p);
        Files.setAttribute(p, "unix:mode", 0755, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:uid", user.uid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", user.gid(), LinkOption.NOFOLLOW_LINKS);
      } else if (!Files.isDirectory(p)) {
        throw new IOException("WORKDIR " + op.path() + ": " + sofar + " exists and is not a directory");
      }
    }
  }

  private ContainerRuntime runtime() throws IOException {
    ContainerRuntime r = runtime;
    if (r == null) {
      synchronized (this) {
        if (runtime == null) {
          runtime = Runtimes.select(options.runtime(), root.run());
          listener.info("RUN steps execute with " + runtime.name());
        }
        r = runtime;
      }
    }
    return r;
  }

  /**
   * The bottom lower dir of every overlay this build mounts (empty mount points for the
   * runtime, OverlayMount.createMountPointStubs), made once in the work dir.
   */
  Path mountStubs() throws IOException {
    Path s = stubs;
    if (s == null) {
      synchronized (this) {
        s = stubs;
        if (s == null) {
          s = OverlayMount.createMountPointStubs(work.resolve("mount-stubs"));
          stubs = s;
        }
      }
    }
    return s;
  }

  /** The unpacked snapshot dirs of a chain, top first, as overlay lower dirs. */
  private List<Path> lowers(List<Layer> layers) throws IOException, InterruptedException {
    List<Path> dirs = new ArrayList<>();
    for (Layer l : layers) {
      dirs.add(unpack(l));
    }
    Collections.reverse(dirs);
    return dirs;
  }

  private Path unpack(Layer layer) throws IOException, InterruptedException {
    Path snapshot = snapshotDir(layer.chainId());
    if (Files.isDirectory(snapshot.resolve("fs"))) {
      GarbageCollector.touch(snapshot);
      return snapshot.resolve("fs");
    }
    CompletableFuture<Path> mine = new CompletableFuture<>();
    CompletableFuture<Path> theirs = unpacked.putIfAbsent(layer.chainId(), mine);
    if (theirs != null) {
      try {
        return theirs.get();
      } catch (ExecutionException e) {
        throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
      }
    }
    try {
      Path staging = io.jbuild.cache.AtomicFiles.tempDirectory(work, "unpack-");
      Path fs = Files.createDirectory(staging.resolve("fs"));
      imported.fetch(layer.blob(), store); // a layer answered by --cache-from arrives when first mounted
      try (InputStream in = store.open(layer.blob().digest())) {
        LayerUnpacker.unpack(in, layer.blob(), layer.diffId(), fs);
      } catch (IOException | RuntimeException e) {
        TmpJanitor.removeTree(staging);
        throw e;
      }
      publish(staging, snapshot, layer.blob().digest());
      mine.complete(snapshot.resolve("fs"));
      return snapshot.resolve("fs");
    } catch (IOException | RuntimeException e) {
      unpacked.remove(layer.chainId(), mine);
      mine.completeExceptionally(e);
      throw e;
    }
  }

  /**
   * Renames a finished staging dir into snapshots/; a snapshot another build made first wins.
   * The snapshot names the blob it was made from, so garbage collection can tell whether it is
   * still needed (cache.GarbageCollector).
   */
  private static void publish(Path staging, Path snapshot, Digest blob) throws IOException {
    Files.writeString(staging.resolve(GarbageCollector.SNAPSHOT_BLOB_FILE), blob.toString());
    try {
      Files.move(staging, snapshot, StandardCopyOption.ATOMIC_MOVE);
    } catch (java.nio.file.FileSystemException e) {
      // rename(2) of a directory onto a non-empty one fails with ENOTEMPTY (which Java reports
      // as a plain FileSystemException): another build published the same snapshot first
      if (!Files.isDirectory(snapshot.resolve("fs"))) {
        throw e;
      }
      TmpJanitor.removeTree(staging);
    }
  }

  private Path snapshotDir(Digest chainId) {
    return root.snapshots().resolve(chainId.encoded());
  }

  /** OCI image spec (config.md#layer-chainid): ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). */
  static Digest chainId(Digest parent, Digest diffId) {
    return parent == null ? diffId : Digest.sha256(parent + " " + diffId);
  }

  /**
   * The image's config and manifest. Timestamps: each step's history entry gets the time its
   * result was made (kept in the cache record, so an unchanged rebuild gives the same image), a
   * config-only entry the time of the entry before it, and the image the latest of them; all
   * clamped to SOURCE_DATE_EPOCH when it is set.
   */
  private SolvedImage writeImage(ImageConfig config, List<Layer> layers, List<Boolean> emptyByStep,
      List<String> createdByStep) throws IOException {
    Instant epoch = options.sourceDateEpoch() == null ? null : Instant.ofEpochSecond(options.sourceDateEpoch());
    String fallback = config.created() != null ? config.created() : io.jbuild.oci.Timestamps.now();
    List<ImageConfig.History> history = new ArrayList<>(config.historyOrEmpty());
    boolean[] fresh = new boolean[history.size()];
    for (int i = 0; i < fresh.length; i++) {
      fresh[i] = history.get(i).created() == null; // the frontend leaves this build's entries undated
    }
    // the last emptyByStep.size() layer entries belong to this build's steps (ImageTarget's contract)
    int step = emptyByStep.size() - 1;
    for (int i = history.size() - 1; i >= 0 && step >= 0; i--) {
      ImageConfig.History h = history.get(i);
      if (h.isEmptyLayer()) {
        continue;
      }
      boolean empty = emptyByStep.get(step);
      String created = createdByStep.get(step) != null ? createdByStep.get(step) : h.created();
      step--;
      history.set(i, new ImageConfig.History(created, h.createdBy(), h.author(), h.comment(), empty ? Boolean.TRUE : null));
    }
    if (step >= 0) {
      throw new IllegalStateException("the frontend's history has fewer layer entries than the build has steps");
    }
    String previous = fallback;
    String latest = null;
    for (int i = 0; i < history.size(); i++) {
      ImageConfig.History h = history.get(i);
      String created = h.created() != null ? h.created() : previous;
      if (epoch != null) {
        created = fresh[i] ? io.jbuild.oci.Timestamps.format(epoch) : clamp(created, epoch);
      }
      history.set(i, new ImageConfig.History(created, h.createdBy(), h.author(), h.comment(), h.emptyLayer()));
      previous = created;
      if (latest == null || parse(created).isAfter(parse(latest))) {
        latest = created;
      }
    }
    String now = latest != null ? latest : (epoch != null ? io.jbuild.oci.Timestamps.format(epoch) : fallback);
    List<Digest> diffIds = new ArrayList<>();
    List<Descriptor> blobs = new ArrayList<>();
    long size = 0;
    for (Layer l : layers) {
      diffIds.add(l.diffId());
      blobs.add(Descriptor.of(ociLayerType(l.blob().mediaType()), l.blob().digest(), l.blob().size()));
      size += l.blob().size();
    }
    ImageConfig finished = config.withLayers(diffIds, history).withCreated(now);
    byte[] configJson = Json.write(finished);
    Descriptor configDesc = Descriptor.of(MediaTypes.OCI_CONFIG, store.put(configJson), configJson.length);
    byte[] manifestJson = Json.write(ImageManifest.oci(configDesc, blobs));
    Descriptor manifestDesc = Descriptor.of(MediaTypes.OCI_MANIFEST, store.put(manifestJson), manifestJson.length);
    return new SolvedImage(manifestDesc, configDesc, finished, size);
  }

  private static Instant parse(String rfc3339) {
    try {
      return io.jbuild.oci.Timestamps.parse(rfc3339);
    } catch (java.time.format.DateTimeParseException e) {
      return Instant.EPOCH;
    }
  }

  private static String clamp(String created, Instant epoch) {
    return parse(created).isAfter(epoch) ? io.jbuild.oci.Timestamps.format(epoch) : created;
  }

  /** Docker layer media types become their OCI twins in an OCI manifest (same bytes). */
  private static String ociLayerType(String mediaType) {
    return switch (mediaType) {
      case MediaTypes.DOCKER_LAYER_GZIP -> MediaTypes.OCI_LAYER_GZIP;
      case MediaTypes.DOCKER_LAYER_FOREIGN_GZIP -> MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_GZIP;
      default -> mediaType;
    };
  }

  @Override
  public void close() {
    cancel();
    pool.shutdownNow();
    try {
      // running steps release their mounts as they stop; wait for that before removing work/
      pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    TmpJanitor.removeTree(work);
  }
}
