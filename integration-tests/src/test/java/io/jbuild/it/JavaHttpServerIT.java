package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real application image: a multi-stage Dockerfile (testdata/java-http-server) compiles a
 * Java HTTP server with a jlinked JDK and ships it with a jlinked runtime on a Debian base made
 * by debootstrap; podman runs the image and it answers an HTTP request. The debootstrap result
 * is cached in /var/cache/jbuild-test (JBUILD_TEST_CACHE) between runs.
 */
class JavaHttpServerIT {
  private static final Path REPO = Path.of(System.getProperty("jbuild.repo", ".."));

  @TempDir
  Path tmp;

  @Test
  void build_multiStageJavaServer_runsUnderPodmanAndAnswersHttp() throws Exception {
    Prerequisites.requireRoot();
    for (String tool : List.of("debootstrap", "jlink", "podman", "runc")) {
      Prerequisites.requireTool(tool);
    }
    Path debian = DebianRootfs.tarball();
    Path root = tmp.resolve("root");
    Path rootfs = Files.createDirectories(tmp.resolve("debian"));
    Exec.run("tar", "-xzf", debian.toString(), "-C", rootfs.toString(), "--numeric-owner").assertOk("unpack debian");
    Exec.jbuild(root, "import", rootfs.toString(), "debian:bookworm").assertOk("jbuild import debian");

    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    for (String f : List.of("Dockerfile", "Server.java")) {
      Files.copy(REPO.resolve("testdata/java-http-server").resolve(f), ctx.resolve(f));
    }
    String jmods = Path.of(System.getProperty("java.home"), "jmods").toString();
    Exec.run(null, Map.of(), 300, List.of("jlink", "--module-path", jmods, "--add-modules",
        "java.base,java.compiler,jdk.compiler,jdk.zipfs,jdk.httpserver", "--strip-debug", "--no-header-files", "--no-man-pages",
        "--output", ctx.resolve("jdk").toString())).assertOk("jlink jdk");
    Exec.run(null, Map.of(), 300, List.of("jlink", "--module-path", jmods, "--add-modules",
        "java.base,jdk.httpserver", "--strip-debug", "--no-header-files", "--no-man-pages",
        "--output", ctx.resolve("runtime").toString())).assertOk("jlink runtime");

    Path archive = tmp.resolve("app.tar");
    String name = "localhost/jbuild-java-http:1.0";
    Exec.jbuild(root, "build", "--progress=plain", "--runtime", "runc", "-t", name,
        "-o", "type=oci,dest=" + archive, ctx.toString()).assertOk("jbuild build");
    Exec.run("podman", "load", "-i", archive.toString()).assertOk("podman load");
    String container = "jbuild-java-http-" + ProcessHandle.current().pid();
    Process run = new ProcessBuilder("podman", "run", "--rm", "--name", container, "--runtime", "runc",
        "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "-p", "127.0.0.1::8080", name)
        .redirectErrorStream(true).start();
    try {
      // the server prints its line once the socket is bound: read up to it, no polling
      BufferedReader out = new BufferedReader(new InputStreamReader(run.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertEquals("listening on 8080", line, "the server's first line");
      String port = Exec.run("podman", "port", container, "8080").assertOk("podman port").stdout().trim();
      port = port.substring(port.lastIndexOf(':') + 1);
      HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
          .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      assertEquals("hello from jbuild\n", r.body());
    } finally {
      Exec.run("podman", "rm", "-f", container);
      run.destroyForcibly();
      Exec.run("podman", "rmi", "-f", name);
    }
    assertTrue(Files.size(archive) > 0);
  }
}
