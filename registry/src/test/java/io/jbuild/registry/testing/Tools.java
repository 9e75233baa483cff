package io.jbuild.registry.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an external tool with a bounded wait and returns its stdout; a failure shows its output. */
public final class Tools {
  private Tools() {}

  public static String run(Path workDir, String... command) throws IOException {
    return run(workDir, 300, command);
  }

  public static String run(Path workDir, long timeoutSeconds, String... command) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(command));
    Path out = Files.createTempFile("tool-", ".out");
    Path err = Files.createTempFile("tool-", ".err");
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      if (workDir != null) {
        pb.directory(workDir.toFile());
      }
      Process p = pb.start();
      boolean done;
      try {
        done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted: " + cmd);
      }
      if (!done) {
        p.destroyForcibly();
        throw new IOException(cmd + " did not finish in " + timeoutSeconds + " s");
      }
      String stdout = Files.readString(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new IOException(cmd + " failed with exit code " + p.exitValue() + ":\n" + stdout
            + Files.readString(err, StandardCharsets.UTF_8));
      }
      return stdout;
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** Deletes a directory tree, ignoring what is already gone. */
  public static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // best effort: a temp dir
        }
      });
    } catch (IOException ignored) {
      // best effort
    }
  }
}
