package io.jbuild.registry;

import io.jbuild.oci.Json;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How jbuild talks to registries: where credentials come from (DESIGN.md "Registry": explicit,
 * then {@code REGISTRY_AUTH_FILE} / containers auth.json, then Docker's config.json), which
 * registries may use plain HTTP, extra CA certificates, mirrors, timeouts and retries.
 *
 * <p>The registries file ({@code $JBUILD_REGISTRIES_CONFIG}, else
 * {@code $XDG_CONFIG_HOME/jbuild/registries.json}, else {@code /etc/jbuild/registries.json}):
 *
 * <pre>{@code
 * {
 *   "mirrors":  { "docker.io": ["127.0.0.1:5001", "mirror.example.com"] },
 *   "insecure": ["registry.internal:5000"]
 * }
 * }</pre>
 *
 * Mirrors serve pulls only and are tried in order; the registry itself is the last resort.
 *
 * @param credentials explicit credentials by registry host (CLI/plugin), tried first
 * @param authFile containers-auth.json, or null
 * @param dockerConfigDir the directory of Docker's config.json, or null
 * @param helperSearchPath where {@code docker-credential-NAME} programs are looked for
 * @param insecureRegistries hosts (with port) that may use plain HTTP or unverified TLS
 * @param caCertificates PEM files of CAs trusted in addition to the JDK's
 * @param mirrors registry host to mirror hosts, tried in order for pulls
 * @param readTimeout longest wait for a response or for the next bytes of a body
 * @param minUploadBytesPerSecond an upload slower than this on average is abandoned and retried
 * @param maxAttempts attempts of one request before giving up (transient failures only)
 * @param chunkSize blobs larger than this are uploaded in PATCH chunks of this size; 0 means
 *     monolithic (POST then PUT) uploads
 * @param parallelism how many blobs move at once
 */
public record RegistryConfig(
    Map<String, RegistryCredential> credentials,
    Path authFile,
    Path dockerConfigDir,
    List<Path> helperSearchPath,
    Set<String> insecureRegistries,
    List<Path> caCertificates,
    Map<String, List<String>> mirrors,
    Duration connectTimeout,
    Duration readTimeout,
    long minUploadBytesPerSecond,
    int maxAttempts,
    Duration initialBackoff,
    Duration maxBackoff,
    long chunkSize,
    int parallelism) {

  public RegistryConfig {
    credentials = Map.copyOf(credentials);
    helperSearchPath = List.copyOf(helperSearchPath);
    insecureRegistries = Set.copyOf(insecureRegistries);
    caCertificates = List.copyOf(caCertificates);
    Map<String, List<String>> m = new LinkedHashMap<>();
    mirrors.forEach((k, v) -> m.put(k, List.copyOf(v)));
    mirrors = Map.copyOf(m);
    if (maxAttempts < 1 || parallelism < 1 || chunkSize < 0) {
      throw new IllegalArgumentException("maxAttempts and parallelism must be >= 1, chunkSize >= 0");
    }
  }

  /** Configuration from the environment of this process and the files it names. */
  public static RegistryConfig defaults() {
    return defaults(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /** Configuration from {@code env} and {@code home}; tests pass their own. */
  public static RegistryConfig defaults(Map<String, String> env, Path home) {
    Path authFile = null;
    String registryAuthFile = env.get("REGISTRY_AUTH_FILE");
    if (registryAuthFile != null && !registryAuthFile.isEmpty()) {
      authFile = Path.of(registryAuthFile);
    } else {
      // containers-auth.json(5): $XDG_RUNTIME_DIR/containers/auth.json, then
      // $XDG_CONFIG_HOME/containers/auth.json; root's runtime dir is /run/containers/0.
      List<Path> candidates = new ArrayList<>();
      String runtime = env.get("XDG_RUNTIME_DIR");
      if (runtime != null && !runtime.isEmpty()) {
        candidates.add(Path.of(runtime, "containers", "auth.json"));
      } else if ("root".equals(System.getProperty("user.name"))) {
        candidates.add(Path.of("/run/containers/0/auth.json"));
      }
      candidates.add(configHome(env, home).resolve("containers").resolve("auth.json"));
      authFile = candidates.stream().filter(Files::isRegularFile).findFirst().orElse(null);
    }
    String dockerConfig = env.get("DOCKER_CONFIG");
    Path dockerDir = dockerConfig != null && !dockerConfig.isEmpty() ? Path.of(dockerConfig) : home.resolve(".docker");

    List<Path> searchPath = new ArrayList<>();
    for (String p : env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin").split(File.pathSeparator)) {
      if (!p.isEmpty()) {
        searchPath.add(Path.of(p));
      }
    }
    Set<String> insecure = new LinkedHashSet<>();
    for (String r : env.getOrDefault("JBUILD_INSECURE_REGISTRIES", "").split(",")) {
      if (!r.isBlank()) {
        insecure.add(r.trim().toLowerCase(Locale.ROOT));
      }
    }
    List<Path> cas = new ArrayList<>();
    for (String p : env.getOrDefault("JBUILD_REGISTRY_CA", "").split(File.pathSeparator)) {
      if (!p.isBlank()) {
        cas.add(Path.of(p.trim()));
      }
    }
    Map<String, List<String>> mirrors = new LinkedHashMap<>();
    Path registriesFile = registriesFile(env, home);
    if (registriesFile != null) {
      readRegistriesFile(registriesFile, mirrors, insecure);
    }
    return new RegistryConfig(Map.of(), authFile, dockerDir, searchPath, insecure, cas, mirrors,
        Duration.ofSeconds(15), Duration.ofSeconds(60), 16 * 1024, 5, Duration.ofMillis(500),
        Duration.ofSeconds(8), 0, parallelism(env));
  }

  /**
   * How many blobs move at once: {@code $JBUILD_REGISTRY_PARALLELISM}, else 6, what skopeo and
   * containers/image use for downloads (max-parallel-downloads), and enough to keep a loopback or
   * LAN link busy while one blob waits on the registry's disk.
   */
  static int parallelism(Map<String, String> env) {
    String v = env.get("JBUILD_REGISTRY_PARALLELISM");
    if (v == null || v.isBlank()) {
      return 6;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 1 && n <= 64) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through to the error
    }
    throw new IllegalArgumentException("JBUILD_REGISTRY_PARALLELISM=" + v + ": expected a number from 1 to 64");
  }

  private static Path configHome(Map<String, String> env, Path home) {
    String xdg = env.get("XDG_CONFIG_HOME");
    return xdg != null && !xdg.isEmpty() ? Path.of(xdg) : home.resolve(".config");
  }

  private static Path registriesFile(Map<String, String> env, Path home) {
    String explicit = env.get("JBUILD_REGISTRIES_CONFIG");
    if (explicit != null && !explicit.isEmpty()) {
      return Path.of(explicit);
    }
    for (Path p : List.of(configHome(env, home).resolve("jbuild/registries.json"), Path.of("/etc/jbuild/registries.json"))) {
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    return null;
  }

  /** Reads the registries file (format in the class comment) into {@code mirrors} and {@code insecure}. */
  static void readRegistriesFile(Path file, Map<String, List<String>> mirrors, Set<String> insecure) {
    Object root;
    try {
      root = Json.readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the registries file " + file + ": " + e.getMessage(), e);
    }
    if (!(root instanceof Map<?, ?>)) {
      throw new IllegalArgumentException("the registries file " + file + " must hold a JSON object");
    }
    if (Json.field(root, "mirrors") instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        List<String> hosts = new ArrayList<>();
        if (!(e.getValue() instanceof List<?> list)) {
          throw new IllegalArgumentException("registries file " + file + ": mirrors." + e.getKey()
              + " must be a list of hosts");
        }
        for (Object h : list) {
          hosts.add(stripScheme(Json.text(h, "null")));
        }
        mirrors.put(((String) e.getKey()).toLowerCase(Locale.ROOT), hosts);
      }
    }
    for (Object h : Json.elements(Json.field(root, "insecure"))) {
      insecure.add(stripScheme(Json.text(h, "null")).toLowerCase(Locale.ROOT));
    }
  }

  private static String stripScheme(String host) {
    String h = host.replaceFirst("^https?://", "");
    return h.endsWith("/") ? h.substring(0, h.length() - 1) : h;
  }

  public RegistryConfig withCredential(String registry, RegistryCredential credential) {
    Map<String, RegistryCredential> c = new LinkedHashMap<>(credentials);
    c.put(registry, credential);
    return new RegistryConfig(c, authFile, dockerConfigDir, helperSearchPath, insecureRegistries, caCertificates,
        mirrors, connectTimeout, readTimeout, minUploadBytesPerSecond, maxAttempts, initialBackoff, maxBackoff,
        chunkSize, parallelism);
  }

  public RegistryConfig withAuthFiles(Path newAuthFile, Path newDockerConfigDir) {
    return new RegistryConfig(credentials, newAuthFile, newDockerConfigDir, helperSearchPath, insecureRegistries,
        caCertificates, mirrors, connectTimeout, readTimeout, minUploadBytesPerSecond, maxAttempts, initialBackoff,
        maxBackoff, chunkSize, parallelism);
  }

  public RegistryConfig withHelperSearchPath(List<Path> path) {
    return new RegistryConfig(credentials, authFile, dockerConfigDir, path, insecureRegistries, caCertificates,
        mirrors, connectTimeout, readTimeout, minUploadBytesPerSecond, maxAttempts, initialBackoff, maxBackoff,
        chunkSize, parallelism);
  }

  public RegistryConfig withInsecureRegistry(String registry) {
    Set<String> s = new LinkedHashSet<>(insecureRegistries);
    s.add(registry.toLowerCase(Locale.ROOT));
    return new RegistryConfig(credentials, authFile, dockerConfigDir, helperSearchPath, s, caCertificates,
        mirrors, connectTimeout, readTimeout, minUploadBytesPerSecond, maxAttempts, initialBackoff, maxBackoff,
        chunkSize, parallelism);
  }

  public RegistryConfig withCaCertificate(Path pem) {
    List<Path> l = new ArrayList<>(caCertificates);
    l.add(pem);
    return new RegistryConfig(credentials, authFile, dockerConfigDir, helperSearchPath, insecureRegistries, l,
        mirrors, connectTimeout, readTimeout, minUploadBytesPerSecond, maxAttempts, initialBackoff, maxBackoff,
        chunkSize, parallelism);
  }

  public RegistryConfig withMirrors(String registry, List<String> mirrorHosts) {
    Map<String, List<String>> m = new LinkedHashMap<>(mirrors);
    m.put(registry.toLowerCase(Locale.ROOT), mirrorHosts);
    return new RegistryConfig(credentials, authFile, dockerConfigDir, helperSearchPath, insecureRegistries,
        caCertificates, m, connectTimeout, readTimeout, minUploadBytesPerSecond, maxAttempts, initialBackoff,
        maxBackoff, chunkSize, parallelism);
  }

  public RegistryConfig withTimeouts(Duration connect, Duration read, long minUploadRate) {
    return new RegistryConfig(credentials, authFile, dockerConfigDir, helperSearchPath, insecureRegistries,
        caCertificates, mirrors, connect, read, minUploadRate, maxAttempts, initialBackoff, maxBackoff, chunkSize,
        parallelism);
  }

  public RegistryConfig withRetries(int attempts, Duration initial, Duration max) {
    return new RegistryConfig(credentials, authFile, dockerConfigDir, helperSearchPath, insecureRegistries,
        caCertificates, mirrors, connectTimeout, readTimeout, minUploadBytesPerSecond, attempts, initial, max,
        chunkSize, parallelism);
  }

  public RegistryConfig withChunkSize(long bytes) {
    return new RegistryConfig(credentials, authFile, dockerConfigDir, helperSearchPath, insecureRegistries,
        caCertificates, mirrors, connectTimeout, readTimeout, minUploadBytesPerSecond, maxAttempts, initialBackoff,
        maxBackoff, bytes, parallelism);
  }

  public RegistryConfig withParallelism(int n) {
    return new RegistryConfig(credentials, authFile, dockerConfigDir, helperSearchPath, insecureRegistries,
        caCertificates, mirrors, connectTimeout, readTimeout, minUploadBytesPerSecond, maxAttempts, initialBackoff,
        maxBackoff, chunkSize, n);
  }

  /**
   * Plain HTTP is allowed for loopback registries, as Docker allows, and for registries named
   * insecure; every other registry is HTTPS with verified certificates.
   */
  boolean allowsPlainHttp(String registry) {
    return isLoopback(registry) || isInsecure(registry);
  }

  boolean isInsecure(String registry) {
    String r = registry.toLowerCase(Locale.ROOT);
    return insecureRegistries.contains(r) || insecureRegistries.contains(hostOf(r));
  }

  static boolean isLoopback(String registry) {
    String host = hostOf(registry.toLowerCase(Locale.ROOT));
    return host.equals("localhost") || host.equals("[::1]") || host.equals("::1")
        || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }

  static String hostOf(String registry) {
    if (registry.startsWith("[")) {
      int end = registry.indexOf(']');
      return end > 0 ? registry.substring(0, end + 1) : registry;
    }
    int colon = registry.lastIndexOf(':');
    return colon > 0 ? registry.substring(0, colon) : registry;
  }
}
