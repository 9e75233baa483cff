package io.jbuild.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The launcher's class-data-sharing training run ({@code ./jbuild}, JDK 17/18): one JVM that
 * does what users do most, so that the archive it leaves holds the classes (and the lambda
 * classes) those commands load: the graph of a small Dockerfile; as root also a build of it, the
 * same build again (answered from its shortcut record), one after a change, the image list, a
 * RUN step, and a build upon a base pulled from a registry (one of its own, on loopback).
 * Works in a directory of its own; prints nothing.
 */
final class Train {
  private Train() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    Path ctx = Files.createDirectories(dir.resolve("ctx"));
    String root = dir.resolve("root").toString();
    Files.writeString(ctx.resolve("Dockerfile"),
        "FROM scratch AS a\nARG V=1\nENV A=$V\nLABEL l=$V\nWORKDIR /w\nCOPY . /w/\nCOPY a.txt /w/b.txt\nCMD [\"x\"]\n");
    Files.writeString(ctx.resolve("a.txt"), "a\n");
    PrintStream out = System.out;
    PrintStream err = System.err;
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    System.setOut(quiet);
    System.setErr(quiet);
    try {
      Main.run(new String[] {"debug", "graph", "--root", root, ctx.toString()});
      if (Preflight.uid() == 0) {
        String[] build = {"build", "--root", root, "--progress=plain", "-t", "train:1", ctx.toString()};
        Main.run(build);
        Main.run(build);
        Files.writeString(ctx.resolve("a.txt"), "b\n");
        Main.run(build);
        Main.run(new String[] {"images", "--root", root});
        // a RUN step too (container runtime, mounts, process output), where a static busybox
        // is installed (busybox-static): what an incremental build of an image loads
        Path busybox = Path.of("/bin/busybox");
        if (Files.isExecutable(busybox)) {
          Path run = Files.createDirectories(dir.resolve("run"));
          Files.copy(busybox, run.resolve("busybox"));
          Files.writeString(run.resolve("Dockerfile"),
              "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"sh\", \"-c\", \"echo trained > /t\"]\n");
          Main.run(new String[] {"build", "--root", root, "--progress=plain", "-t", "train:2", run.toString()});
          try {
            pullFromARegistry(dir, root);
          } catch (IOException | RuntimeException e) {
            // no loopback registry here: the archive holds the rest
          }
        }
      }
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  /**
   * A cold build whose base comes from a registry (the registry client, java.net.http, the
   * puller and the layer unpacker): train:2 served by a registry of this JVM's own on loopback,
   * built upon in a fresh root. What the first build on a machine and every pull load.
   */
  private static void pullFromARegistry(Path dir, String root) throws IOException {
    Map<String, Object> image;
    try {
      image = io.jbuild.api.LocalImages.open(Path.of(root)).inspect("train:2");
    } catch (io.jbuild.api.BuildException e) {
      return;
    }
    String manifestDigest = (String) image.get("Digest");
    Path blobs = Path.of(root, "blobs", "sha256");
    byte[] manifest = Files.readAllBytes(blobs.resolve(manifestDigest.substring("sha256:".length())));
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v2/", ex -> {
      String path = ex.getRequestURI().getPath();
      byte[] body = null;
      String type = "application/json";
      String digest = null;
      if (path.equals("/v2/")) {
        body = "{}".getBytes(StandardCharsets.UTF_8);
      } else if (path.startsWith("/v2/train/base/manifests/")) {
        body = manifest;
        type = "application/vnd.oci.image.manifest.v1+json";
        digest = manifestDigest;
      } else if (path.startsWith("/v2/train/base/blobs/sha256:")) {
        digest = path.substring(path.lastIndexOf('/') + 1);
        Path blob = blobs.resolve(digest.substring("sha256:".length()).replace("/", ""));
        body = Files.isRegularFile(blob) ? Files.readAllBytes(blob) : null;
        type = "application/octet-stream";
      }
      if (body == null) {
        ex.sendResponseHeaders(404, -1);
        ex.close();
        return;
      }
      ex.getResponseHeaders().set("Content-Type", type);
      if (digest != null) {
        ex.getResponseHeaders().set("Docker-Content-Digest", digest);
      }
      boolean head = ex.getRequestMethod().equals("HEAD");
      ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
      ex.sendResponseHeaders(200, head ? -1 : body.length);
      if (!head) {
        ex.getResponseBody().write(body);
      }
      ex.close();
    });
    server.start();
    try {
      Path pull = Files.createDirectories(dir.resolve("pull"));
      Files.writeString(pull.resolve("Dockerfile"), "FROM 127.0.0.1:" + server.getAddress().getPort()
          + "/train/base:1\nRUN [\"/bin/busybox\", \"true\"]\n");
      Main.run(new String[] {"build", "--root", dir.resolve("root-pull").toString(), "--progress=plain", "-t", "train:3",
          pull.toString()});
    } finally {
      server.stop(0);
    }
  }
}
