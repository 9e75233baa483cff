package io.jbuild.frontend.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.graph.ContextOp;
import io.jbuild.graph.CopyOp;
import io.jbuild.graph.ExecOp;
import io.jbuild.graph.ImageOp;
import io.jbuild.graph.ImageTarget;
import io.jbuild.graph.MkdirOp;
import io.jbuild.graph.ScratchOp;
import io.jbuild.graph.Vertex;
import io.jbuild.oci.ImageConfig;
import io.jbuild.oci.Platform;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConvertTest {
  static final Platform AMD64 = Platform.of("linux", "amd64", null);

  static ImageTarget convert(String dockerfile, Map<String, String> args, String target,
      FakeResolver resolver, List<CheckFinding> warnings) throws DockerfileException {
    return DockerfileFrontend.convert(new ConvertRequest(
        dockerfile.getBytes(StandardCharsets.UTF_8), "Dockerfile", args, target, AMD64, AMD64,
        List.of(".git"), resolver, warnings == null ? null : warnings::add));
  }

  static ImageTarget convert(String dockerfile) throws DockerfileException {
    return convert(dockerfile, Map.of(), null, new FakeResolver(), null);
  }

  static List<String> history(ImageTarget t) {
    List<String> out = new ArrayList<>();
    for (ImageConfig.History h : t.config().historyOrEmpty()) {
      out.add(h.createdBy() + (h.isEmptyLayer() ? " (empty)" : ""));
    }
    return out;
  }

  @Test
  void convert_runCopyWorkdir_buildsLayerChainAndHistory() throws Exception {
    ImageTarget t = convert("""
        FROM busybox
        ARG V=1
        ENV A=b
        WORKDIR /app
        COPY a.txt ./
        RUN echo $A $V
        CMD ["sh"]
        """);
    List<Vertex> chain = t.root().layerChain();
    assertInstanceOf(ImageOp.class, chain.get(0).op());
    ImageOp img = (ImageOp) chain.get(0).op();
    assertEquals("docker.io/library/busybox:latest", img.reference());
    assertEquals(new MkdirOp("/app", ""), chain.get(1).op());
    CopyOp copy = (CopyOp) chain.get(2).op();
    assertEquals("/app/", copy.destination());
    assertEquals(List.of("a.txt"), copy.sources());
    assertEquals(new ContextOp(ContextOp.MAIN, List.of(".git")), chain.get(2).input(1).op());
    ExecOp run = (ExecOp) chain.get(3).op();
    assertEquals(List.of("/bin/sh", "-c", "echo $A $V"), run.args());
    assertEquals("/app", run.cwd());
    assertTrue(run.env().contains("A=b") && run.env().contains("V=1"), run.env().toString());
    assertEquals(List.of("ADD rootfs.tar / # buildkit", "ARG V=1 (empty)", "ENV A=b (empty)",
        "WORKDIR /app", "COPY a.txt ./ # buildkit", "RUN |1 V=1 /bin/sh -c echo $A $V # buildkit",
        "CMD [\"sh\"] (empty)"), history(t));
    assertEquals("/app", t.config().containerConfig().workingDir());
    assertEquals(List.of("sh"), t.config().containerConfig().cmd());
    assertEquals(1, t.config().diffIds().size());
  }

  @Test
  void convert_scratch_getsDefaultPathAndWorkdir() throws Exception {
    ImageTarget t = convert("FROM scratch\nENTRYPOINT foo bar\n");
    assertInstanceOf(ScratchOp.class, t.root().op());
    assertEquals(List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
        t.config().containerConfig().env());
    assertEquals(List.of("/bin/sh", "-c", "foo bar"), t.config().containerConfig().entrypoint());
    assertEquals("/", t.config().containerConfig().workingDir());
    assertEquals("amd64", t.config().architecture());
  }

  @Test
  void convert_entrypointWithoutCmdInStage_dropsInheritedCmd() throws Exception {
    ImageTarget t = convert("FROM busybox\nENTRYPOINT [\"/bin/echo\"]\n");
    assertNull(t.config().containerConfig().cmd());
    ImageTarget t2 = convert("FROM busybox\nCMD [\"x\"]\nENTRYPOINT [\"/bin/echo\"]\n");
    assertEquals(List.of("x"), t2.config().containerConfig().cmd());
  }

  @Test
  void convert_target_convertsOnlyReachableStages() throws Exception {
    FakeResolver r = new FakeResolver();
    ImageTarget t = convert("""
        FROM alpine AS unused
        RUN true
        FROM busybox AS Build
        RUN make
        FROM scratch
        COPY --from=build /out /
        """, Map.of(), "BUILD", r, null);
    assertEquals(List.of("docker.io/library/busybox:latest"), r.calls);
    assertEquals("build", t.stageName());
    ImageTarget last = convert("""
        FROM alpine AS unused
        FROM busybox AS build
        RUN make
        FROM scratch
        COPY --from=build /out /
        """, Map.of(), null, r, null);
    CopyOp c = (CopyOp) last.root().op();
    assertEquals("/", c.destination());
    assertInstanceOf(ExecOp.class, last.root().input(1).op());
  }

  @Test
  void convert_metaArgInFrom_expandsWithBuildArgOverride() throws Exception {
    FakeResolver r = new FakeResolver();
    String df = "ARG TAG=1.36\nFROM busybox:${TAG}\nARG TAG\nRUN echo $TAG\n";
    ImageTarget t = convert(df, Map.of(), null, r, null);
    assertEquals("docker.io/library/busybox:1.36", r.calls.get(0));
    assertTrue(((ExecOp) t.root().op()).env().contains("TAG=1.36"));
    convert(df, Map.of("TAG", "latest"), null, r, null);
    assertEquals("docker.io/library/busybox:latest", r.calls.get(1));
  }

  @Test
  void convert_platformArgs_areInScopeWhenDeclared() throws Exception {
    ImageTarget t = convert("FROM scratch\nARG TARGETARCH\nARG BUILDOS\nLABEL a=$TARGETARCH b=$BUILDOS\n");
    assertEquals(Map.of("a", "amd64", "b", "linux"), t.config().containerConfig().labels());
  }

  @Test
  void convert_proxyArgs_stayOutOfDigestAndHistory() throws Exception {
    ImageTarget a = convert("FROM busybox\nRUN echo hi\n", Map.of("http_proxy", "p1"), null,
        new FakeResolver(), null);
    ImageTarget b = convert("FROM busybox\nRUN echo hi\n", Map.of("http_proxy", "p2"), null,
        new FakeResolver(), null);
    assertEquals(a.root().digest(), b.root().digest());
    assertEquals(List.of("HTTP_PROXY=p1", "http_proxy=p1"), ((ExecOp) a.root().op()).proxyEnv());
    assertEquals(List.of(), a.unusedBuildArgs());
  }

  @Test
  void convert_unknownTarget_suggestsStage() {
    DockerfileException e = assertThrows(DockerfileException.class, () -> convert(
        "FROM scratch AS build\nFROM scratch\n", Map.of(), "bulid", new FakeResolver(), null));
    assertTrue(e.getMessage().contains("target stage \"bulid\" could not be found (did you mean build?)"),
        e.getMessage());
  }

  @Test
  void convert_envAndLabelAndExposeAndUser_updateConfig() throws Exception {
    ImageTarget t = convert("""
        FROM scratch
        ENV A=1 B="x y"
        ENV C $A-$B
        LABEL "k"="v" other=$C
        EXPOSE 80 443/udp 8000-8001
        USER app:app
        VOLUME /data
        VOLUME ["/logs"]
        STOPSIGNAL SIGTERM
        HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://x/
        SHELL ["/bin/bash", "-c"]
        MAINTAINER me
        ONBUILD RUN echo hi
        """);
    var c = t.config().containerConfig();
    assertEquals(List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "A=1", "B=x y", "C=1-x y"), c.env());
    assertEquals(Map.of("k", "v", "other", "1-x y"), c.labels());
    assertEquals(List.of("443/udp", "80/tcp", "8000/tcp", "8001/tcp"),
        new ArrayList<>(c.exposedPorts().keySet()));
    assertEquals("app:app", c.user());
    assertEquals(List.of("/data", "/logs"), new ArrayList<>(c.volumes().keySet()));
    assertEquals("SIGTERM", c.stopSignal());
    assertEquals(List.of("CMD-SHELL", "curl -f http://x/"), c.healthcheck().test());
    assertEquals(30_000_000_000L, c.healthcheck().interval());
    assertEquals(3, c.healthcheck().retries());
    assertEquals(List.of("/bin/bash", "-c"), c.shell());
    assertEquals(List.of("RUN echo hi"), c.onBuild());
    assertEquals("me", t.config().author());
  }

  @Test
  void convert_onbuildTriggersOfBase_runFirstAndAreCleared() throws Exception {
    ImageTarget t = convert("FROM onbuild-image\nRUN second\n");
    ExecOp second = (ExecOp) t.root().op();
    ExecOp first = (ExecOp) t.root().input(0).op();
    assertEquals(List.of("/bin/sh", "-c", "echo triggered"), first.args());
    assertEquals(List.of("/bin/sh", "-c", "second"), second.args());
    assertNull(t.config().containerConfig().onBuild());
  }

  @Test
  void convert_errors_carryLocation() {
    DockerfileException e = assertThrows(DockerfileException.class,
        () -> convert("from scratch\nenv foo=bar\ncopy --foo=bar / /\nenv bar=baz"));
    assertEquals(3, e.line());
    assertTrue(e.getMessage().startsWith("Dockerfile:3:1: unknown flag: --foo"), e.getMessage());
    assertTrue(e.formatted().contains(" 3 | copy --foo=bar / /\n"), e.formatted());
  }

  @Test
  void convert_circularStages_failsNamingFirstStage() {
    DockerfileException e = assertThrows(DockerfileException.class, () -> convert("""
        FROM busybox AS stage0
        COPY --from=stage2 f1 /sub/
        FROM busybox AS stage1
        COPY --from=stage0 f2 /sub/
        FROM busybox AS stage2
        COPY --from=stage1 f2 /sub/
        """));
    assertTrue(e.getMessage().endsWith("circular dependency detected on stage: stage0"),
        e.getMessage());
  }
}
