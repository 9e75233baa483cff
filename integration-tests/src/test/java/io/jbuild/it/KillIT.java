package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6, acceptance 5: builds killed with SIGKILL at random points (20 times) never break the
 * root: every following build succeeds, and what it takes from the cache is what a clean build
 * makes (same image digest with SOURCE_DATE_EPOCH=0). Nothing stays mounted or running.
 */
class KillIT {
  @Test
  void sigkill_atRandomPoints_followingBuildsSucceedWithCleanResults(@TempDir Path tmp) throws Exception {
    Prerequisites.requireRoot();
    Path rootfs = BusyboxRootfs.create(tmp.resolve("rootfs"));
    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    for (int i = 0; i < 300; i++) {
      Files.write(Files.createDirectories(ctx.resolve("files/d" + (i % 10))).resolve("f" + i), new byte[20_000 + i]);
    }
    Files.writeString(ctx.resolve("Dockerfile"), """
        FROM busybox
        COPY files/ /files/
        RUN seq 1 300000 > /seq.txt && sleep 0.3
        RUN rm -r /files/d3 && echo done > /done.txt
        COPY Dockerfile /Dockerfile.copy
        """);
    Path clean = tmp.resolve("clean");
    Path shared = tmp.resolve("shared");
    for (Path r : List.of(clean, shared)) {
      Exec.jbuild(r, "import", "-q", rootfs.toString(), "busybox:latest").assertOk("import");
    }
    String expected = build(clean).trim();

    Random random = new Random(20261122L);
    for (int i = 0; i < 20; i++) {
      Process p = start(shared, "--no-cache");
      long delay = 100 + random.nextInt(1800);
      if (!p.waitFor(delay, TimeUnit.MILLISECONDS)) {
        p.destroyForcibly(); // SIGKILL
        p.waitFor(10, TimeUnit.SECONDS);
      }
      assertEquals(expected, build(shared).trim(), "build after kill " + (i + 1) + " (at " + delay + " ms)");
    }
    String mounts = Files.readString(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8);
    assertTrue(!mounts.contains(shared.toString()), "nothing of the root stays mounted:\n" + mounts);
    Exec ps = Exec.run("sh", "-c", "for p in /proc/[0-9]*; do readlink $p/root; done | grep -c '^" + shared + "' || true");
    assertEquals("0", ps.stdout().trim(), "no RUN process of a killed build is left");
  }

  private static String build(Path root) throws Exception {
    return Exec.jbuild(root, "build", "-q", "--build-arg", "SOURCE_DATE_EPOCH=0", "-t", "kill-it", ctxOf(root)).assertOk("build").stdout();
  }

  private static String ctxOf(Path root) {
    return root.resolveSibling("ctx").toString();
  }

  private static Process start(Path root, String... extra) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("java", "-jar", System.getProperty("jbuild.jar", "../cli/target/jbuild.jar"),
        "build", "-q", "--build-arg", "SOURCE_DATE_EPOCH=0", "-t", "kill-it"));
    cmd.addAll(List.of(extra));
    cmd.add(ctxOf(root));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("JBUILD_ROOT", root.toString());
    return pb.start();
  }
}
