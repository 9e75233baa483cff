package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command works as written, twice, and `jbuild images` lists the result. */
class ReadmeIT {
  @Test
  void quickStart_buildsHelloTwice_andImagesListsIt(@TempDir Path root) throws Exception {
    Prerequisites.requireRoot();
    Path repo = Path.of(System.getProperty("jbuild.repo", "..")).toAbsolutePath().normalize();
    Map<String, String> env = Map.of("JBUILD_ROOT", root.toString());
    List<String> command = List.of("bash", "-c",
        "./scripts/busybox-base && ./jbuild -t hello:1.0 testdata/dockerfiles/hello");
    for (int i = 1; i <= 2; i++) {
      Exec.run(repo, env, 600, command).assertOk("README quick start, run " + i);
    }
    Exec images = Exec.run(repo, env, 120, List.of("./jbuild", "images")).assertOk("jbuild images");
    assertTrue(images.stdout().lines().anyMatch(l -> l.startsWith("hello ") && l.contains("1.0")),
        "jbuild images lists hello:1.0:\n" + images.stdout());
  }
}
