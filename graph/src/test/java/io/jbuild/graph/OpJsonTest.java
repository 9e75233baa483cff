package io.jbuild.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.jbuild.oci.Digest;
import io.jbuild.oci.Json;
import io.jbuild.oci.JsonEquivalence;
import io.jbuild.oci.Platform;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every op as the binder writes it, against databind: vertex digests and cache keys are over
 * these bytes, so the binder must write them exactly as databind did.
 */
class OpJsonTest {
  private static final String ODD = "tab\t nl\n quote\" back\\ slash/ \u0001 \u2028 é 中 \ud83d\ude00";

  static List<Op> ops() {
    ExecMount all = new ExecMount("cache", "/root/.m2", 2, "sub/dir", false, "m2", "locked", 0755, 1000, 1000,
        0, true, "TOKEN");
    ExecMount none = new ExecMount("bind", "/src", -1, "", true, null, null, null, null, null, 134217728L, false,
        null);
    return List.of(
        new ScratchOp(),
        new ImageOp("docker.io/library/busybox:latest", Digest.sha256("m"), Platform.parse("linux/arm64")),
        new ImageOp("scratch", null, null),
        new ContextOp(ContextOp.MAIN, List.of("*.tmp", "!keep.tmp", ODD)),
        new ContextOp("other", null),
        new ExecOp(List.of("/bin/sh", "-c", "echo " + ODD), List.of("PATH=/bin", "A="), "/", "", "default",
            List.of("HTTP_PROXY=http://proxy:3128")),
        new ExecOp(List.of("make"), List.of(), "/w", "1000:1000", "none", null, List.of(all, none),
            Platform.parse("linux/arm/v7")),
        new ExecOp(List.of("x"), List.of(), "/", null, "host", List.of(), null, null),
        new CopyOp(List.of("a", "b/*.txt"), "/dst/", "1000:1000", "0644", false, false, false, null),
        new CopyOp(List.of(ODD), "/", null, null, true, true, true, List.of("*.md")),
        new MkdirOp("/app", "nobody"),
        new MkdirOp("/", null),
        new InlineFilesOp(List.of(new InlineFilesOp.InlineFile("script", "#!/bin/sh\n" + ODD + "\n", 0755),
            new InlineFilesOp.InlineFile("empty", "", 0))),
        new HttpOp("https://example.com/a.tar.gz?x=1&y=2", "sha256:" + "0".repeat(64), "a.tar.gz"),
        new HttpOp("https://example.com/", null, null),
        new GitOp("https://github.com/moby/buildkit.git", "v0.12.0", "frontend", true),
        new GitOp("git@host:repo", null, null, false));
  }

  @Test
  void everyOp_andItsVertexDefinition_writeAsDatabind() throws Exception {
    Vertex scratch = Vertex.of(new ScratchOp(), "scratch", null);
    for (Op op : ops()) {
      JsonEquivalence.assertSameWrite(op);
      List<Vertex> inputs = op.arity() <= 0 ? List.of()
          : Arrays.asList(new Vertex[op.arity()]).stream().map(x -> scratch).toList();
      Vertex v = new Vertex(op, inputs, "step", new SourceLocation("Dockerfile", 1, 1, 1, 9));
      Map<String, Object> definition = new LinkedHashMap<>();
      definition.put("type", op.getClass().getSimpleName());
      definition.put("op", op);
      definition.put("inputs", inputs.stream().map(i -> i.digest().toString()).toList());
      JsonEquivalence.assertSameWrite(definition);
      assertEquals(Digest.sha256(Json.mapper().writeValueAsBytes(definition)), v.digest(), op.toString());
      // a cache key's shape (Solver.key)
      Map<String, Object> key = new LinkedHashMap<>();
      key.put("v", "jbuild-cache-1");
      key.put("type", op.getClass().getSimpleName());
      key.put("op", op);
      key.put("parent", Digest.sha256("parent").toString());
      key.put("source", Digest.sha256("source").toString());
      JsonEquivalence.assertSameWrite(key);
    }
  }

  @Test
  void ignoredAndEmptyComponents_stayOutOfTheDigest() {
    String json = new String(Json.write(new ExecOp(List.of("x"), List.of(), "/", "", "default",
        List.of("HTTP_PROXY=p"), List.of(), Platform.host())), StandardCharsets.UTF_8);
    assertEquals("{\"args\":[\"x\"],\"env\":[],\"cwd\":\"/\",\"user\":\"\",\"network\":\"default\"}", json);
    assertFalse(json.contains("proxy") || json.contains("platform") || json.contains("mounts"));
  }
}
