package io.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.oci.Descriptor;
import io.jbuild.oci.ImageReference;
import io.jbuild.registry.testing.Prerequisites;
import io.jbuild.registry.testing.RegistryFixture;
import io.jbuild.registry.testing.Tools;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Authentication against real registries: htpasswd Basic auth over TLS with a test CA, and Bearer
 * tokens from a test token server; credentials from a Docker config.json in a temporary
 * DOCKER_CONFIG, a containers auth.json (REGISTRY_AUTH_FILE), and credential helpers.
 */
class AuthTest {
  private static RegistryFixture basicTls;
  private static RegistryFixture token;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws IOException {
    basicTls = RegistryFixture.htpasswdTls("alice", "s3cret");
    token = RegistryFixture.tokenAuth("bob", "t0ken-pass", true);
  }

  @AfterAll
  static void stop() {
    if (basicTls != null) {
      basicTls.close();
    }
    if (token != null) {
      token.close();
    }
  }

  private static String auths(String host, String user, String password) {
    String auth = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    return "{\"auths\":{\"" + host + "\":{\"auth\":\"" + auth + "\"}}}";
  }

  /** A config like defaults() builds for DOCKER_CONFIG={@code dockerDir}, HOME={@code tmp}, extra env. */
  private RegistryConfig configFromEnvironment(RegistryFixture registry, Path dockerDir, Map<String, String> extra) {
    Map<String, String> env = new java.util.HashMap<>(Map.of("DOCKER_CONFIG", dockerDir.toString(),
        "PATH", tmp.resolve("bin").toString(), "XDG_RUNTIME_DIR", tmp.resolve("run").toString()));
    env.putAll(extra);
    RegistryConfig c = RegistryConfig.defaults(env, tmp.resolve("home"))
        .withRetries(2, java.time.Duration.ofMillis(10), java.time.Duration.ofMillis(50));
    return registry.caCertificate() == null ? c : c.withCaCertificate(registry.caCertificate());
  }

  private static void pushAndFetch(RegistryAccess access, ImageReference repo) throws IOException {
    byte[] content = ("blob for " + repo).getBytes(StandardCharsets.UTF_8);
    Descriptor d = RegistryAccessTest.blob(content);
    access.pushBlob(repo, d, () -> new ByteArrayInputStream(content));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    access.fetchBlob(repo, d, out);
    assertArrayEquals(content, out.toByteArray());
  }

  @Test
  void basicAuthOverTls_credentialsFromDockerConfigJson_pushAndFetchWork() throws IOException {
    Path docker = Files.createDirectories(tmp.resolve("docker"));
    Files.writeString(docker.resolve("config.json"), auths(basicTls.host(), "alice", "s3cret"));

    RegistryAccess access = new RegistryAccess(configFromEnvironment(basicTls, docker, Map.of()));

    pushAndFetch(access, basicTls.reference("auth/basic:1"));
  }

  @Test
  void basicAuthOverTls_wrongPassword_errorNamesRegistryStatusAndCredentialSource() throws IOException {
    Path docker = Files.createDirectories(tmp.resolve("docker"));
    Files.writeString(docker.resolve("config.json"), auths("https://" + basicTls.host(), "alice", "wrong"));
    RegistryAccess access = new RegistryAccess(configFromEnvironment(basicTls, docker, Map.of()));

    RegistryException e = assertThrows(RegistryException.class,
        () -> access.fetchManifest(basicTls.reference("auth/basic:missing")));

    assertEquals(401, e.status());
    assertTrue(e.getMessage().contains(basicTls.host()), e.getMessage());
    assertTrue(e.getMessage().contains(docker.resolve("config.json").toString()), e.getMessage());
    assertTrue(e.credentialSource().contains("auths entry"), e.credentialSource());
  }

  @Test
  void basicAuthOverTls_noCredentials_errorSaysWhereItLooked() throws IOException {
    Path docker = Files.createDirectories(tmp.resolve("docker"));
    RegistryAccess access = new RegistryAccess(configFromEnvironment(basicTls, docker, Map.of()));

    RegistryException e = assertThrows(RegistryException.class,
        () -> access.fetchManifest(basicTls.reference("auth/basic:1")));

    assertEquals(401, e.status());
    assertTrue(e.getMessage().contains("jbuild login " + basicTls.host()), e.getMessage());
    assertTrue(e.getMessage().contains(docker.resolve("config.json") + " (absent)"), e.getMessage());
  }

  @Test
  void tls_caNotTrusted_failsAtOnceNamingTheHandshake() throws IOException {
    Path docker = Files.createDirectories(tmp.resolve("docker"));
    RegistryConfig untrusting = RegistryConfig.defaults(Map.of("PATH", "/usr/bin"), tmp)
        .withAuthFiles(null, docker).withRetries(4, java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(5));
    long start = System.nanoTime();

    RegistryException e = assertThrows(RegistryException.class,
        () -> new RegistryAccess(untrusting).fetchManifest(basicTls.reference("auth/basic:1")));

    assertTrue(e.getMessage().contains("TLS"), e.getMessage());
    assertTrue(System.nanoTime() - start < 4_000_000_000L, "a certificate error is not retried");
  }

  @Test
  void registryAuthFile_takesPrecedenceOverDockerConfig() throws IOException {
    Path docker = Files.createDirectories(tmp.resolve("docker"));
    Files.writeString(docker.resolve("config.json"), auths(basicTls.host(), "alice", "wrong"));
    Path authFile = tmp.resolve("auth.json");
    Files.writeString(authFile, auths(basicTls.host(), "alice", "s3cret"));

    RegistryAccess access = new RegistryAccess(
        configFromEnvironment(basicTls, docker, Map.of("REGISTRY_AUTH_FILE", authFile.toString())));

    pushAndFetch(access, basicTls.reference("auth/authfile:1"));
  }

  @Test
  void containersAuthJsonInRuntimeDir_isFoundWithoutRegistryAuthFile() throws IOException {
    Path docker = Files.createDirectories(tmp.resolve("docker"));
    Path runtime = Files.createDirectories(tmp.resolve("run/containers"));
    Files.writeString(runtime.resolve("auth.json"), auths(basicTls.host(), "alice", "s3cret"));

    RegistryConfig config = configFromEnvironment(basicTls, docker, Map.of());

    assertEquals(runtime.resolve("auth.json"), config.authFile());
    pushAndFetch(new RegistryAccess(config), basicTls.reference("auth/runtime:1"));
  }

  private Path helper(String name, String user, String secret) throws IOException {
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path script = bin.resolve("docker-credential-" + name);
    // the docker-credential-helpers protocol: `get` reads the server URL on stdin
    Files.writeString(script, "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread url\n"
        + "if [ \"$url\" = \"" + basicTls.host() + "\" ]; then\n"
        + "  printf '{\"ServerURL\":\"%s\",\"Username\":\"" + user + "\",\"Secret\":\"" + secret + "\"}' \"$url\"\n"
        + "else echo 'credentials not found in native keychain'; exit 1; fi\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  @Test
  void credHelpers_forTheRegistry_runsDockerCredentialName() throws IOException {
    Path docker = Files.createDirectories(tmp.resolve("docker"));
    helper("jbtest", "alice", "s3cret");
    Files.writeString(docker.resolve("config.json"), "{\"credHelpers\":{\"" + basicTls.host() + "\":\"jbtest\"}}");

    pushAndFetch(new RegistryAccess(configFromEnvironment(basicTls, docker, Map.of())),
        basicTls.reference("auth/helper:1"));
  }

  @Test
  void credsStore_withWrongSecret_errorNamesTheHelper() throws IOException {
    Path docker = Files.createDirectories(tmp.resolve("docker"));
    helper("jbstore", "alice", "nope");
    Files.writeString(docker.resolve("config.json"), "{\"credsStore\":\"jbstore\"}");
    RegistryAccess access = new RegistryAccess(configFromEnvironment(basicTls, docker, Map.of()));

    RegistryException e = assertThrows(RegistryException.class,
        () -> access.fetchManifest(basicTls.reference("auth/store:1")));

    assertEquals(401, e.status());
    assertTrue(e.getMessage().contains("docker-credential-jbstore (credsStore in"), e.getMessage());
  }

  @Test
  void bearerToken_anonymousPullAllowed_pushNeedsCredentials() throws IOException {
    Path docker = Files.createDirectories(tmp.resolve("docker"));
    Files.writeString(docker.resolve("config.json"), auths(token.host(), "bob", "t0ken-pass"));
    RegistryAccess withCreds = new RegistryAccess(configFromEnvironment(token, docker, Map.of()));
    ImageReference repo = token.reference("auth/token:1");
    pushAndFetch(withCreds, repo);
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    RegistryAccess anonymous = new RegistryAccess(configFromEnvironment(token, empty, Map.of()));
    byte[] content = ("blob for " + repo).getBytes(StandardCharsets.UTF_8);

    assertTrue(anonymous.blobExists(repo, RegistryAccessTest.blob(content).digest()), "anonymous pull");
    RegistryException e = assertThrows(RegistryException.class, () -> anonymous.pushBlob(repo,
        RegistryAccessTest.blob("new".getBytes()), () -> new ByteArrayInputStream("new".getBytes())));
    assertEquals(401, e.status());
    assertTrue(e.getMessage().contains("anonymous"), e.getMessage());
    assertTrue(token.tokenServer().issued() > 0);
  }

  @Test
  void bearerToken_wrongPassword_errorNamesTheTokenServer() throws IOException {
    Path docker = Files.createDirectories(tmp.resolve("docker"));
    Files.writeString(docker.resolve("config.json"), auths(token.host(), "bob", "bad"));
    RegistryAccess access = new RegistryAccess(configFromEnvironment(token, docker, Map.of()));

    RegistryException e = assertThrows(RegistryException.class,
        () -> access.fetchManifest(token.reference("auth/token:1")));

    assertEquals(401, e.status());
    assertTrue(e.getMessage().contains(token.tokenServer().realm()), e.getMessage());
    assertTrue(e.getMessage().contains("auths entry"), e.getMessage());
  }

  @Test
  void login_writesDockerFormatThatSkopeoReads_andLogoutRemovesIt() throws IOException {
    String skopeo = Prerequisites.require("skopeo").toString();
    Path docker = Files.createDirectories(tmp.resolve("docker"));
    Files.writeString(docker.resolve("config.json"), "{\"experimental\":\"enabled\"}");
    RegistryConfig config = configFromEnvironment(basicTls, docker, Map.of());
    CredentialStore store = new CredentialStore(config);

    store.login(basicTls.host(), new RegistryCredential("alice", "s3cret"));
    RegistryAccess access = new RegistryAccess(config);
    byte[] cfg = "{}".getBytes(StandardCharsets.UTF_8);
    Descriptor cfgDesc = Descriptor.of(io.jbuild.oci.MediaTypes.OCI_CONFIG, io.jbuild.oci.Digest.sha256(cfg), cfg.length);
    access.pushBlob(basicTls.reference("auth/login:1"), cfgDesc, () -> new ByteArrayInputStream(cfg));
    access.pushManifest(basicTls.reference("auth/login:1"), io.jbuild.oci.MediaTypes.OCI_MANIFEST,
        io.jbuild.oci.Json.write(io.jbuild.oci.ImageManifest.oci(cfgDesc, List.of())));
    // skopeo (containers/image) reads the file we wrote, proving it is Docker's format
    Tools.run(tmp, skopeo, "list-tags", "--authfile", docker.resolve("config.json").toString(),
        "--cert-dir", basicTls.certDir().toString(), "docker://" + basicTls.host() + "/auth/login");
    assertTrue(Files.readString(docker.resolve("config.json")).contains("\"experimental\""), "other keys kept");

    assertTrue(store.logout(basicTls.host()));
    assertEquals(null, store.lookup(basicTls.host()).credential());
  }

  @Test
  void lookup_dockerHubKeys_matchDockerIo() throws IOException {
    Path docker = Files.createDirectories(tmp.resolve("docker"));
    Files.writeString(docker.resolve("config.json"), auths("https://index.docker.io/v1/", "hubuser", "pw"));

    CredentialStore.Lookup l = new CredentialStore(configFromEnvironment(basicTls, docker, Map.of())).lookup("docker.io");

    assertEquals(new RegistryCredential("hubuser", "pw"), l.credential());
    assertTrue(l.source().contains("https://index.docker.io/v1/"), l.source());
  }

  @Test
  void explicitCredentials_comeFirst() throws IOException {
    Path docker = Files.createDirectories(tmp.resolve("docker"));
    Files.writeString(docker.resolve("config.json"), auths(basicTls.host(), "alice", "wrong"));
    RegistryConfig c = configFromEnvironment(basicTls, docker, Map.of())
        .withCredential(basicTls.host(), new RegistryCredential("alice", "s3cret"));

    pushAndFetch(new RegistryAccess(c), basicTls.reference("auth/explicit:1"));
    assertEquals("explicit credentials", new CredentialStore(c).lookup(basicTls.host()).source());
  }

}
