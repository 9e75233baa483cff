package io.jbuild.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jbuild.oci.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Finds credentials for a registry in the order of DESIGN.md "Registry", and writes Docker's
 * config.json for {@code jbuild login/logout}.
 *
 * <p>Both containers-auth.json(5) and Docker's config.json have the same shape: {@code auths}
 * (host to {@code {"auth": base64(user:password)}} or {@code identitytoken}), {@code credHelpers}
 * (host to helper NAME) and {@code credsStore} (helper NAME for all hosts), where a helper is the
 * program {@code docker-credential-NAME} speaking the docker-credential-helpers protocol
 * (server URL on stdin, {@code {"Username","Secret"}} JSON on stdout).
 */
public final class CredentialStore {
  /** Docker keeps Docker Hub's credentials under its v1 index URL. */
  static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";
  private static final long HELPER_TIMEOUT_SECONDS = 30;

  private final RegistryConfig config;

  public CredentialStore(RegistryConfig config) {
    this.config = config;
  }

  /**
   * A credential and where it came from; {@code credential} is null when none was found, and then
   * {@code source} lists the places looked in.
   */
  public record Lookup(RegistryCredential credential, String source) {}

  /** Looks up the credential for {@code registry} (host[:port], e.g. {@code docker.io}). */
  public Lookup lookup(String registry) throws IOException {
    String host = normalise(registry);
    for (Map.Entry<String, RegistryCredential> e : config.credentials().entrySet()) {
      if (normalise(e.getKey()).equals(host)) {
        return new Lookup(e.getValue(), "explicit credentials");
      }
    }
    List<String> looked = new ArrayList<>();
    looked.add("explicit credentials");
    if (config.authFile() != null) {
      Lookup l = fromConfigFile(config.authFile(), host, "auth file " + config.authFile(), looked);
      if (l != null) {
        return l;
      }
    }
    if (config.dockerConfigDir() != null) {
      Path docker = config.dockerConfigDir().resolve("config.json");
      Lookup l = fromConfigFile(docker, host, docker.toString(), looked);
      if (l != null) {
        return l;
      }
    }
    return new Lookup(null, "none found for " + host + " (looked in " + String.join(", ", looked) + ")");
  }

  private Lookup fromConfigFile(Path file, String host, String name, List<String> looked) throws IOException {
    if (!Files.isRegularFile(file)) {
      looked.add(name + " (absent)");
      return null;
    }
    looked.add(name);
    Map<?, ?> root = readConfig(file);
    String helper = null;
    String helperKind = null;
    for (Map.Entry<?, ?> e : fields(root, "credHelpers")) {
      if (normalise((String) e.getKey()).equals(host)) {
        helper = Json.text(e.getValue(), "null");
        helperKind = "credHelpers";
      }
    }
    Object store = root.get("credsStore");
    if (helper == null && store != null && !Json.text(store, "null").isEmpty()) {
      helper = Json.text(store, "null");
      helperKind = "credsStore";
    }
    if (helper != null) {
      String source = "docker-credential-" + helper + " (" + helperKind + " in " + file + ")";
      Path program = findHelper(helper);
      if (program == null) {
        looked.add(source + ": program not found");
      } else {
        RegistryCredential c = runHelperGet(program, serverUrl(host), source);
        if (c != null) {
          return new Lookup(c, source);
        }
        looked.add(source + ": no entry");
      }
    }
    for (Map.Entry<?, ?> e : fields(root, "auths")) {
      if (!normalise((String) e.getKey()).equals(host)) {
        continue;
      }
      RegistryCredential c = fromAuthsEntry(e.getValue(), file);
      if (c != null) {
        return new Lookup(c, "auths entry \"" + e.getKey() + "\" in " + name);
      }
    }
    return null;
  }

  private static RegistryCredential fromAuthsEntry(Object entry, Path file) throws IOException {
    String identityToken = Json.text(Json.field(entry, "identitytoken"), "");
    if (!identityToken.isEmpty()) {
      return RegistryCredential.identityToken(identityToken);
    }
    String auth = Json.text(Json.field(entry, "auth"), "");
    if (!auth.isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new IOException("malformed \"auth\" value (not base64) in " + file);
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new IOException("malformed \"auth\" value (no user:password) in " + file);
      }
      return new RegistryCredential(decoded.substring(0, colon), decoded.substring(colon + 1));
    }
    String user = Json.text(Json.field(entry, "username"), "");
    String password = Json.text(Json.field(entry, "password"), "");
    return user.isEmpty() ? null : new RegistryCredential(user, password);
  }

  /**
   * Stores a credential for {@code registry} in Docker's config.json (in the configured
   * DOCKER_CONFIG directory), through its credential helper when one is configured for it.
   * Returns where it was stored.
   */
  public String login(String registry, RegistryCredential credential) throws IOException {
    return ConfigEdits.login(this, registry, credential);
  }

  /** Removes the credential of {@code registry}; false when there was none. */
  public boolean logout(String registry) throws IOException {
    return ConfigEdits.logout(this, registry);
  }

  private Path dockerConfigFile() {
    if (config.dockerConfigDir() == null) {
      throw new IllegalStateException("no Docker config directory is configured");
    }
    return config.dockerConfigDir().resolve("config.json");
  }

  /** The entries of an object field of a config file; none when it is missing or no object. */
  private static java.util.Set<? extends Map.Entry<?, ?>> fields(Map<?, ?> root, String name) {
    return root.get(name) instanceof Map<?, ?> m ? m.entrySet() : java.util.Set.of();
  }

  /** A config file for look-ups, without databind (login/logout edit it with databind). */
  private static Map<?, ?> readConfig(Path file) throws IOException {
    try {
      if (Json.readTree(Files.readAllBytes(file)) instanceof Map<?, ?> m) {
        return m;
      }
      throw new IOException("credentials file " + file + " does not hold a JSON object");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException("malformed credentials file " + file + ": " + e.getOriginalMessage(), e);
    }
  }

  private Path findHelper(String name) {
    for (Path dir : config.helperSearchPath()) {
      Path p = dir.resolve("docker-credential-" + name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  private static RegistryCredential runHelperGet(Path program, String serverUrl, String source) throws IOException {
    byte[] out = runHelper(program, "get", serverUrl.getBytes(StandardCharsets.UTF_8), source);
    if (out == null) {
      return null;
    }
    Object n = Json.readTree(out);
    String user = Json.text(Json.field(n, "Username"), "");
    String secret = Json.text(Json.field(n, "Secret"), "");
    if (secret.isEmpty()) {
      return null;
    }
    return new RegistryCredential(user.isEmpty() ? RegistryCredential.IDENTITY_TOKEN_USER : user, secret);
  }

  /** Runs a helper; null when it says the credentials are not found (its documented answer). */
  private static byte[] runHelper(Path program, String verb, byte[] input, String source) throws IOException {
    Process p = new ProcessBuilder(program.toString(), verb).redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(input);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream o = p.getInputStream()) {
      o.transferTo(out);
    }
    try {
      if (!p.waitFor(HELPER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(source + " did not finish within " + HELPER_TIMEOUT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException(source + " was interrupted", e);
    }
    String text = out.toString(StandardCharsets.UTF_8).trim();
    if (p.exitValue() != 0) {
      if (text.toLowerCase(Locale.ROOT).contains("credentials not found")) {
        return null;
      }
      throw new IOException(source + " " + verb + " failed with exit code " + p.exitValue() + ": " + text);
    }
    return out.toByteArray();
  }

  /** The key Docker writes for a host: its v1 URL for Docker Hub, the bare host otherwise. */
  static String configKey(String host) {
    return host.equals("docker.io") ? DOCKER_HUB_KEY : host;
  }

  static String serverUrl(String host) {
    return configKey(host);
  }

  /** A config key or registry name reduced to host[:port]: scheme and path dropped, Hub aliases merged. */
  static String normalise(String key) {
    String k = key.trim().toLowerCase(Locale.ROOT).replaceFirst("^[a-z]+://", "");
    int slash = k.indexOf('/');
    if (slash >= 0) {
      k = k.substring(0, slash);
    }
    return switch (k) {
      case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com" -> "docker.io";
      default -> k;
    };
  }

  /**
   * {@code jbuild login/logout}: edits of config.json on databind's trees, which keep the file's
   * order and format. A class of its own so that look-ups (every pull) load no databind class.
   */
  private static final class ConfigEdits {
    private ConfigEdits() {}

    static String login(CredentialStore store, String registry, RegistryCredential credential) throws IOException {
      Path file = store.dockerConfigFile();
      String host = normalise(registry);
      ObjectNode root = Files.isRegularFile(file) ? (ObjectNode) readJson(file) : Json.mapper().createObjectNode();
      String helper = helperFor(root, host);
      if (helper != null) {
        Path program = store.findHelper(helper);
        if (program == null) {
          throw new IOException("credential helper docker-credential-" + helper + " (configured in " + file
              + ") is not on the PATH");
        }
        ObjectNode payload = Json.mapper().createObjectNode();
        payload.put("ServerURL", serverUrl(host));
        payload.put("Username", credential.username());
        payload.put("Secret", credential.secret());
        runHelper(program, "store", Json.write(payload), "docker-credential-" + helper);
        return "docker-credential-" + helper;
      }
      ObjectNode auths = root.has("auths") && root.get("auths").isObject()
          ? (ObjectNode) root.get("auths") : root.putObject("auths");
      removeKeys(auths, host);
      ObjectNode entry = auths.putObject(configKey(host));
      if (credential.isIdentityToken()) {
        entry.put("identitytoken", credential.secret());
      } else {
        entry.put("auth", Base64.getEncoder().encodeToString(
            (credential.username() + ":" + credential.secret()).getBytes(StandardCharsets.UTF_8)));
      }
      writeAtomically(file, root);
      return file.toString();
    }

    static boolean logout(CredentialStore store, String registry) throws IOException {
      Path file = store.dockerConfigFile();
      if (!Files.isRegularFile(file)) {
        return false;
      }
      String host = normalise(registry);
      ObjectNode root = (ObjectNode) readJson(file);
      boolean removed = false;
      String helper = helperFor(root, host);
      if (helper != null) {
        Path program = store.findHelper(helper);
        if (program != null) {
          removed = runHelper(program, "erase", serverUrl(host).getBytes(StandardCharsets.UTF_8),
              "docker-credential-" + helper) != null;
        }
      }
      if (root.get("auths") instanceof ObjectNode auths) {
        removed |= removeKeys(auths, host);
        writeAtomically(file, root);
      }
      return removed;
    }

    private static String helperFor(JsonNode root, String host) {
      for (Iterator<Map.Entry<String, JsonNode>> it = root.path("credHelpers").fields(); it.hasNext();) {
        Map.Entry<String, JsonNode> e = it.next();
        if (normalise(e.getKey()).equals(host)) {
          return e.getValue().asText();
        }
      }
      String store = root.path("credsStore").asText("");
      return store.isEmpty() ? null : store;
    }

    private static boolean removeKeys(ObjectNode auths, String host) {
      List<String> keys = new ArrayList<>();
      auths.fieldNames().forEachRemaining(k -> {
        if (normalise(k).equals(host)) {
          keys.add(k);
        }
      });
      keys.forEach(auths::remove);
      return !keys.isEmpty();
    }

    private static void writeAtomically(Path file, JsonNode root) throws IOException {
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), ".config-", ".json");
      try {
        try {
          Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
          // not a POSIX file system: the platform's defaults apply
        }
        Files.write(tmp, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        try {
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    }

    private static JsonNode readJson(Path file) throws IOException {
      try {
        JsonNode n = Json.mapper().readTree(Files.readAllBytes(file));
        if (n == null || !n.isObject()) {
          throw new IOException("credentials file " + file + " does not hold a JSON object");
        }
        return n;
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IOException("malformed credentials file " + file + ": " + e.getOriginalMessage(), e);
      }
    }
  }
}
