package io.jbuild.registry.testing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.jbuild.oci.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal token server of the Docker token authentication spec for {@code auth: token:}
 * registries: it checks Basic credentials and answers a JWT (RS256, with the signing certificate
 * in {@code x5c}, which the registry verifies against its {@code rootcertbundle}) granting the
 * requested actions. Anonymous callers get no access unless {@code anonymousPull}.
 */
public final class TokenServer implements AutoCloseable {
  public static final String SERVICE = "jbuild-test-registry";
  public static final String ISSUER = "jbuild-test-issuer";

  private final HttpServer server;
  private final PrivateKey key;
  private final String x5c;
  private final String user;
  private final String password;
  private final boolean anonymousPull;
  private final Path certificate;
  private final AtomicInteger issued = new AtomicInteger();

  private TokenServer(Path dir, String user, String password, boolean anonymousPull) throws IOException {
    String openssl = Prerequisites.require("openssl").toString();
    Path keyFile = dir.resolve("token.key");
    certificate = dir.resolve("token.crt");
    Tools.run(dir, openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile.toString(),
        "-out", certificate.toString(), "-days", "2", "-subj", "/CN=jbuild test token signer");
    try {
      String pem = Files.readString(keyFile).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
      key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
      X509Certificate cert;
      try (var in = Files.newInputStream(certificate)) {
        cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      }
      x5c = Base64.getEncoder().encodeToString(cert.getEncoded());
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException(e);
    }
    this.user = user;
    this.password = password;
    this.anonymousPull = anonymousPull;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext("/token", this::handle);
    server.start();
  }

  public static TokenServer start(Path dir, String user, String password, boolean anonymousPull) throws IOException {
    return new TokenServer(dir, user, password, anonymousPull);
  }

  public String realm() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  public Path certificate() {
    return certificate;
  }

  /** How many tokens were handed out. */
  public int issued() {
    return issued.get();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      String subject = "";
      if (auth != null) {
        String expected = "Basic " + Base64.getEncoder().encodeToString(
            (user + ":" + password).getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(auth)) {
          reply(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad credentials\"}]}");
          return;
        }
        subject = user;
      }
      List<String> scopes = new ArrayList<>();
      String query = ex.getRequestURI().getRawQuery();
      if (query != null) {
        for (String kv : query.split("&")) {
          if (kv.startsWith("scope=")) {
            scopes.add(URLDecoder.decode(kv.substring(6), StandardCharsets.UTF_8));
          }
        }
      }
      ArrayNode access = Json.mapper().createArrayNode();
      for (String scope : scopes) {
        String[] p = scope.split(":");
        if (p.length != 3 || !p[0].equals("repository")) {
          continue;
        }
        ObjectNode a = access.addObject().put("type", "repository").put("name", p[1]);
        ArrayNode actions = a.putArray("actions");
        for (String action : p[2].split(",")) {
          if (!subject.isEmpty() || (anonymousPull && action.equals("pull"))) {
            actions.add(action);
          }
        }
      }
      long now = System.currentTimeMillis() / 1000;
      ObjectNode header = Json.mapper().createObjectNode().put("typ", "JWT").put("alg", "RS256");
      header.putArray("x5c").add(x5c);
      ObjectNode claims = Json.mapper().createObjectNode().put("iss", ISSUER).put("sub", subject)
          .put("aud", SERVICE).put("exp", now + 300).put("nbf", now - 10).put("iat", now)
          .put("jti", UUID.randomUUID().toString());
      claims.set("access", access);
      String signingInput = b64(Json.write(header)) + "." + b64(Json.write(claims));
      Signature s = Signature.getInstance("SHA256withRSA");
      s.initSign(key);
      s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      String jwt = signingInput + "." + b64(s.sign());
      issued.incrementAndGet();
      reply(ex, 200, "{\"token\":\"" + jwt + "\",\"expires_in\":300}");
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException(e);
    }
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  private static String b64(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
