package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jbuild.registry.testing.RegistryFixture;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4, "images in and out", with real tools: every -o exporter of one build, podman loading
 * and running the archives, the OCI image-spec schemas (oci-image-tool), streaming to stdout,
 * compression and media type attributes, {@code jbuild load} of other tools' archives and of
 * hostile ones, and {@code jbuild login/logout} against an htpasswd registry.
 */
class ImagesInOutIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NAME = "localhost/jbuild-io:1";

  @TempDir static Path shared;
  private static Path ctx;
  private static Path out;

  @BeforeAll
  static void buildOnceWithEveryOutput() throws Exception {
    Prerequisites.requireRoot();
    ctx = Files.createDirectories(shared.resolve("ctx"));
    BusyboxRootfs.create(ctx.resolve("rootfs"));
    Files.writeString(ctx.resolve("Dockerfile"), """
        FROM scratch
        COPY rootfs/ /
        RUN rm /etc/base-marker.txt && echo built > /built.txt \\
         && touch /owned && chown 1000:1000 /owned && chmod 640 /owned
        CMD ["cat", "/built.txt"]
        """);
    out = Files.createDirectories(shared.resolve("out"));
    Exec.jbuild(shared.resolve("root"), "build", "--progress=plain", "-t", NAME,
        "-o", "type=docker,dest=" + out.resolve("docker.tar"),
        "-o", "type=oci,dest=" + out.resolve("oci.tar"),
        "-o", "type=local,dest=" + out.resolve("rootfs"),
        "-o", "type=tar,dest=" + out.resolve("rootfs.tar"),
        "-o", "type=image",
        ctx.toString()).assertOk("build with every output");
  }

  @AfterAll
  static void removePodmanImages() throws Exception {
    if (Prerequisites.onPath("podman")) {
      Exec.run("podman", "rmi", "-f", NAME);
    }
  }

  private static Exec podmanRun(String image) throws Exception {
    return Exec.run("podman", "run", "--rm", "--runtime", "runc", "--network", "none",
        "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", image);
  }

  private static Exec sh(String script, Map<String, String> env) throws Exception {
    return Exec.run(null, env, 300, List.of("bash", "-o", "pipefail", "-c", script));
  }

  private static String jbuildCommand(Path root) {
    return "JBUILD_ROOT=" + root + " java -jar " + System.getProperty("jbuild.jar", "../cli/target/jbuild.jar");
  }

  @Test
  void podmanLoad_dockerOutput_loadsAndRuns() throws Exception {
    Prerequisites.requireTool("podman");
    Exec.run("podman", "rmi", "-f", NAME);

    Exec load = Exec.run("podman", "load", "-i", out.resolve("docker.tar").toString()).assertOk("podman load docker");

    assertTrue(load.stdout().contains("jbuild-io:1"), load.stdout());
    assertEquals("built\n", podmanRun(NAME).assertOk("podman run").stdout());
  }

  @Test
  void podmanLoad_ociOutput_loadsAndRuns() throws Exception {
    Prerequisites.requireTool("podman");
    Exec.run("podman", "rmi", "-f", NAME);

    Exec.run("podman", "load", "-i", out.resolve("oci.tar").toString()).assertOk("podman load oci");

    assertEquals("built\n", podmanRun(NAME).assertOk("podman run").stdout());
  }

  @Test
  void ociOutput_layout_passesTheImageSpecSchemas() throws Exception {
    Prerequisites.requireTool("oci-image-tool");
    Path layout = Files.createDirectories(shared.resolve("layout"));
    Exec.run("tar", "-xf", out.resolve("oci.tar").toString(), "-C", layout.toString()).assertOk("untar");

    // --type image: the layout, index.json, the manifest, the config and every layer against the
    // image-spec JSON schemas, and the digests
    Exec v = Exec.run("oci-image-tool", "validate", "--type", "image", "--ref", "name=1", layout.toString());

    assertEquals(0, v.exitCode(), v.stdout() + v.stderr());
  }

  @Test
  void ociOutput_zstdAndDockerMediaTypes_areValidAndReadBySkopeo() throws Exception {
    Path z = shared.resolve("zstd.tar");
    Path d = shared.resolve("dockertypes.tar");
    Exec.jbuild(shared.resolve("root"), "build", "-q", "-o", "type=oci,dest=" + z + ",compression=zstd,compression-level=9",
        "-o", "type=oci,dest=" + d + ",oci-mediatypes=false", ctx.toString()).assertOk("build zstd / docker types");

    Path zl = Files.createDirectories(shared.resolve("zstd-layout"));
    Exec.run("tar", "-xf", z.toString(), "-C", zl.toString()).assertOk("untar");
    JsonNode index = JSON.readTree(zl.resolve("index.json").toFile());
    String manifestFile = "blobs/sha256/" + index.get("manifests").get(0).get("digest").asText().substring(7);
    JsonNode manifest = JSON.readTree(zl.resolve(manifestFile).toFile());
    for (JsonNode layer : manifest.get("layers")) {
      assertEquals("application/vnd.oci.image.layer.v1.tar+zstd", layer.get("mediaType").asText());
    }
    // this oci-image-tool predates zstd layers (image-spec 1.0.2), so the documents one by one
    if (Prerequisites.onPath("oci-image-tool")) {
      Exec.run("oci-image-tool", "validate", "--type", "imageIndex", zl.resolve("index.json").toString())
          .assertOk("index schema");
      Exec.run("oci-image-tool", "validate", "--type", "manifest", zl.resolve(manifestFile).toString())
          .assertOk("manifest schema");
    }
    Exec.run("skopeo", "copy", "oci-archive:" + z, "oci:" + shared.resolve("zstd-copy")).assertOk("skopeo reads zstd");

    Exec raw = Exec.run("skopeo", "inspect", "--raw", "oci-archive:" + d).assertOk("skopeo inspect docker types");
    JsonNode dm = JSON.readTree(raw.stdout());
    assertEquals("application/vnd.docker.distribution.manifest.v2+json", dm.get("mediaType").asText());
    assertEquals("application/vnd.docker.image.rootfs.diff.tar.gzip", dm.get("layers").get(0).get("mediaType").asText());
  }

  /** compression=zstd on every output: the steps write their layers in zstd, not in gzip first. */
  @Test
  void zstdOnEveryOutput_layersAreCompressedOnceInZstd() throws Exception {
    Path c = Files.createDirectories(shared.resolve("ctx-zstd"));
    BusyboxRootfs.create(c.resolve("rootfs"));
    Files.writeString(c.resolve("Dockerfile"), "FROM scratch\nCOPY rootfs/ /\nRUN echo zstd > /z.txt\n");
    Path root = shared.resolve("root-zstd");
    Path z = shared.resolve("only-zstd.tar");

    Exec.jbuild(root, "build", "-q", "-o", "type=oci,dest=" + z + ",compression=zstd", c.toString())
        .assertOk("build with a zstd output only");

    int layers = 0;
    try (java.util.stream.Stream<Path> blobs = Files.walk(root.resolve("blobs"))) {
      for (Path b : blobs.filter(Files::isRegularFile).toList()) {
        byte[] head;
        try (java.io.InputStream in = Files.newInputStream(b)) {
          head = in.readNBytes(4);
        }
        assertFalse(head.length >= 2 && head[0] == 0x1f && head[1] == (byte) 0x8b, b + " was written in gzip");
        if (head.length == 4 && head[0] == 0x28 && head[1] == (byte) 0xb5 && head[2] == 0x2f && head[3] == (byte) 0xfd) {
          layers++;
        }
      }
    }
    assertEquals(2, layers, "the COPY and the RUN layer, in zstd");
    Exec.run("skopeo", "copy", "oci-archive:" + z, "oci:" + shared.resolve("zstd-only-copy")).assertOk("skopeo reads it");
  }

  @Test
  void ociOutput_toStdout_streamsALayoutThatTarLists() throws Exception {
    Exec r = sh(jbuildCommand(shared.resolve("root")) + " build -q -o type=oci,dest=- " + ctx + " | tar -t", Map.of())
        .assertOk("jbuild -o type=oci,dest=- | tar -t");

    List<String> names = r.stdout().lines().toList();
    assertTrue(names.contains("oci-layout") && names.contains("index.json"), names.toString());
    assertTrue(names.stream().anyMatch(n -> n.startsWith("blobs/sha256/")), names.toString());
  }

  @Test
  void tarOutput_toStdout_streamsTheFinalFilesystem() throws Exception {
    Exec r = sh(jbuildCommand(shared.resolve("root")) + " build -q -o type=tar,dest=- " + ctx + " | tar -tv", Map.of())
        .assertOk("jbuild -o type=tar,dest=- | tar -tv");

    String listing = r.stdout();
    assertTrue(listing.contains(" bin/busybox"), listing);
    assertTrue(listing.contains(" built.txt"), listing);
    assertTrue(listing.matches("(?s).*-rw-r----- 1000/1000 .* owned\n.*"), "owner and mode kept:\n" + listing);
    assertFalse(listing.contains("base-marker"), "the deleted file is not in the filesystem");
    assertFalse(listing.contains(".wh."), "no whiteout entries");
  }

  @Test
  void localOutput_isTheFinalFilesystemWithOwnersModesAndLinks() throws Exception {
    Path fs = out.resolve("rootfs");

    assertEquals("built\n", Files.readString(fs.resolve("built.txt")));
    assertFalse(Files.exists(fs.resolve("etc/base-marker.txt")), "the RUN's rm (a whiteout) is applied");
    assertEquals(1000, Files.getAttribute(fs.resolve("owned"), "unix:uid"));
    assertEquals(0100640, Files.getAttribute(fs.resolve("owned"), "unix:mode"));
    assertEquals(Path.of("busybox"), Files.readSymbolicLink(fs.resolve("bin/sh")));
    assertTrue(Files.isExecutable(fs.resolve("bin/busybox")));
    Exec run = Exec.run("chroot", fs.toString(), "/bin/sh", "-c", "cat /built.txt").assertOk("chroot into the local output");
    assertEquals("built\n", run.stdout());
    // the tar output holds the same files
    Exec list = Exec.run("tar", "-tf", out.resolve("rootfs.tar").toString()).assertOk("tar -t");
    assertTrue(list.stdout().lines().anyMatch("bin/busybox"::equals), list.stdout());
  }

  @Test
  void load_ownArchivesAndPodmanSaved_namesTheImagesFromTheArchive(@TempDir Path tmp) throws Exception {
    Path root = tmp.resolve("root");
    Exec oci = Exec.jbuild(root, "load", "-i", out.resolve("oci.tar").toString()).assertOk("load oci");
    Exec docker = Exec.jbuild(root, "load", "-i", out.resolve("docker.tar").toString()).assertOk("load docker");

    assertEquals("Loaded image: localhost/jbuild-io:1\n", oci.stdout());
    assertTrue(docker.stdout().contains("localhost/jbuild-io:1"), docker.stdout());
    Exec inspect = Exec.jbuild(root, "inspect", "--format", "{{.Config.Cmd}}", NAME).assertOk("inspect");
    assertEquals("[\"cat\",\"/built.txt\"]\n", inspect.stdout());

    Prerequisites.requireTool("podman");
    Exec.run("podman", "load", "-i", out.resolve("oci.tar").toString()).assertOk("podman load");
    Path saved = tmp.resolve("podman-saved.tar");
    Exec.run("podman", "save", "--format", "docker-archive", "-o", saved.toString(), NAME).assertOk("podman save");
    Path other = tmp.resolve("root2");
    Exec fromPodman = Exec.jbuild(other, "load", "-i", saved.toString()).assertOk("load podman's docker-archive");
    assertTrue(fromPodman.stdout().contains("jbuild-io:1"), fromPodman.stdout());
    // and what jbuild loaded goes back out and runs
    Path again = tmp.resolve("again.tar");
    Exec.jbuild(other, "save", "--format", "oci", "-o", again.toString(), NAME).assertOk("save the loaded image");
    Exec.run("podman", "rmi", "-f", NAME);
    Exec.run("podman", "load", "-i", again.toString()).assertOk("podman load of the re-saved image");
    assertEquals("built\n", podmanRun(NAME).assertOk("podman run").stdout());
  }

  @Test
  void load_hostileArchive_failsNamingTheEntryAndTagsNothing(@TempDir Path tmp) throws Exception {
    Path evil = tmp.resolve("evil.tar");
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(buf)) {
      byte[] manifest = "[{\"Config\":\"c.json\",\"RepoTags\":[\"evil:1\"],\"Layers\":[\"../../escape/layer.tar\"]}]"
          .getBytes(StandardCharsets.UTF_8);
      TarArchiveEntry m = new TarArchiveEntry("manifest.json");
      m.setSize(manifest.length);
      t.putArchiveEntry(m);
      t.write(manifest);
      t.closeArchiveEntry();
      TarArchiveEntry e = new TarArchiveEntry("../../escape/layer.tar");
      e.setSize(5);
      t.putArchiveEntry(e);
      t.write("pwned".getBytes(StandardCharsets.UTF_8));
      t.closeArchiveEntry();
    }
    Files.write(evil, buf.toByteArray());
    Path root = tmp.resolve("root");

    Exec load = Exec.jbuild(root, "load", "-i", evil.toString());

    assertEquals(2, load.exitCode(), load.stderr());
    assertTrue(load.stderr().contains(evil + ", entry ../../escape/layer.tar"), load.stderr());
    assertFalse(Files.exists(tmp.getParent().resolve("escape")) || Files.exists(tmp.resolve("escape")));
    Exec images = Exec.jbuild(root, "images").assertOk("images");
    assertFalse(images.stdout().contains("evil"), images.stdout());
  }

  @Test
  void login_passwordOnStdin_storesCredentialsThatPushUses(@TempDir Path tmp) throws Exception {
    Prerequisites.requireTool("htpasswd");
    try (RegistryFixture registry = RegistryFixture.htpasswdTls("ci", "s3cret-pw")) {
      Path docker = Files.createDirectories(tmp.resolve("docker"));
      Map<String, String> env = Map.of("DOCKER_CONFIG", docker.toString(),
          "REGISTRY_AUTH_FILE", tmp.resolve("no-auth.json").toString(),
          "JBUILD_REGISTRY_CA", registry.caCertificate().toString());
      String jb = jbuildCommand(shared.resolve("root"));

      Exec wrong = sh("printf 'wrong\\n' | " + jb + " login -u ci --password-stdin " + registry.host(), env);
      assertEquals(2, wrong.exitCode(), wrong.stdout() + wrong.stderr());
      assertTrue(wrong.stderr().contains(registry.host()), wrong.stderr());
      assertFalse(Files.exists(docker.resolve("config.json")), "a refused login stores nothing");

      Exec ok = sh("printf 's3cret-pw\\n' | " + jb + " login -u ci --password-stdin " + registry.host(), env)
          .assertOk("login");
      assertTrue(ok.stdout().contains("Login Succeeded"), ok.stdout());
      assertFalse((ok.stdout() + ok.stderr()).contains("s3cret-pw"), "the password is never echoed");
      JsonNode config = JSON.readTree(docker.resolve("config.json").toFile());
      assertTrue(config.path("auths").has(registry.host()), config.toString());

      List<String> push = new ArrayList<>(List.of("bash", "-c", jb + " push " + NAME + " " + registry.host() + "/io/app:1"));
      Exec.run(null, env, 300, push).assertOk("push with the stored login");

      Exec out = sh(jb + " logout " + registry.host(), env).assertOk("logout");
      assertTrue(out.stdout().contains("Removed"), out.stdout());
      assertFalse(JSON.readTree(docker.resolve("config.json").toFile()).path("auths").has(registry.host()));
      Exec denied = Exec.run(null, env, 300, push);
      assertEquals(1, denied.exitCode(), "after logout the push is refused: " + denied.stderr());
    }
  }

  @Test
  void registryOutput_ociMediatypesFalse_pushesADockerManifest() throws Exception {
    try (RegistryFixture registry = RegistryFixture.plainHttp()) {
      String ref = registry.host() + "/io/docker-types:1";
      Exec.jbuild(shared.resolve("root"), "build", "-q", "-t", ref, "-o", "type=registry,oci-mediatypes=false",
          ctx.toString()).assertOk("push with docker media types");

      Exec raw = Exec.run("skopeo", "inspect", "--raw", "--tls-verify=false", "docker://" + ref).assertOk("inspect");
      assertEquals("application/vnd.docker.distribution.manifest.v2+json", JSON.readTree(raw.stdout()).get("mediaType").asText());
    }
  }
}
