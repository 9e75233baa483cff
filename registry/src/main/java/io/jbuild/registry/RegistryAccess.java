package io.jbuild.registry;

import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.InvalidContentException;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The distribution API as jbuild uses it: manifests and blobs in and out of registries, following
 * the OCI distribution spec (spec.md, "Pulling", "Pushing", "Content Discovery" is not needed).
 *
 * <p>It is implemented on a small HTTP/1.1 client of its own ({@link HttpWire}) rather than
 * jib-core's RegistryClient: jib parses
 * manifests into its own templates and re-serialises them on push, so neither the exact bytes of
 * a fetched manifest nor the digest of a pushed one could be kept; it also has no ranged resume,
 * chunked uploads, retries or per-registry CAs. All of that stays behind this one class.
 *
 * <p>Thread-safe; share one instance per build. Every call retries transient failures
 * ({@link RegistryConfig#maxAttempts}) and fails with a {@link RegistryException} that names the
 * registry, the repository, the status and the credentials used.
 */
public final class RegistryAccess {
  /** Manifests larger than this are refused (the distribution spec suggests 4 MiB as a limit). */
  static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
  private static final String ACCEPT = String.join(", ", MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST,
      MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.DOCKER_MANIFEST);
  private static final String SCHEMA1 = "application/vnd.docker.distribution.manifest.v1";

  private final Transport transport;
  /** Where each blob is known to be, per registry, so that a push can mount instead of upload. */
  private final ConcurrentMap<String, ConcurrentMap<Digest, Set<String>>> known = new ConcurrentHashMap<>();

  public RegistryAccess(RegistryConfig config) {
    this.transport = new Transport(config);
  }

  public RegistryConfig config() {
    return transport.config;
  }

  /**
   * Fetches a manifest or index by tag or digest, from the registry's mirrors first when it has
   * some. Accepts OCI and Docker schema 2 manifests and indexes; the digest of the bytes is
   * checked against a digest reference and against the registry's Docker-Content-Digest.
   */
  public FetchedManifest fetchManifest(ImageReference ref) throws IOException {
    String repo = ref.repository();
    String what = "fetch manifest " + ref.tagOrDigest();
    return fromMirrors(ref.registry(), ep -> transport.retry(ep, repo, what, () -> {
      Transport.Request req = Transport.Request.get("/v2/" + repo + "/manifests/" + ref.tagOrDigest(),
          List.of(Transport.scope(repo, false))).header("Accept", ACCEPT);
      try (Transport.Response r = ep.send(repo, req)) {
        if (r.status() == 404) {
          throw new RegistryException(ep.registry, repo, 404, ep.credentialSource(),
              "manifest " + ref.tagOrDigest() + " not found", false, null);
        }
        if (r.status() != 200) {
          throw ep.error(repo, r, what);
        }
        byte[] bytes = r.body().readLimited(MAX_MANIFEST_BYTES, "manifest " + ref);
        Digest actual = digestOf(bytes, ref.digest() != null ? ref.digest().algorithm() : "sha256");
        if (ref.digest() != null && !ref.digest().equals(actual)) {
          throw new InvalidContentException("registry " + ep.registry + ", repository " + repo + ": manifest "
              + ref.digest() + " has digest " + actual + " (the registry served other content)");
        }
        String header = r.header("Docker-Content-Digest").orElse(null);
        if (header != null && header.startsWith(actual.algorithm() + ":") && !header.equals(actual.toString())) {
          throw new InvalidContentException("registry " + ep.registry + ", repository " + repo + ": manifest "
              + ref.tagOrDigest() + " has digest " + actual + " but the registry says " + header);
        }
        String mediaType = mediaTypeOf(r.header("Content-Type").orElse(""), bytes, ep.registry, repo, ref);
        return new FetchedManifest(actual.algorithm().equals("sha256") ? actual : Digest.sha256(bytes), mediaType, bytes);
      }
    }));
  }

  private static String mediaTypeOf(String contentType, byte[] bytes, String registry, String repo, ImageReference ref) {
    String ct = contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
    if (ct.startsWith(SCHEMA1)) {
      throw new InvalidContentException("registry " + registry + ", repository " + repo + ": " + ref
          + " is a Docker schema 1 manifest, which jbuild does not support (re-push it with a current tool)");
    }
    if (MediaTypes.isIndex(ct) || MediaTypes.isManifest(ct)) {
      return ct;
    }
    // Some registries answer application/json or nothing: the document's own mediaType field,
    // else its shape (image-index.md / manifest.md), decides.
    Object n = Json.read(bytes, Object.class, "manifest " + ref);
    String field = Json.text(Json.field(n, "mediaType"), "");
    if (MediaTypes.isIndex(field) || MediaTypes.isManifest(field)) {
      return field;
    }
    if (Json.has(n, "manifests")) {
      return MediaTypes.OCI_INDEX;
    }
    if (Json.has(n, "config") && Json.has(n, "layers")) {
      return MediaTypes.OCI_MANIFEST;
    }
    throw new InvalidContentException("registry " + registry + ", repository " + repo + ": " + ref
        + " is not an image manifest or index (Content-Type \"" + contentType + "\")");
  }

  /**
   * Streams a blob into {@code sink}. A connection cut off half-way resumes with a Range request
   * where the registry supports it; size and digest are checked over all bytes, and a mismatch
   * throws {@link InvalidContentException} (the sink then holds bad bytes: discard it).
   */
  public void fetchBlob(ImageReference repo, Descriptor blob, OutputStream sink) throws IOException {
    fetchBlob(repo, blob, sink, false);
  }

  /**
   * Like {@link #fetchBlob(ImageReference, Descriptor, OutputStream)}; with
   * {@code sinkVerifiesDigest} the digest is left to the sink (a content store writer that hashes
   * what it stores anyway), so that a blob is hashed once, not twice: SHA-256 is most of the CPU a
   * pull costs. The size is still checked here.
   */
  public void fetchBlob(ImageReference repo, Descriptor blob, OutputStream sink, boolean sinkVerifiesDigest)
      throws IOException {
    String repository = repo.repository();
    Digest digest = blob.digest();
    VerifyingSink out = new VerifyingSink(sink, digest, blob.size(), !sinkVerifiesDigest);
    String what = "fetch blob " + digest;
    fromMirrors(repo.registry(), ep -> transport.retry(ep, repository, what, () -> {
      fetchBlobOnce(ep, repository, blob, out);
      return null;
    }));
    out.verify("registry " + repo.registry() + ", repository " + repository + ": blob " + digest);
    remember(repo.registry(), digest, repository);
  }

  private void fetchBlobOnce(Transport.Endpoint ep, String repository, Descriptor blob, VerifyingSink out)
      throws IOException {
    long have = out.count;
    if (have == blob.size() && blob.size() > 0) {
      return;
    }
    Transport.Request req = Transport.Request.get("/v2/" + repository + "/blobs/" + blob.digest(),
        List.of(Transport.scope(repository, false)));
    if (have > 0) {
      req = req.header("Range", "bytes=" + have + "-");
    }
    try (Transport.Response r = ep.send(repository, req)) {
      long skip = 0;
      if (r.status() == 206) {
        String range = r.header("Content-Range").orElse("");
        if (!range.startsWith("bytes " + have + "-")) {
          throw new RegistryException(ep.registry, repository, 206, ep.credentialSource(),
              "blob " + blob.digest() + ": asked for bytes from " + have + ", got range \"" + range + "\"", true, null);
        }
      } else if (r.status() == 200) {
        skip = have; // the registry ignored Range: read past what we already have
      } else if (r.status() == 404) {
        throw new RegistryException(ep.registry, repository, 404, ep.credentialSource(),
            "blob " + blob.digest() + " not found", false, null);
      } else {
        throw ep.error(repository, r, "fetch blob " + blob.digest());
      }
      byte[] array = new byte[256 * 1024];
      InputStream in = r.body();
      int n;
      while ((n = in.read(array, 0, array.length)) >= 0) {
        int off = 0;
        if (skip > 0) {
          int s = (int) Math.min(skip, n);
          skip -= s;
          off += s;
          n -= s;
        }
        if (n > 0) {
          out.write(array, off, n);
        }
      }
      if (out.count < blob.size()) {
        throw new java.io.EOFException("blob " + blob.digest() + " ended after " + out.count + " of "
            + blob.size() + " bytes");
      }
    }
  }

  /** True when the registry has the blob in {@code repo} (HEAD, distribution spec "Checking if content exists"). */
  public boolean blobExists(ImageReference repo, Digest digest) throws IOException {
    Transport.Endpoint ep = transport.endpoint(repo.registry());
    String repository = repo.repository();
    return transport.retry(ep, repository, "check blob " + digest, () -> headBlob(ep, repository, digest, false));
  }

  private boolean headBlob(Transport.Endpoint ep, String repository, Digest digest, boolean push) throws IOException {
    Transport.Request req = new Transport.Request("HEAD", "/v2/" + repository + "/blobs/" + digest,
        java.util.Map.of(), null, null, List.of(Transport.scope(repository, push)));
    try (Transport.Response r = ep.send(repository, req)) {
      if (r.status() == 200) {
        return true;
      }
      if (r.status() == 404) {
        return false;
      }
      throw ep.error(repository, r, "check blob " + digest);
    }
  }

  /**
   * Uploads a blob unless the repository has it (HEAD first, again before each retry, so a blob
   * is never sent twice). A blob this instance saw in another repository of the same registry is
   * mounted instead (spec, "Mounting a blob from another repository"). Small blobs, or all when
   * {@link RegistryConfig#chunkSize} is 0, go up monolithically (POST, then PUT with the bytes);
   * larger ones in PATCH chunks (spec, "Pushing a blob in chunks").
   */
  public void pushBlob(ImageReference repo, Descriptor blob, IOSupplier<InputStream> content) throws IOException {
    Transport.Endpoint ep = transport.endpoint(repo.registry());
    String repository = repo.repository();
    Digest digest = blob.digest();
    transport.retry(ep, repository, "push blob " + digest, () -> {
      if (headBlob(ep, repository, digest, true)) {
        return null;
      }
      URI location = null;
      for (String from : mountSources(repo.registry(), digest, repository)) {
        Transport.Request mount = new Transport.Request("POST",
            "/v2/" + repository + "/blobs/uploads/?mount=" + Transport.enc(digest.toString()) + "&from="
                + Transport.enc(from), java.util.Map.of(), null, null,
            List.of(Transport.scope(repository, true), Transport.scope(from, false)));
        try (Transport.Response r = ep.send(repository, mount)) {
          if (r.status() == 201) {
            remember(repo.registry(), digest, repository);
            return null;
          }
          if (r.status() == 202) {
            // the registry could not mount and opened an ordinary upload session instead
            location = location(ep, repository, r);
            break;
          }
          // a source we may not read: try the next, else upload
        }
      }
      if (location == null) {
        location = startUpload(ep, repository);
      }
      long chunk = transport.config.chunkSize();
      if (chunk > 0 && blob.size() > chunk) {
        location = uploadChunks(ep, repository, blob, content, location, chunk);
        finishUpload(ep, repository, digest, location, null, 0);
      } else {
        finishUpload(ep, repository, digest, location, content, blob.size());
      }
      remember(repo.registry(), digest, repository);
      return null;
    });
  }

  private URI startUpload(Transport.Endpoint ep, String repository) throws IOException {
    Transport.Request post = new Transport.Request("POST", "/v2/" + repository + "/blobs/uploads/",
        java.util.Map.of(), null, null, List.of(Transport.scope(repository, true)));
    try (Transport.Response r = ep.send(repository, post)) {
      if (r.status() != 202) {
        throw ep.error(repository, r, "start upload");
      }
      return location(ep, repository, r);
    }
  }

  private URI uploadChunks(Transport.Endpoint ep, String repository, Descriptor blob, IOSupplier<InputStream> content,
      URI location, long chunk) throws IOException {
    for (long start = 0; start < blob.size(); start += chunk) {
      long len = Math.min(chunk, blob.size() - start);
      long from = start;
      Transport.Request patch = new Transport.Request("PATCH", location.toString(), java.util.Map.of(
          "Content-Type", "application/octet-stream",
          "Content-Range", from + "-" + (from + len - 1)), null, null, List.of(Transport.scope(repository, true)))
          .withBody(slice(content, from, len), uploadTimeout(len));
      try (Transport.Response r = ep.send(repository, patch)) {
        if (r.status() != 202) {
          throw ep.error(repository, r, "upload chunk " + from + "-" + (from + len - 1) + " of " + blob.digest());
        }
        location = location(ep, repository, r);
      }
    }
    return location;
  }

  private void finishUpload(Transport.Endpoint ep, String repository, Digest digest, URI location,
      IOSupplier<InputStream> content, long size) throws IOException {
    String sep = location.getRawQuery() == null ? "?" : "&";
    String target = location + sep + "digest=" + Transport.enc(digest.toString());
    Transport.Request put = new Transport.Request("PUT", target,
        java.util.Map.of("Content-Type", "application/octet-stream"), null, null,
        List.of(Transport.scope(repository, true)))
        .withBody(content == null ? null : slice(content, 0, size), uploadTimeout(size));
    try (Transport.Response r = ep.send(repository, put)) {
      if (r.status() != 201) {
        throw ep.error(repository, r, "finish upload of " + digest);
      }
    }
  }

  /** A body of {@code len} bytes from {@code offset} of a fresh stream: re-readable for each attempt. */
  private static HttpWire.Body slice(IOSupplier<InputStream> content, long offset, long len) {
    // a known length: Content-Length instead of chunked transfer coding, as registries expect
    return new HttpWire.Body(len, () -> {
      InputStream in = content.get();
      in.skipNBytes(offset);
      return new BoundedInputStream(in, len);
    });
  }

  private Duration uploadTimeout(long bytes) {
    RegistryConfig c = transport.config;
    long rate = Math.max(1, c.minUploadBytesPerSecond());
    return c.readTimeout().plusMillis(bytes * 1000 / rate);
  }

  private static URI location(Transport.Endpoint ep, String repository, Transport.Response r) throws IOException {
    String loc = r.header("Location").orElse(null);
    if (loc == null) {
      throw new RegistryException(ep.registry, repository, r.status(), ep.credentialSource(),
          "upload response without a Location header", false, null);
    }
    return r.uri().resolve(loc);
  }

  /** Pushes a manifest or index under a tag or digest; push it after every blob it names. */
  public void pushManifest(ImageReference ref, String mediaType, byte[] manifest) throws IOException {
    Transport.Endpoint ep = transport.endpoint(ref.registry());
    String repository = ref.repository();
    Digest digest = Digest.sha256(manifest);
    if (ref.digest() != null && !ref.digest().equals(digest)) {
      throw new IllegalArgumentException("cannot push manifest " + digest + " as " + ref + ": the digests differ");
    }
    String what = "push manifest " + ref.tagOrDigest();
    transport.retry(ep, repository, what, () -> {
      Transport.Request put = new Transport.Request("PUT", "/v2/" + repository + "/manifests/" + ref.tagOrDigest(),
          java.util.Map.of("Content-Type", mediaType), null, null, List.of(Transport.scope(repository, true)))
          .withBody(HttpWire.Body.of(manifest), null);
      try (Transport.Response r = ep.send(repository, put)) {
        if (r.status() != 201 && r.status() != 200) {
          throw ep.error(repository, r, what);
        }
        String header = r.header("Docker-Content-Digest").orElse(null);
        if (header != null && !header.equals(digest.toString())) {
          throw new InvalidContentException("registry " + ep.registry + ", repository " + repository
              + ": pushed manifest " + digest + " but the registry stored " + header);
        }
      }
      return null;
    });
  }

  /**
   * Checks that the configured credentials open {@code registry}, as {@code docker login} does:
   * {@code GET /v2/} with them (for a token registry, a token for no scope first). Throws the
   * {@link RegistryException} that says which credentials were refused.
   */
  public void checkLogin(String registry) throws IOException {
    Transport.Endpoint ep = transport.endpoint(registry);
    transport.retry(ep, null, "log in", () -> {
      try (Transport.Response r = ep.send(null, Transport.Request.get("/v2/", List.of()))) {
        if (r.status() != 200) {
          throw ep.error(null, r, "log in (GET /v2/)");
        }
      }
      return null;
    });
  }

  /** Tells this instance that {@code repo} holds the blob, so later pushes in the registry may mount it. */
  public void rememberBlob(ImageReference repo, Digest digest) {
    remember(repo.registry(), digest, repo.repository());
  }

  private void remember(String registry, Digest digest, String repository) {
    known.computeIfAbsent(registry, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(digest, k -> ConcurrentHashMap.newKeySet()).add(repository);
  }

  private List<String> mountSources(String registry, Digest digest, String repository) {
    Set<String> repos = known.getOrDefault(registry, new ConcurrentHashMap<>()).get(digest);
    List<String> out = new ArrayList<>();
    if (repos != null) {
      repos.stream().filter(r -> !r.equals(repository)).sorted().limit(3).forEach(out::add);
    }
    return out;
  }

  @FunctionalInterface
  private interface EndpointCall<T> {
    T call(Transport.Endpoint ep) throws IOException;
  }

  /**
   * Runs a pull call on the registry's mirrors in order, then on the registry itself; a mirror's
   * failure (missing content, down) moves on to the next (DESIGN.md "Registry").
   */
  private <T> T fromMirrors(String registry, EndpointCall<T> call) throws IOException {
    List<String> mirrors = transport.config.mirrors().getOrDefault(registry.toLowerCase(Locale.ROOT), List.of());
    List<IOException> mirrorErrors = new ArrayList<>();
    for (String mirror : mirrors) {
      try {
        return call.call(transport.endpoint(mirror));
      } catch (IOException e) {
        mirrorErrors.add(e);
      }
    }
    try {
      return call.call(transport.endpoint(registry));
    } catch (IOException e) {
      mirrorErrors.forEach(e::addSuppressed);
      throw e;
    }
  }

  static Digest digestOf(byte[] bytes, String algorithm) {
    if (algorithm.equals("sha256")) {
      return Digest.sha256(bytes);
    }
    return new Digest(algorithm, HexFormat.of().formatHex(newDigest(algorithm).digest(bytes)));
  }

  static MessageDigest newDigest(String algorithm) {
    if (!algorithm.equals("sha512")) {
      return Digest.newSha256();
    }
    try {
      return MessageDigest.getInstance("SHA-512");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Counts and hashes what goes to the caller's sink; sink failures are ours, never retried. */
  private static final class VerifyingSink {
    private final OutputStream sink;
    private final Digest expected;
    private final long size;
    private final MessageDigest md;
    long count;

    VerifyingSink(OutputStream sink, Digest expected, long size, boolean hash) {
      this.sink = sink;
      this.expected = expected;
      this.size = size;
      this.md = hash ? newDigest(expected.algorithm()) : null;
    }

    void write(byte[] b, int off, int len) throws IOException {
      if (count + len > size) {
        throw new InvalidContentException("blob " + expected + " is longer than its descriptor's " + size + " bytes");
      }
      try {
        sink.write(b, off, len);
      } catch (IOException e) {
        throw new Transport.NotRetryable(e);
      }
      if (md != null) {
        md.update(b, off, len);
      }
      count += len;
    }

    void verify(String where) {
      if (md == null) {
        if (count != size) {
          throw new InvalidContentException(where + ": expected " + size + " bytes, got " + count);
        }
        return;
      }
      Digest actual = new Digest(expected.algorithm(), HexFormat.of().formatHex(md.digest()));
      if (count != size || !actual.equals(expected)) {
        throw new InvalidContentException(where + ": digest mismatch: expected " + expected + " (" + size
            + " bytes), got " + actual + " (" + count + " bytes)");
      }
    }
  }

  /** At most {@code limit} bytes of a stream. */
  private static final class BoundedInputStream extends java.io.FilterInputStream {
    private long left;

    BoundedInputStream(InputStream in, long limit) {
      super(in);
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = super.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = super.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }
}
