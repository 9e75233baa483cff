package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --secret as buildx takes it: from a file or from an environment variable, gone after the build. */
class CliSecretIT {
  @Test
  void build_secretFromFileAndFromEnv_readableByRunMountAndNotLeftOnDisk(@TempDir Path tmp) throws Exception {
    Path root = CliRun.rootWithBusybox(tmp);
    Path file = Files.writeString(tmp.resolve("token.txt"), "from-a-file");
    Path ctx = CliRun.context(tmp.resolve("ctx"), """
        FROM busybox
        RUN --mount=type=secret,id=filetok --mount=type=secret,id=envtok \\
            echo "file=$(cat /run/secrets/filetok) env=$(cat /run/secrets/envtok)"
        """);
    Path javaTmp = Files.createDirectories(tmp.resolve("java-tmp"));

    Exec r = CliRun.jbuild(root, Map.of("ENV_TOKEN", "from-the-env", "JAVA_TOOL_OPTIONS", "-Djava.io.tmpdir=" + javaTmp),
        "build", "--progress=plain", "--no-cache", "--secret", "id=filetok,src=" + file,
        "--secret", "id=envtok,env=ENV_TOKEN", "-t", "secret-test", ctx.toString());

    assertEquals(0, r.exitCode(), r.stderr());
    assertTrue(r.stderr().contains(" file=from-a-file env=from-the-env\n"), r.stderr());
    try (Stream<Path> left = Files.list(javaTmp)) {
      assertEquals(0, left.filter(p -> p.getFileName().toString().startsWith("jbuild-secrets-")).count(),
          "the env secret's file was left in " + javaTmp);
    }
  }
}
