package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jbuild.registry.testing.RegistryFixture;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The first end-to-end path with real parts only: a busybox base image built by jbuild itself
 * and pushed to Debian's docker-registry; then, for each executor, a Dockerfile FROM that image
 * (pulled, verified, unpacked) with ENV, WORKDIR, COPY, RUN and CMD, exported as an OCI tarball
 * that skopeo, umoci and podman accept.
 */
class EndToEndIT {
  private static RegistryFixture registry;
  private static String base;

  @TempDir
  static Path shared;

  @BeforeAll
  static void startRegistryAndPushBusybox() throws Exception {
    Prerequisites.requireRoot();
    registry = RegistryFixture.plainHttp();
    base = registry.host() + "/library/busybox:latest";
    Path ctx = Files.createDirectories(shared.resolve("busybox-ctx"));
    BusyboxRootfs.create(ctx.resolve("rootfs"));
    Files.writeString(ctx.resolve("Dockerfile"), """
        FROM scratch
        COPY rootfs/ /
        ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        CMD ["sh"]
        """);
    Exec.jbuild(shared.resolve("base-root"), "build", "--progress=plain", "-t", base, "--push", ctx.toString())
        .assertOk("building and pushing the busybox base");
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    if (registry != null) {
      registry.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"runc", "crun", "unshare"})
  void build_fromRegistryBase_runsStepsAndExportsAnImageOthersCanRun(String runtime, @TempDir Path tmp) throws Exception {
    Prerequisites.requireTool(runtime);
    Path root = tmp.resolve("root");
    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    String marker = "host-only-" + UUID.randomUUID();
    Path hostMarker = Files.writeString(shared.resolve(marker), "secret");
    Files.writeString(ctx.resolve("greet.sh"), "#!/bin/sh\necho \"$GREETING from $(cat /app/built.txt)\"\n");
    Files.writeString(ctx.resolve("Dockerfile"), """
        FROM %s
        ENV GREETING="hello"
        WORKDIR /app
        COPY greet.sh ./
        RUN chmod 755 greet.sh && echo "%s" > built.txt \\
         && { echo "pid=$$"; echo "host=$(hostname)"; echo "procs=$(ls /proc | grep '^[0-9]' | tr '\\n' ' ')"; \\
              if [ -e %s ]; then echo "hostfile=visible"; else echo "hostfile=hidden"; fi; } > /isolation.txt \\
         && rm /etc/base-marker.txt
        CMD ["/app/greet.sh"]
        """.formatted(base, runtime, hostMarker));
    Path out = tmp.resolve("out.tar");
    String name = "localhost/e2e-" + runtime + ":1.0";
    Exec build = Exec.jbuild(root, "build", "--progress=plain", "--runtime", runtime, "-t", name,
        "-o", "type=oci,dest=" + out, ctx.toString()).assertOk("jbuild build --runtime " + runtime);
    assertTrue(build.stderr().contains(runtime), "says which executor runs RUN steps:\n" + build.stderr());

    OciArchive image = OciArchive.open(out);
    JsonNode config = image.config();
    assertEquals("[\"/app/greet.sh\"]", config.get("config").get("Cmd").toString());
    assertEquals("/app", config.get("config").get("WorkingDir").asText());
    assertTrue(config.get("config").get("Env").toString().contains("GREETING=hello"));
    assertEquals(image.layerCount(), config.get("rootfs").get("diff_ids").size());

    // isolation: own pid namespace (the shell is pid 1), own hostname, no host processes, no host files
    Map<String, String> iso = parse(image.fileContent("isolation.txt"));
    assertEquals("1", iso.get("pid"), "the RUN shell is pid 1 in its own pid namespace: " + iso);
    assertNotEquals(InetAddress.getLocalHost().getHostName(), iso.get("host"));
    assertEquals("jbuild", iso.get("host"));
    // the only processes are the step's own: the shell (pid 1) and the pipeline it forked
    // (the host has hundreds)
    String[] pids = iso.get("procs").trim().split(" ");
    assertTrue(pids.length <= 5, "only the step's own processes are visible: " + iso);
    assertEquals("1", pids[0]);
    assertEquals("hidden", iso.get("hostfile"));

    // the deletion of a base file is a whiteout in the RUN layer
    int runLayer = image.layerCount() - 1;
    assertTrue(image.layerNames(runLayer).contains("etc/.wh.base-marker.txt"), "whiteout in " + image.layerNames(runLayer));

    // independent tools accept the archive
    Exec.run("skopeo", "inspect", "oci-archive:" + out).assertOk("skopeo inspect");
    Path layout = Files.createDirectories(tmp.resolve("layout"));
    Exec.run("tar", "-xf", out.toString(), "-C", layout.toString()).assertOk("untar");
    String refName = image.index().get("manifests").get(0).get("annotations").get("org.opencontainers.image.ref.name").asText();
    Path bundle = tmp.resolve("bundle");
    Exec.run("umoci", "unpack", "--image", layout + ":" + refName, bundle.toString()).assertOk("umoci unpack");
    assertEquals(runtime + "\n", Files.readString(bundle.resolve("rootfs/app/built.txt")));
    assertFalse(Files.exists(bundle.resolve("rootfs/etc/base-marker.txt")), "the deleted file is gone after unpacking");
    assertTrue(Files.exists(bundle.resolve("rootfs/etc/passwd")));

    Prerequisites.requireTool("podman");
    Exec.run("podman", "load", "-i", out.toString()).assertOk("podman load");
    try {
      Exec run = Exec.run("podman", "run", "--rm", "--runtime", "runc", "--network", "none",
          "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", name).assertOk("podman run");
      assertEquals("hello from " + runtime + "\n", run.stdout());
    } finally {
      Exec.run("podman", "rmi", "-f", name);
    }
  }

  private static Map<String, String> parse(String text) {
    assertTrue(text != null, "/isolation.txt is in the image");
    return text.lines().filter(l -> l.contains("="))
        .collect(java.util.stream.Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1)));
  }

  /** A base pulled and named by the first build counts for the shortcut record of the next one. */
  @Test
  void rebuild_afterTheBuildThatPulledTheBase_isAnsweredFromTheShortcutRecord(@TempDir Path tmp) throws Exception {
    Path root = tmp.resolve("root");
    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    Files.writeString(ctx.resolve("Dockerfile"), "FROM %s\nCOPY Dockerfile /d\n".formatted(base));
    String first = Exec.jbuild(root, "build", "-q", "-t", "pulled:1", ctx.toString()).assertOk("first").stdout();
    try (var records = Files.list(root.resolve("cache/shortcuts"))) {
      assertEquals(1, records.count(), "the build that pulled its base leaves a record");
    }
    Exec again = Exec.jbuild(root, "build", "--progress=plain", "-t", "pulled:1", ctx.toString()).assertOk("again");
    assertTrue(again.stderr().contains("0 steps run, 1 cached"), again.stderr());
    assertTrue(again.stderr().contains(first.trim()), "the same image:\n" + again.stderr());
  }

  /**
   * The first stage's base is resolved while the Dockerfile converts (a guess from its text): a
   * stage the target does not use has its base's layers neither fetched nor named locally.
   */
  @Test
  void build_whoseFirstStageIsUnused_neitherFetchesNorNamesItsBase(@TempDir Path tmp) throws Exception {
    Path root = tmp.resolve("root");
    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    Files.writeString(ctx.resolve("Dockerfile"), "FROM %s AS unused\nRUN false\nFROM scratch\nCOPY Dockerfile /d\n".formatted(base));
    Exec.jbuild(root, "build", "--progress=plain", "-t", "unused-first:1", ctx.toString()).assertOk("build");

    String images = Exec.jbuild(root, "images").assertOk("images").stdout();
    assertTrue(images.contains("unused-first"), images);
    assertFalse(images.contains("busybox"), "the unused stage's base is not named:\n" + images);
    try (var blobs = Files.list(root.resolve("blobs/sha256"))) {
      long largest = blobs.mapToLong(p -> p.toFile().length()).max().orElse(0);
      assertTrue(largest < 64 * 1024, "nor are its layers fetched (busybox's is ~1 MB): largest blob " + largest);
    }

    // the same base used by the target is named, as any pulled base is
    Files.writeString(ctx.resolve("Dockerfile"), "FROM %s\nCOPY Dockerfile /d\n".formatted(base));
    Exec.jbuild(root, "build", "--progress=plain", "-t", "used-first:1", ctx.toString()).assertOk("second build");
    assertTrue(Exec.jbuild(root, "images").assertOk("images").stdout().contains("busybox"));
  }
}
