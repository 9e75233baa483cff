package io.jbuild.registry.testing;

import io.jbuild.oci.ImageReference;
import io.jbuild.registry.RegistryConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real registry for tests: Debian's CNCF distribution ({@code docker-registry serve CONFIG}) on
 * 127.0.0.1 at a free port with a temporary storage directory. Variants: no auth over HTTP;
 * htpasswd Basic auth over TLS with a test CA; Bearer tokens from a {@link TokenServer}.
 * Start with a factory, stop with {@link #close()} (try-with-resources or @AfterAll).
 */
public final class RegistryFixture implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

  private final Path dir;
  private final int port;
  private final Process process;
  private final TestCertificates certificates;
  private final TokenServer tokenServer;
  private final String username;
  private final String password;

  private RegistryFixture(Path dir, int port, Process process, TestCertificates certificates,
      TokenServer tokenServer, String username, String password) {
    this.dir = dir;
    this.port = port;
    this.process = process;
    this.certificates = certificates;
    this.tokenServer = tokenServer;
    this.username = username;
    this.password = password;
  }

  /** No authentication, plain HTTP. */
  public static RegistryFixture plainHttp() throws IOException {
    Prerequisites.require("docker-registry");
    Path dir = Files.createTempDirectory("jbuild-registry-");
    return start(dir, "", null, null, null, null);
  }

  /** htpasswd Basic authentication over TLS with a certificate of a test CA ({@link #caCertificate()}). */
  public static RegistryFixture htpasswdTls(String user, String password) throws IOException {
    Prerequisites.require("docker-registry");
    String htpasswd = Prerequisites.require("htpasswd").toString();
    Path dir = Files.createTempDirectory("jbuild-registry-");
    TestCertificates certs = TestCertificates.create(dir.resolve("tls"));
    Path file = dir.resolve("htpasswd");
    // distribution accepts bcrypt entries only
    Files.writeString(file, Tools.run(dir, htpasswd, "-Bbn", user, password));
    String config = "  tls:\n    certificate: " + certs.serverCertificate() + "\n    key: " + certs.serverKey() + "\n"
        + "auth:\n  htpasswd:\n    realm: jbuild-test\n    path: " + file + "\n";
    return start(dir, config, certs, null, user, password);
  }

  /** Bearer token authentication (plain HTTP) against a {@link TokenServer} that knows one user. */
  public static RegistryFixture tokenAuth(String user, String password, boolean anonymousPull) throws IOException {
    Prerequisites.require("docker-registry");
    Path dir = Files.createTempDirectory("jbuild-registry-");
    TokenServer ts = TokenServer.start(dir, user, password, anonymousPull);
    String config = "auth:\n  token:\n    realm: " + ts.realm() + "\n    service: " + TokenServer.SERVICE
        + "\n    issuer: " + TokenServer.ISSUER + "\n    rootcertbundle: " + ts.certificate() + "\n";
    try {
      return start(dir, config, null, ts, user, password);
    } catch (IOException | RuntimeException e) {
      ts.close();
      throw e;
    }
  }

  private static RegistryFixture start(Path dir, String extra, TestCertificates certs, TokenServer ts,
      String user, String password) throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path storage = dir.resolve("storage");
    Files.createDirectories(storage);
    // http: comes last so that a variant's "  tls:" lines nest under it; auth: follows at top level.
    String tls = extra.startsWith("  tls:") ? extra.substring(0, extra.indexOf("auth:")) : "";
    String auth = extra.startsWith("  tls:") ? extra.substring(extra.indexOf("auth:")) : extra;
    String config = "version: 0.1\n"
        + "log:\n  level: error\n  accesslog:\n    disabled: true\n"
        + "storage:\n  filesystem:\n    rootdirectory: " + storage + "\n  delete:\n    enabled: true\n"
        + "  maintenance:\n    uploadpurging:\n      enabled: false\n"
        + auth
        + "http:\n  addr: 127.0.0.1:" + port + "\n  secret: " + UUID.randomUUID() + "\n" + tls;
    Path configFile = dir.resolve("config.yml");
    Files.writeString(configFile, config);
    Path log = dir.resolve("registry.log");
    ProcessBuilder pb = new ProcessBuilder("docker-registry", "serve", configFile.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("REGISTRY_"));
    Process p = pb.start();
    RegistryFixture f = new RegistryFixture(dir, port, p, certs, ts, user, password);
    try {
      f.awaitListening(log);
    } catch (IOException | RuntimeException e) {
      f.close();
      throw e;
    }
    return f;
  }

  /** Polls (bounded) until the registry accepts connections on its port. */
  private void awaitListening(Path log) throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("docker-registry exited with " + process.exitValue() + ":\n" + Files.readString(log));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        try {
          process.waitFor(10, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while starting docker-registry");
        }
      }
    }
    throw new IOException("docker-registry did not listen on 127.0.0.1:" + port + " within " + START_TIMEOUT
        + ":\n" + Files.readString(log));
  }

  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:PORT}, the registry part of references. */
  public String host() {
    return "127.0.0.1:" + port;
  }

  /** {@code 127.0.0.1:PORT/} + {@code repositoryAndTag}, parsed. */
  public ImageReference reference(String repositoryAndTag) {
    return ImageReference.parse(host() + "/" + repositoryAndTag);
  }

  public boolean tls() {
    return certificates != null;
  }

  /** The test CA's PEM certificate, or null over plain HTTP. */
  public Path caCertificate() {
    return certificates == null ? null : certificates.caCertificate();
  }

  /** A directory with {@code ca.crt}, for skopeo's {@code --src-cert-dir/--dest-cert-dir}; null over HTTP. */
  public Path certDir() {
    return certificates == null ? null : certificates.certDir();
  }

  public TokenServer tokenServer() {
    return tokenServer;
  }

  public String username() {
    return username;
  }

  public String password() {
    return password;
  }

  public Path storage() {
    return dir.resolve("storage");
  }

  /**
   * A client configuration isolated from this machine's credentials (no auth file, Docker config
   * in an empty temporary directory) that trusts the test CA and retries quickly.
   */
  public RegistryConfig clientConfig(Path dockerConfigDir) {
    RegistryConfig c = RegistryConfig.defaults(Map.of("PATH", "/usr/bin:/bin"), dockerConfigDir.getParent())
        .withAuthFiles(null, dockerConfigDir)
        .withRetries(4, Duration.ofMillis(20), Duration.ofMillis(200))
        .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(10), 1024 * 1024);
    return certificates == null ? c : c.withCaCertificate(certificates.caCertificate());
  }

  /** skopeo's TLS flags for this registry, {@code prefix} "src" or "dest". */
  public List<String> skopeoTlsFlags(String prefix) {
    return certificates == null ? List.of("--" + prefix + "-tls-verify=false")
        : List.of("--" + prefix + "-cert-dir=" + certificates.certDir());
  }

  /** skopeo's credential flag for this registry, or none when it has no users. */
  public List<String> skopeoCredsFlags(String prefix) {
    return username == null ? List.of() : List.of("--" + prefix + "-creds=" + username + ":" + password);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    if (tokenServer != null) {
      tokenServer.close();
    }
    Tools.deleteTree(dir);
  }
}
