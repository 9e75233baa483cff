package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A RUN that fails, through the CLI: the error names Dockerfile:LINE, the command and its exit
 * code and shows the last 20 output lines; jbuild exits non-zero and leaves no tag, no mount
 * and no step directory behind.
 */
class FailedRunIT {
  @TempDir
  Path tmp;

  @Test
  void build_runExitsNonZero_reportsLocationCommandExitCodeAndTailAndLeavesNothing() throws Exception {
    Prerequisites.requireRoot();
    Path root = tmp.resolve("root");
    Path base = Files.createDirectories(tmp.resolve("base"));
    BuildkitBusybox.create(base.resolve("rootfs"));
    Files.writeString(base.resolve("Dockerfile"), "FROM scratch\nCOPY rootfs/ /\n");
    Exec.jbuild(root, "build", "--progress=plain", "-t", "busybox:latest", base.toString()).assertOk("base image");

    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    Files.writeString(ctx.resolve("Dockerfile"), """
        FROM busybox
        RUN echo fine
        RUN for i in $(seq 1 30); do echo line-$i; done; \\
            exit 3
        """);
    Exec build = Exec.jbuild(root, "build", "--progress=quiet", "-t", "failed:1", ctx.toString());

    assertNotEquals(0, build.exitCode(), "a failed RUN fails the build");
    String out = build.stdout() + build.stderr();
    assertTrue(out.contains("Dockerfile:3"), "names the line:\n" + out);
    assertTrue(out.contains("for i in $(seq 1 30)"), "shows the command:\n" + out);
    assertTrue(out.contains("exit code: 3"), "shows the exit code:\n" + out);
    for (int i = 11; i <= 30; i++) {
      assertTrue(out.contains("line-" + i + "\n"), "shows output line " + i + ":\n" + out);
    }
    assertFalse(out.contains("line-10\n"), "only the last 20 lines (quiet progress):\n" + out);

    Exec images = Exec.jbuild(root, "images").assertOk("jbuild images");
    assertFalse(images.stdout().contains("failed"), "no tag for a failed build:\n" + images.stdout());
    List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo"));
    assertEquals(List.of(), mounts.stream().filter(l -> l.contains(root.toString())).toList(), "no mount left");
    try (Stream<Path> s = Files.list(root.resolve("tmp"))) {
      assertEquals(List.of(), s.toList(), "no step directory left in tmp/");
    }
  }
}
