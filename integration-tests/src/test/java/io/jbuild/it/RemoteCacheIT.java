package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jbuild.registry.testing.RegistryFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6, item 6: a fresh root with --cache-from a cache another root pushed rebuilds the
 * realistic-java workload (bench/workloads/realistic-java) without running any RUN step, and
 * gives the same image. Its bases are made here: busybox from the host's busybox-static, debian
 * from a debootstrap tarball cached in /var/cache/jbuild-test (JBUILD_TEST_CACHE), both pushed to
 * a throwaway registry.
 *
 * <p>Root B also reaches the registry by another name (localhost instead of 127.0.0.1) and builds
 * from a context in another directory: cache keys must not hold hosts or absolute paths.
 */
class RemoteCacheIT {
  private static final Path WORKLOAD = Path.of(System.getenv().getOrDefault("JBUILD_WORKLOADS",
      "/work/shared/bench/workloads")).resolve("realistic-java");

  @TempDir
  static Path shared;
  private static RegistryFixture registry;

  @TempDir
  Path tmp;

  @BeforeAll
  static void registryWithBases() throws Exception {
    Prerequisites.requireRoot();
    Prerequisites.requireTool("python3");
    Prerequisites.require(Files.isRegularFile(WORKLOAD.resolve("gen.sh")), "the realistic-java workload at " + WORKLOAD);
    registry = RegistryFixture.plainHttp();
    Path seed = shared.resolve("seed-root");
    Path busybox = BusyboxRootfs.create(shared.resolve("busybox"));
    Exec.jbuild(seed, "import", "-q", busybox.toString(), registry.host() + "/library/busybox:latest").assertOk("import busybox");
    Exec.jbuild(seed, "push", registry.host() + "/library/busybox:latest").assertOk("push busybox");
    Path debian = Files.createDirectories(shared.resolve("debian"));
    Exec.run("tar", "-xzf", DebianRootfs.tarball().toString(), "-C", debian.toString(), "--numeric-owner").assertOk("unpack debian");
    Exec.jbuild(seed, "import", "-q", "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        debian.toString(), registry.host() + "/library/debian:bookworm").assertOk("import debian");
    Exec.jbuild(seed, "push", registry.host() + "/library/debian:bookworm").assertOk("push debian");
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void build_freshRootWithRegistryCacheFrom_runsNoRunStepAndGivesTheSameImage() throws Exception {
    String ref = registry.host() + "/cache:rj";
    crossMachine("type=registry,ref=" + ref + ",mode=max", "type=registry,ref=" + ref);
  }

  @Test
  void build_freshRootWithLocalCacheFrom_runsNoRunStepAndGivesTheSameImage() throws Exception {
    Path dir = tmp.resolve("cache-dir");
    crossMachine("type=local,dest=" + dir + ",mode=max", "type=local,src=" + dir);
    assertTrue(Files.isRegularFile(dir.resolve("index.json")), "an OCI layout in the cache dir");
  }

  /** Root A exports, a fresh root B imports; B runs no RUN and builds A's image. */
  private void crossMachine(String cacheTo, String cacheFrom) throws Exception {
    Path ctxA = context("a");
    Exec a = Exec.jbuild(tmp.resolve("root-a"), "build", "--progress=plain", "--build-arg", "REG=" + registry.host(),
        "--cache-to", cacheTo, "-o", "type=oci,dest=" + tmp.resolve("a.tar"), ctxA.toString()).assertOk("build A");
    assertEquals(3, runSteps(a, "DONE"), "root A runs the workload's three RUN steps\n" + a.stderr());

    Path ctxB = context("elsewhere/b");
    String otherName = "localhost:" + registry.port();
    Exec b = Exec.jbuild(tmp.resolve("root-b"), "build", "--progress=plain", "--build-arg", "REG=" + otherName,
        "--cache-from", cacheFrom, "-o", "type=oci,dest=" + tmp.resolve("b.tar"), ctxB.toString()).assertOk("build B");
    assertEquals(0, runSteps(b, "DONE"), "no RUN step runs on root B\n" + b.stderr());
    assertEquals(3, runSteps(b, "CACHED"), "every RUN step comes from the imported cache\n" + b.stderr());
    assertTrue(!b.stderr().contains("WARN"), b.stderr());

    JsonNode ma = OciArchive.open(tmp.resolve("a.tar")).manifest();
    JsonNode mb = OciArchive.open(tmp.resolve("b.tar")).manifest();
    assertEquals(ma.get("layers"), mb.get("layers"), "the same layers");
    assertEquals(ma.get("config"), mb.get("config"), "the same config (history times come from the cache records)");
  }

  @Test
  void build_unreachableCacheFrom_warnsAndBuilds() throws Exception {
    Path ctx = CliRun.context(tmp.resolve("ctx"), "FROM " + registry.host() + "/library/busybox:latest\nRUN echo hi > /hi\n");
    // port 1 on loopback: nothing listens, the connection is refused at once
    Exec r = Exec.jbuild(tmp.resolve("root"), "build", "--progress=plain", "--cache-from",
        "type=registry,ref=127.0.0.1:1/nothing:cache", ctx.toString()).assertOk("build with an unreachable cache");
    assertTrue(r.stderr().contains("WARN: --cache-from registry 127.0.0.1:1/nothing:cache not used"), r.stderr());
    assertEquals(1, runSteps(r, "DONE"), r.stderr());
  }

  @Test
  void build_unreachableCacheTo_failsNamingTheRef() throws Exception {
    Path ctx = CliRun.context(tmp.resolve("ctx"), "FROM " + registry.host() + "/library/busybox:latest\nRUN echo hi > /hi\n");
    Exec r = Exec.jbuild(tmp.resolve("root"), "build", "--progress=plain", "--cache-to",
        "type=registry,ref=127.0.0.1:1/nothing:cache", ctx.toString());
    assertNotEquals(0, r.exitCode(), r.stderr());
    assertTrue(r.stderr().contains("failed to export the cache to registry 127.0.0.1:1/nothing:cache"), r.stderr());
  }

  @Test
  void build_cacheFromEmptyRef_warnsNoCacheThere() throws Exception {
    Path ctx = CliRun.context(tmp.resolve("ctx"), "FROM " + registry.host() + "/library/busybox:latest\nRUN echo hi > /hi\n");
    Exec r = Exec.jbuild(tmp.resolve("root"), "build", "--progress=plain", "--cache-from",
        "type=registry,ref=" + registry.host() + "/cache:never-pushed", ctx.toString()).assertOk("build");
    assertTrue(r.stderr().contains("no cache found in registry " + registry.host() + "/cache:never-pushed"), r.stderr());
  }

  /** The workload's context, generated (deterministic) into tmp/DIR. */
  private Path context(String dir) throws Exception {
    Path ctx = tmp.resolve(dir);
    Files.createDirectories(ctx.getParent());
    Exec.run(null, Map.of(), 300, List.of("bash", WORKLOAD.resolve("gen.sh").toString(), ctx.toString())).assertOk("gen.sh");
    return ctx;
  }

  /** How many RUN steps the plain progress shows ending with {@code outcome} (DONE: ran; CACHED). */
  private static int runSteps(Exec e, String outcome) {
    Map<String, String> names = new HashMap<>();
    Map<String, String> ends = new LinkedHashMap<>();
    for (String line : e.stderr().lines().toList()) {
      if (!line.startsWith("#")) {
        continue;
      }
      int sp = line.indexOf(' ');
      if (sp < 0) {
        continue;
      }
      String step = line.substring(1, sp);
      String rest = line.substring(sp + 1);
      if (!rest.startsWith("cache miss: ")) {
        names.putIfAbsent(step, rest); // the step's first line is its name, after the optional cache miss line
      }
      if (rest.equals("CACHED") || rest.startsWith("DONE ")) {
        ends.put(step, rest.startsWith("DONE") ? "DONE" : "CACHED");
      }
    }
    List<String> matching = new ArrayList<>();
    ends.forEach((step, how) -> {
      String name = names.get(step);
      if (how.equals(outcome) && name != null && name.matches("(\\[[^]]*] )?RUN .*")) {
        matching.add(step);
      }
    });
    return matching.size();
  }
}
