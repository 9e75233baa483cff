package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ADD of http URLs against an HTTP server on 127.0.0.1, checked against BuildKit's http source
 * (source/http/httpsource.go and dockerfile2llb's dispatchCopy): the file is named after the
 * last element of the URL path, gets mode 0600 and owner 0:0 unless --chmod/--chown say
 * otherwise, its mtime is the response's Last-Modified, archives are not unpacked, and
 * --checksum is verified.
 */
class AddUrlIT {
  private static final String CONTENT = "downloaded content\n";
  private static final String LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT";

  @TempDir
  Path tmp;

  private HttpServer server;
  private String base;
  /** Each request: "METHOD PATH If-None-Match" and the status answered. */
  private final List<String> requests = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      String etag = "\"v1\"";
      String inm = exchange.getRequestHeaders().getFirst("If-None-Match");
      byte[] body = null;
      int status;
      if (path.equals("/files/hello.txt")) {
        status = etag.equals(inm) ? 304 : 200;
        body = CONTENT.getBytes(StandardCharsets.UTF_8);
      } else if (path.equals("/files/archive.tar")) {
        status = 200;
        body = Files.readAllBytes(tmp.resolve("archive.tar"));
      } else {
        status = 404;
      }
      requests.add(exchange.getRequestMethod() + " " + path + " " + inm + " -> " + status);
      exchange.getResponseHeaders().add("Last-Modified", LAST_MODIFIED);
      exchange.getResponseHeaders().add("ETag", etag);
      if (status == 200) {
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
      } else {
        exchange.sendResponseHeaders(status, -1);
      }
      exchange.close();
    });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  @Test
  void build_addUrl_writesFileWithBuildkitModeOwnerAndMtime() throws Exception {
    Prerequisites.requireRoot();
    Exec.run("tar", "-cf", tmp.resolve("archive.tar").toString(), "-C", tmp.toString(), "--files-from=/dev/null")
        .assertOk("empty tar");
    Path ctx = context("""
        FROM scratch
        ADD %1$s/files/hello.txt /downloads/
        ADD --chmod=644 --chown=7:8 %1$s/files/hello.txt /renamed.txt
        ADD %1$s/files/archive.tar /archives/
        """.formatted(base));
    Map<String, TarArchiveEntry> files = new LinkedHashMap<>();
    Map<String, String> contents = new LinkedHashMap<>();
    build(ctx, files, contents).assertOk("jbuild build with ADD URL");

    TarArchiveEntry hello = files.get("downloads/hello.txt");
    assertTrue(hello != null, "the file is named after the URL path: " + files.keySet());
    assertEquals(CONTENT, contents.get("downloads/hello.txt"));
    assertEquals(0600, hello.getMode() & 07777, "BuildKit's http source writes 0600");
    assertEquals(0, hello.getLongUserId());
    assertEquals(0, hello.getLongGroupId());
    assertEquals(Instant.parse("2015-10-21T07:28:00Z"), hello.getModTime().toInstant(), "mtime from Last-Modified");

    TarArchiveEntry renamed = files.get("renamed.txt");
    assertEquals(0644, renamed.getMode() & 07777);
    assertEquals(7, renamed.getLongUserId());
    assertEquals(8, renamed.getLongGroupId());

    // a remote archive is copied as it is, never unpacked (BuildKit: "Resources from remote URLs
    // are not decompressed")
    assertTrue(files.containsKey("archives/archive.tar"), "archive kept as a file: " + files.keySet());
  }

  @Test
  void build_addUrlAgain_asksWithEtagAndReusesTheFileOn304() throws Exception {
    Prerequisites.requireRoot();
    Path ctx = context("FROM scratch\nADD " + base + "/files/hello.txt /hello.txt\n");
    Path root = tmp.resolve("root");
    Exec.jbuild(root, "build", "--progress=plain", "-o", "type=tar,dest=" + tmp.resolve("a.tar"), ctx.toString())
        .assertOk("first build");
    Exec.jbuild(root, "build", "--progress=plain", "-o", "type=tar,dest=" + tmp.resolve("b.tar"), ctx.toString())
        .assertOk("second build");
    assertEquals(List.of("GET /files/hello.txt null -> 200", "GET /files/hello.txt \"v1\" -> 304"), requests);
    assertEquals(CONTENT, readTar(tmp.resolve("b.tar")).get("hello.txt"));
  }

  @Test
  void build_addUrlWithMatchingChecksumAgain_makesNoRequest() throws Exception {
    Prerequisites.requireRoot();
    Path ctx = context("FROM scratch\nADD --checksum=" + sha256(CONTENT) + " " + base + "/files/hello.txt /hello.txt\n");
    Path root = tmp.resolve("root");
    Exec.jbuild(root, "build", "--progress=plain", "-o", "type=tar,dest=" + tmp.resolve("a.tar"), ctx.toString())
        .assertOk("first build");
    Exec.jbuild(root, "build", "--progress=plain", "-o", "type=tar,dest=" + tmp.resolve("b.tar"), ctx.toString())
        .assertOk("second build");
    assertEquals(1, requests.size(), "the second build trusts URL + checksum: " + requests);
  }

  @Test
  void build_addUrlWithWrongChecksum_failsNamingUrlAndBothDigests() throws Exception {
    Prerequisites.requireRoot();
    String wrong = "sha256:" + "0".repeat(64);
    Path ctx = context("FROM scratch\nADD --checksum=" + wrong + " " + base + "/files/hello.txt /hello.txt\n");
    Exec build = Exec.jbuild(tmp.resolve("root"), "build", "--progress=plain",
        "-o", "type=tar,dest=" + tmp.resolve("out.tar"), ctx.toString());
    assertNotEquals(0, build.exitCode());
    String err = build.stdout() + build.stderr();
    assertTrue(err.contains(base + "/files/hello.txt"), err);
    assertTrue(err.contains(wrong), err);
    assertTrue(err.contains(sha256(CONTENT)), err);
    assertTrue(err.contains("Dockerfile:2"), err);
  }

  @Test
  void build_addUrlNotFound_failsNamingUrlAndStatus() throws Exception {
    Prerequisites.requireRoot();
    Path ctx = context("FROM scratch\nADD " + base + "/missing.txt /m.txt\n");
    Exec build = Exec.jbuild(tmp.resolve("root"), "build", "--progress=plain",
        "-o", "type=tar,dest=" + tmp.resolve("out.tar"), ctx.toString());
    assertNotEquals(0, build.exitCode());
    String err = build.stdout() + build.stderr();
    assertTrue(err.contains(base + "/missing.txt") && err.contains("404"), err);
    assertTrue(err.contains("Dockerfile:2"), err);
  }

  @Test
  void build_copyOfUrl_failsNamingTheLine() throws Exception {
    Prerequisites.requireRoot();
    Path ctx = context("FROM scratch\nCOPY " + base + "/files/hello.txt /h\n");
    Exec build = Exec.jbuild(tmp.resolve("root"), "build", "--progress=plain", ctx.toString());
    assertNotEquals(0, build.exitCode());
    String err = build.stdout() + build.stderr();
    assertTrue(err.contains("source can't be a URL for COPY") && err.contains("Dockerfile:2"), err);
  }

  private Path context(String dockerfile) throws IOException {
    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    Files.writeString(ctx.resolve("Dockerfile"), dockerfile);
    return ctx;
  }

  private Exec build(Path ctx, Map<String, TarArchiveEntry> files, Map<String, String> contents) throws Exception {
    Path out = tmp.resolve("rootfs.tar");
    Exec e = Exec.jbuild(tmp.resolve("root"), "build", "--progress=plain", "-o", "type=tar,dest=" + out, ctx.toString());
    if (e.exitCode() == 0) {
      readTar(out, files, contents);
    }
    return e;
  }

  static Map<String, String> readTar(Path tar) throws IOException {
    Map<String, String> contents = new LinkedHashMap<>();
    readTar(tar, new LinkedHashMap<>(), contents);
    return contents;
  }

  static void readTar(Path tar, Map<String, TarArchiveEntry> files, Map<String, String> contents) throws IOException {
    try (TarArchiveInputStream in = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(tar)))) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        String name = e.getName().replaceFirst("^\\./", "").replaceFirst("^/", "");
        files.put(name, e);
        if (e.isFile()) {
          contents.put(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
    }
  }

  static String sha256(String s) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
