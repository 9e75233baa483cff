package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * COPY --link: BuildKit makes the layer on an empty filesystem ("the layer does not depend on
 * the previous state", dockerfile reference "COPY --link"), so the same files give the same layer
 * on any base, and a new base image reuses the layer instead of copying again (issue 6 item 1).
 */
class CopyLinkIT {
  @TempDir
  Path tmp;

  private Path root;
  private Path ctx;

  @BeforeEach
  void importTwoDifferentBases() throws Exception {
    Prerequisites.requireRoot();
    root = tmp.resolve("root");
    // the bases disagree about /app (mode, owner, content), which a plain COPY would copy up
    Path a = Files.createDirectories(tmp.resolve("base-a/app"));
    Files.writeString(a.resolve("from-a.txt"), "a\n");
    Files.setAttribute(a, "unix:mode", 0700);
    Files.setAttribute(a, "unix:uid", 5);
    Path b = Files.createDirectories(tmp.resolve("base-b/app"));
    Files.writeString(b.resolve("from-b.txt"), "b\n");
    Files.setAttribute(b, "unix:mode", 0750);
    Files.createDirectories(tmp.resolve("base-b/etc"));
    Exec.jbuild(root, "import", tmp.resolve("base-a").toString(), "localhost/link-base-a:1").assertOk("import a");
    Exec.jbuild(root, "import", tmp.resolve("base-b").toString(), "localhost/link-base-b:1").assertOk("import b");
    ctx = Files.createDirectories(tmp.resolve("ctx"));
    Files.writeString(ctx.resolve("app.txt"), "the app\n");
    Files.writeString(ctx.resolve("Dockerfile"), """
        ARG BASE
        FROM $BASE
        COPY --link app.txt /app/
        """);
  }

  @Test
  void build_copyLinkOnTwoBases_givesTheSameLayer() throws Exception {
    // two roots, so the second layer is made anew rather than taken from the first build's
    // cache; SOURCE_DATE_EPOCH pins the mtime of the parent dir the copy creates
    Path outA = tmp.resolve("a.tar");
    Exec.jbuild(root, "build", "--progress=plain", "--build-arg", "BASE=localhost/link-base-a:1",
        "--build-arg", "SOURCE_DATE_EPOCH=0", "-o", "type=oci,dest=" + outA, ctx.toString()).assertOk("build on a");
    Path rootB = tmp.resolve("root-b");
    Exec.jbuild(rootB, "import", tmp.resolve("base-b").toString(), "localhost/link-base-b:1").assertOk("import b");
    Path outB = tmp.resolve("b.tar");
    Exec.jbuild(rootB, "build", "--progress=plain", "--build-arg", "BASE=localhost/link-base-b:1",
        "--build-arg", "SOURCE_DATE_EPOCH=0", "-o", "type=oci,dest=" + outB, ctx.toString()).assertOk("build on b");
    OciArchive a = OciArchive.open(outA);
    OciArchive b = OciArchive.open(outB);
    assertEquals(lastLayer(a), lastLayer(b), "COPY --link's layer is the same on any base");
    assertEquals(lastDiffId(a), lastDiffId(b));
    assertNotEquals(a.manifest().get("layers").get(0).get("digest"), b.manifest().get("layers").get(0).get("digest"));
    Map<String, OciArchive.TarEntry> layer = a.layer(a.layerCount() - 1);
    assertEquals(List.of("app/", "app/app.txt"), layer.keySet().stream().sorted().toList(),
        "only the copied file and its parent: " + layer.keySet());
    OciArchive.TarEntry dir = layer.get("app/");
    assertEquals(0755, dir.mode() & 07777, "the layer's own parent dir, not the base's 0700");
    assertEquals(0, dir.uid());
    // the merged image still has the base's files next to the copied one
    assertEquals("a\n", a.fileContent("app/from-a.txt"));
    assertEquals("the app\n", b.fileContent("app/app.txt"));
  }

  @Test
  void rebuild_newBase_reusesTheCopyLinkLayer() throws Exception {
    build("localhost/link-base-a:1", "a.tar");
    Exec again = Exec.jbuild(root, "build", "--progress=plain", "--explain-cache", "--build-arg", "BASE=localhost/link-base-b:1",
        "-o", "type=oci,dest=" + tmp.resolve("b.tar"), ctx.toString()).assertOk("build on base b");
    List<String> ran = again.stderr().lines().filter(l -> l.startsWith("#   ")).map(String::trim).toList();
    assertEquals(List.of(), ran, "nothing re-runs:\n" + again.stderr());
    assertTrue(again.stderr().contains("CACHED"), again.stderr());
  }

  private Path build(String base, String out) throws Exception {
    Path tar = tmp.resolve(out);
    Exec.jbuild(root, "build", "--progress=plain", "--build-arg", "BASE=" + base, "-o", "type=oci,dest=" + tar, ctx.toString())
        .assertOk("build on " + base);
    return tar;
  }

  private static JsonNode lastLayer(OciArchive a) throws Exception {
    JsonNode layers = a.manifest().get("layers");
    return layers.get(layers.size() - 1).get("digest");
  }

  private static JsonNode lastDiffId(OciArchive a) throws Exception {
    JsonNode ids = a.config().get("rootfs").get("diff_ids");
    return ids.get(ids.size() - 1);
  }
}
