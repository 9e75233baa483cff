package io.jbuild.registry;

import io.jbuild.oci.Json;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLException;

/**
 * HTTP for the OCI distribution API: one endpoint per registry host (scheme found by a ping of
 * {@code /v2/}), authentication (anonymous, Basic, Bearer tokens), redirects, timeouts and
 * retries with backoff. {@link RegistryAccess} builds the distribution requests on top of it.
 */
final class Transport {
  static final String USER_AGENT = "jbuild/0.1";
  private static final int MAX_REDIRECTS = 5;
  private static final int MAX_ERROR_BODY = 64 * 1024;
  private static final int MAX_TOKEN_ANSWER = 1024 * 1024;

  final RegistryConfig config;
  final CredentialStore credentials;
  private volatile HttpWire verified;
  private volatile HttpWire unverified;
  private final ConcurrentMap<String, Endpoint> endpoints = new ConcurrentHashMap<>();

  Transport(RegistryConfig config) {
    this.config = config;
    this.credentials = new CredentialStore(config);
  }

  private HttpWire newClient(HttpWire.TlsFactory ssl) {
    // HTTP/1.1: registries (distribution, Harbor, ...) serve it everywhere; redirects are followed
    // by hand (in Endpoint.send) so that credentials never go to a storage backend on another
    // host. TLS is set up on the first https request: a pull from a plain-HTTP registry, or a
    // build whose every step is cached, never pays for it.
    return new HttpWire(millis(config.connectTimeout()), ssl);
  }

  static int millis(Duration d) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
  }

  private HttpWire clientFor(String registry) throws IOException {
    if (!config.isInsecure(registry)) {
      HttpWire v = verified;
      if (v == null) {
        synchronized (this) {
          v = verified;
          if (v == null) {
            for (java.nio.file.Path ca : config.caCertificates()) {
              if (!java.nio.file.Files.isReadable(ca)) {
                throw new IOException("cannot read CA certificates from " + ca + ": no such readable file");
              }
            }
            verified = v = newClient(() -> TlsContexts.verifying(config.caCertificates()));
          }
        }
      }
      return v;
    }
    HttpWire c = unverified;
    if (c == null) {
      synchronized (this) {
        c = unverified;
        if (c == null) {
          unverified = c = newClient(TlsContexts::unverified);
        }
      }
    }
    return c;
  }

  Endpoint endpoint(String registry) {
    return endpoints.computeIfAbsent(registry, Endpoint::new);
  }

  /** One request; body suppliers are called once per send so that a retry re-reads the content. */
  record Request(String method, String target, Map<String, String> headers,
      HttpWire.Body body, Duration timeout, List<String> scopes) {

    static Request get(String target, List<String> scopes) {
      return new Request("GET", target, Map.of(), null, null, scopes);
    }

    Request header(String name, String value) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put(name, value);
      return new Request(method, target, h, body, timeout, scopes);
    }

    Request withBody(HttpWire.Body b, Duration t) {
      return new Request(method, target, headers, b, t, scopes);
    }
  }

  /** A response whose body streams; close it (try-with-resources) when done. */
  record Response(HttpWire.Exchange raw) implements AutoCloseable {
    int status() {
      return raw.status();
    }

    Optional<String> header(String name) {
      return raw.header(name);
    }

    URI uri() {
      return raw.uri();
    }

    HttpWire.ResponseBody body() {
      return raw.body();
    }

    @Override
    public void close() {
      raw.close();
    }
  }

  /** The scope to pull ({@code pull}) or push ({@code pull,push}) a repository, in the token spec's grammar. */
  static String scope(String repository, boolean push) {
    return "repository:" + repository + ":" + (push ? "pull,push" : "pull");
  }

  /** A registry host: its base URL once pinged, and its authentication state. */
  final class Endpoint {
    final String registry;
    private final String apiHost;
    private volatile URI base;
    private volatile Challenge challenge;
    private volatile CredentialStore.Lookup lookup;
    private final ConcurrentMap<String, String> tokens = new ConcurrentHashMap<>();

    Endpoint(String registry) {
      this.registry = registry;
      // Docker Hub's API lives on registry-1.docker.io (docker/distribution reference docs).
      this.apiHost = registry.equals("docker.io") ? "registry-1.docker.io" : registry;
    }

    /**
     * The base URL, found once by {@code GET /v2/} (distribution spec, "Determining support"):
     * HTTPS first; plain HTTP only where {@link RegistryConfig#allowsPlainHttp} says so.
     */
    URI base() throws IOException {
      URI b = base;
      if (b != null) {
        return b;
      }
      synchronized (this) {
        if (base != null) {
          return base;
        }
        // a registry on this machine is asked in plain HTTP first, as containerd does
        // (docker.MatchLocalhost): no TLS set-up for the usual local registry; an HTTPS one
        // answers the plain request with an error status, and then HTTPS is asked
        boolean loopbackFirst = RegistryConfig.isLoopback(registry) && !config.isInsecure(registry);
        List<String> schemes = loopbackFirst ? List.of("http", "https")
            : config.allowsPlainHttp(registry) ? List.of("https", "http") : List.of("https");
        IOException last = null;
        for (String scheme : schemes) {
          URI candidate = URI.create(scheme + "://" + apiHost);
          try (HttpWire.Exchange r = clientFor(registry).send("GET", candidate.resolve("/v2/"),
              Map.of("User-Agent", USER_AGENT), null, millis(config.readTimeout()), millis(config.readTimeout()))) {
            if (loopbackFirst && scheme.equals("http") && r.status() != 200 && r.status() != 401) {
              last = new IOException("GET http://" + apiHost + "/v2/ answered " + r.status());
              continue; // not a plain-HTTP registry (an HTTPS one says 400 to a plain request)
            }
            if (r.status() == 401) {
              challenge = Challenge.parse(r.header("WWW-Authenticate").orElse(null));
            } else if (r.status() >= 500) {
              throw new RegistryException(registry, null, r.status(), null,
                  "the registry is unavailable (GET /v2/)", true, null);
            }
            base = candidate;
            return candidate;
          } catch (RegistryException e) {
            throw e; // an HTTP answer: this scheme is right, the registry is not well
          } catch (SSLException e) {
            if (isCertificateProblem(e)) {
              throw new RegistryException(registry, null, 0, null,
                  "TLS certificate not trusted: " + e.getMessage() + " (add the registry's CA with"
                      + " JBUILD_REGISTRY_CA, or name it insecure if it is yours)", false, e);
            }
            // not TLS on the other side (a plain-HTTP registry), or the handshake was cut off
            last = e;
          } catch (IOException e) {
            last = e;
            if (e instanceof ConnectException
                || (e instanceof SocketTimeoutException && !(loopbackFirst && scheme.equals("http")))) {
              // a refused or silent port answers neither scheme: no need to try the next
              throw e;
            }
          }
        }
        throw last;
      }
    }


    /** Which credential source is in play, for error messages; null if the registry never asked. */
    String credentialSource() {
      CredentialStore.Lookup l = lookup;
      if (l != null) {
        return l.credential() == null ? "anonymous; " + l.source() : l.source();
      }
      return challenge == null ? null : "anonymous";
    }

    private CredentialStore.Lookup lookup() throws IOException {
      CredentialStore.Lookup l = lookup;
      if (l == null) {
        synchronized (this) {
          if (lookup == null) {
            lookup = credentials.lookup(registry);
          }
          l = lookup;
        }
      }
      return l;
    }

    /** The Authorization header for a request needing {@code scopes}, if the registry asked for one. */
    private Optional<String> authorization(String repository, List<String> scopes) throws IOException {
      Challenge c = challenge;
      if (c == null) {
        return Optional.empty();
      }
      RegistryCredential cred = lookup().credential();
      if (c.isBasic()) {
        if (cred == null) {
          throw new RegistryException(registry, repository, 401, credentialSource(),
              "the registry requires a login (run jbuild login " + registry + ")", false, null);
        }
        return Optional.of(basic(cred));
      }
      if (c.isBearer()) {
        TreeSet<String> all = new TreeSet<>(scopes);
        String key = String.join(" ", all);
        String token = tokens.get(key);
        if (token == null) {
          token = fetchToken(c, all, repository, cred);
          tokens.put(key, token);
        }
        return Optional.of("Bearer " + token);
      }
      throw new RegistryException(registry, repository, 401, credentialSource(),
          "unsupported authentication scheme \"" + c.scheme() + "\"", false, null);
    }

    /**
     * Gets a bearer token from the challenge's realm (Docker token authentication spec): GET with
     * Basic credentials, or the OAuth2 refresh-token POST for an identity token; anonymous
     * without credentials.
     */
    private String fetchToken(Challenge c, TreeSet<String> scopes, String repository, RegistryCredential cred)
        throws IOException {
      String realm = c.param("realm");
      if (realm == null || realm.isEmpty()) {
        throw new RegistryException(registry, repository, 401, credentialSource(),
            "bearer challenge without a realm", false, null);
      }
      String service = c.param("service");
      StringBuilder query = new StringBuilder();
      if (service != null) {
        query.append("service=").append(enc(service));
      }
      for (String s : scopes) {
        query.append(query.length() > 0 ? "&" : "").append("scope=").append(enc(s));
      }
      URI realmUri = URI.create(realm);
      URI uri;
      String method;
      HttpWire.Body body = null;
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("User-Agent", USER_AGENT);
      if (cred != null && cred.isIdentityToken()) {
        StringBuilder form = new StringBuilder("grant_type=refresh_token&client_id=jbuild&refresh_token=")
            .append(enc(cred.secret()));
        if (service != null) {
          form.append("&service=").append(enc(service));
        }
        if (!scopes.isEmpty()) {
          form.append("&scope=").append(enc(String.join(" ", scopes)));
        }
        uri = realmUri;
        method = "POST";
        headers.put("Content-Type", "application/x-www-form-urlencoded");
        body = HttpWire.Body.of(form.toString().getBytes(StandardCharsets.UTF_8));
      } else {
        String sep = realm.contains("?") ? "&" : "?";
        uri = URI.create(realm + (query.length() > 0 ? sep + query : ""));
        method = "GET";
        if (cred != null) {
          headers.put("Authorization", basic(cred));
        }
      }
      int status;
      byte[] answer;
      try (HttpWire.Exchange r = clientFor(realmUri.getAuthority()).send(method, uri, headers, body,
          millis(config.readTimeout()), millis(config.readTimeout()))) {
        status = r.status();
        answer = r.body().readLimited(MAX_TOKEN_ANSWER, "the token server's answer");
      }
      if (status != 200) {
        boolean retry = status >= 500 || status == 429;
        throw new RegistryException(registry, repository, status, credentialSource(),
            "the token server " + realm + " refused a token for " + scopes + errorDetail(answer), retry, null);
      }
      Object n = Json.readTree(answer);
      String token = Json.text(Json.field(n, "token"), "");
      if (token.isEmpty()) {
        token = Json.text(Json.field(n, "access_token"), "");
      }
      if (token.isEmpty()) {
        throw new RegistryException(registry, repository, 200, credentialSource(),
            "the token server " + realm + " answered without a token", false, null);
      }
      return token;
    }

    /**
     * Sends a request and returns the response with its body unread; on a 401 learns the
     * challenge and sends once more with fresh authorisation. Follows redirects of GET/HEAD
     * without credentials to other hosts.
     */
    Response send(String repository, Request request) throws IOException {
      URI b = base();
      URI uri = b.resolve(request.target());
      Optional<String> auth = authorization(repository, request.scopes());
      for (int round = 0; ; round++) {
        HttpWire.Exchange r = sendOnce(uri, request, auth);
        int status = r.status();
        if (status == 401 && round == 0) {
          Challenge fresh = Challenge.parse(r.header("WWW-Authenticate").orElse(null));
          r.close();
          if (fresh == null) {
            throw new RegistryException(registry, repository, 401, credentialSource(),
                "unauthorised, and the registry sent no WWW-Authenticate challenge", false, null);
          }
          challenge = fresh;
          List<String> scopes = new ArrayList<>(request.scopes());
          String asked = fresh.param("scope");
          if (asked != null) {
            for (String s : asked.split(" ")) {
              if (!s.isEmpty() && !scopes.contains(s)) {
                scopes.add(s);
              }
            }
          }
          tokens.remove(String.join(" ", new TreeSet<>(request.scopes())));
          tokens.remove(String.join(" ", new TreeSet<>(scopes)));
          auth = authorization(repository, scopes);
          continue;
        }
        if (status == 401 || status == 403) {
          String detail = errorDetail(readError(r));
          throw new RegistryException(registry, repository, status, credentialSource(),
              (status == 401 ? "authentication failed" : "access denied") + " for " + request.method() + " "
                  + uri.getPath() + detail, false, null);
        }
        if (isRedirect(status) && (request.method().equals("GET") || request.method().equals("HEAD"))
            && round < MAX_REDIRECTS) {
          String location = r.header("Location").orElse(null);
          r.close();
          if (location == null) {
            throw new RegistryException(registry, repository, status, credentialSource(),
                "redirect without a Location", false, null);
          }
          URI next = uri.resolve(location);
          if (!sameOrigin(next, uri)) {
            auth = Optional.empty();
          }
          uri = next;
          continue;
        }
        return new Response(r);
      }
    }

    private HttpWire.Exchange sendOnce(URI uri, Request request, Optional<String> auth) throws IOException {
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("User-Agent", USER_AGENT);
      headers.putAll(request.headers());
      auth.ifPresent(a -> headers.put("Authorization", a));
      int answer = millis(request.timeout() != null ? request.timeout() : config.readTimeout());
      return clientFor(registry).send(request.method(), uri, headers, request.body(), answer,
          millis(config.readTimeout()));
    }

    /** The error this response stands for: names registry, repository, status and credentials. */
    RegistryException error(String repository, Response r, String what) {
      byte[] body;
      try {
        body = r.body().readLimited(MAX_ERROR_BODY, "error body");
      } catch (IOException e) {
        body = new byte[0];
      }
      int s = r.status();
      boolean retry = s >= 500 || s == 429 || s == 408;
      return new RegistryException(registry, repository, s, credentialSource(), what + errorDetail(body), retry, null);
    }
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme()) && String.valueOf(a.getAuthority()).equalsIgnoreCase(String.valueOf(b.getAuthority()));
  }

  private static byte[] readError(HttpWire.Exchange r) {
    try (r) {
      return r.body().readLimited(MAX_ERROR_BODY, "error body");
    } catch (IOException e) {
      return new byte[0];
    }
  }

  /** ": CODE message" from the distribution error document (spec, "Error Codes"), if there is one. */
  static String errorDetail(byte[] body) {
    if (body == null || body.length == 0) {
      return "";
    }
    try {
      Object n = Json.readTree(body);
      StringBuilder b = new StringBuilder();
      for (Object e : Json.elements(Json.field(n, "errors"))) {
        b.append(b.length() == 0 ? ": " : "; ").append(Json.text(Json.field(e, "code"), "")).append(' ')
            .append(Json.text(Json.field(e, "message"), ""));
      }
      if (b.length() > 0) {
        return b.toString();
      }
    } catch (IOException | RuntimeException ignored) {
      // not JSON: fall through to the text
    }
    String text = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8).trim();
    return text.isEmpty() ? "" : ": " + text;
  }

  static String basic(RegistryCredential c) {
    return "Basic " + Base64.getEncoder().encodeToString(
        (c.username() + ":" + c.secret()).getBytes(StandardCharsets.UTF_8));
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @FunctionalInterface
  interface Attempt<T> {
    T run() throws IOException;
  }

  /**
   * Runs {@code attempt} until it succeeds, a non-transient error happens, or
   * {@link RegistryConfig#maxAttempts} are used up; waits with exponential backoff and jitter in
   * between. Transient: no answer (refused, reset, timeout) and 408/429/5xx.
   */
  <T> T retry(Endpoint ep, String repository, String what, Attempt<T> attempt) throws IOException {
    long start = System.nanoTime();
    long backoff = config.initialBackoff().toMillis();
    for (int i = 1; ; i++) {
      try {
        return attempt.run();
      } catch (IOException e) {
        if (!retryable(e) || i >= config.maxAttempts()) {
          throw giveUp(ep, repository, what, e, i, start);
        }
      }
      long wait = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
      try {
        Thread.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting to retry " + what);
      }
      backoff = Math.min(backoff * 2, config.maxBackoff().toMillis());
    }
  }

  static boolean retryable(IOException e) {
    if (e instanceof RegistryException re) {
      return re.retryable();
    }
    if (e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException)) {
      return false;
    }
    return !isCertificateProblem(e) && !(e instanceof NotRetryable);
  }

  /** A certificate the client does not trust: retrying cannot help (unlike a cut-off handshake). */
  static boolean isCertificateProblem(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.security.cert.CertificateException
          || t instanceof java.security.cert.CertPathValidatorException) {
        return true;
      }
      String m = String.valueOf(t.getMessage());
      if (m.contains("PKIX") || m.contains("No subject alternative") || m.contains("No name matching")) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  private IOException giveUp(Endpoint ep, String repository, String what, IOException e, int attempts, long start) {
    if (e instanceof NotRetryable nr) {
      return nr.getCause() instanceof IOException io ? io : nr;
    }
    if (attempts == 1 && e instanceof RegistryException) {
      return e;
    }
    long ms = (System.nanoTime() - start) / 1_000_000;
    String cause = e instanceof RegistryException ? e.getMessage()
        : (e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage());
    int status = e instanceof RegistryException re ? re.status() : 0;
    String tries = attempts == 1 ? "" : " (gave up after " + attempts + " attempts in " + ms + " ms)";
    return new RegistryException(ep.registry, repository, status, ep.credentialSource(),
        what + " failed: " + cause + tries, e);
  }

  /** Wraps an error of our own side (e.g. the sink failing) so that it is not retried. */
  static final class NotRetryable extends IOException {
    private static final long serialVersionUID = 1L;

    NotRetryable(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }
}
