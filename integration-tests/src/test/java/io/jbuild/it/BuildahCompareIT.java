package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.api.DockerfileBuild;
import io.jbuild.api.Output;
import io.jbuild.api.PullPolicy;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * jbuild against Buildah on the buildable subset of {@code testdata/dockerfiles} (listed, with
 * the reason for every expected difference, in {@code testdata/buildah-compare.txt}): both
 * build each Dockerfile FROM the same local busybox image (made by jbuild, pulled into a private
 * Buildah storage from an OCI archive) and the two images must have the same filesystem tree and
 * runtime config ({@link ImageComparison}), apart from the listed differences, where jbuild
 * follows BuildKit.
 */
class BuildahCompareIT {
  private static final Path REPO = Path.of(System.getProperty("jbuild.repo", ".."));
  private static final List<String> CASES = new ArrayList<>();
  /** case (or "*") -> difference key -> reason. */
  private static final Map<String, Map<String, String>> EXPECTED = new LinkedHashMap<>();

  @TempDir
  static Path shared;

  static List<String> buildah(String... args) {
    List<String> cmd = new ArrayList<>(List.of("buildah", "--root", shared.resolve("storage").toString(),
        "--runroot", shared.resolve("run").toString(), "--storage-driver", "vfs"));
    cmd.addAll(List.of(args));
    return cmd;
  }

  @BeforeAll
  static void makeBaseForBoth() throws Exception {
    Prerequisites.requireRoot();
    Prerequisites.requireTool("buildah");
    Prerequisites.requireTool("runc");
    for (String line : Files.readAllLines(REPO.resolve("testdata/buildah-compare.txt"))) {
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      String[] p = t.split("\\s+", 4);
      if (p[0].equals("case") && p.length >= 2) {
        CASES.add(p[1]);
      } else if (p[0].equals("diff") && p.length == 4) {
        EXPECTED.computeIfAbsent(p[1], k -> new LinkedHashMap<>()).put(p[2], p[3]);
      } else {
        throw new IllegalArgumentException("bad line (case NAME | diff CASE|* KEY REASON): " + line);
      }
    }
    Path ctx = Files.createDirectories(shared.resolve("busybox-ctx"));
    BuildkitBusybox.create(ctx.resolve("rootfs"));
    Files.writeString(ctx.resolve("Dockerfile"), """
        FROM scratch
        COPY rootfs/ /
        ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        CMD ["sh"]
        """);
    Path archive = shared.resolve("busybox.tar");
    DockerfileBuild.context(ctx).root(shared.resolve("root")).tag("busybox:latest").pull(PullPolicy.NEVER)
        .output(Output.IMAGE).output(new Output("oci", archive.toString(), Map.of())).build();
    Exec.run(null, Map.of(), 300, buildah("pull", "oci-archive:" + archive)).assertOk("buildah pull busybox");
    Exec.run(null, Map.of(), 60, buildah("tag", "docker.io/library/busybox:latest", "docker.io/library/busybox:latest"));
  }

  @TestFactory
  Stream<DynamicTest> build_buildableGoldenDockerfiles_matchBuildahExceptListedDifferences() {
    assertTrue(CASES.size() >= 10, "at least 10 cases listed, got " + CASES);
    return CASES.stream().map(c -> DynamicTest.dynamicTest(c, () -> compare(c)));
  }

  private void compare(String name) throws Exception {
    Path dir = REPO.resolve("testdata/dockerfiles").resolve(name);
    Properties props = new Properties();
    if (Files.exists(dir.resolve("build.properties"))) {
      props.load(new StringReader(Files.readString(dir.resolve("build.properties"))));
    }
    Path work = Files.createDirectories(shared.resolve("case-" + name));
    Path mine = work.resolve("jbuild.tar");
    DockerfileBuild b = DockerfileBuild.context(dir).root(shared.resolve("root")).pull(PullPolicy.NEVER)
        .output(new Output("oci", mine.toString(), Map.of()));
    List<String> bargs = new ArrayList<>(List.of("build", "--runtime", "runc", "--pull=never", "-q", "-t", "bh-" + name));
    for (String k : props.stringPropertyNames()) {
      if (k.startsWith("arg.")) {
        b.buildArg(k.substring(4), props.getProperty(k));
        bargs.addAll(List.of("--build-arg", k.substring(4) + "=" + props.getProperty(k)));
      }
    }
    if (props.getProperty("target") != null) {
      b.target(props.getProperty("target"));
      bargs.addAll(List.of("--target", props.getProperty("target")));
    }
    b.build();
    bargs.add(dir.toString());
    Exec.run(null, Map.of(), 300, buildah(bargs.toArray(String[]::new))).assertOk("buildah build " + name);
    Path theirs = work.resolve("buildah.tar");
    Exec.run(null, Map.of(), 300, buildah("push", "bh-" + name, "oci-archive:" + theirs)).assertOk("buildah push");

    List<String> diffs = ImageComparison.differences(
        ImageComparison.readOciArchive(mine, work.resolve("mine")),
        ImageComparison.readOciArchive(theirs, work.resolve("theirs")));
    Map<String, String> listed = new LinkedHashMap<>(EXPECTED.getOrDefault("*", Map.of()));
    listed.putAll(EXPECTED.getOrDefault(name, Map.of()));
    List<String> unexplained = diffs.stream().filter(d -> !ImageComparison.explained(d, listed)).toList();
    System.out.println("buildah-compare " + name + ": " + diffs.size() + " difference(s), "
        + unexplained.size() + " unexplained" + (diffs.isEmpty() ? "" : "\n  " + String.join("\n  ", diffs)));
    assertEquals(List.of(), unexplained, name + ": differences from Buildah not listed in testdata/buildah-compare.txt");
  }
}
