package io.jbuild.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a command to completion with a time limit, capturing its output. */
record Exec(int exitCode, String stdout, String stderr) {
  static Exec run(Path dir, Map<String, String> env, long timeoutSeconds, List<String> command)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command);
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("timed out after " + timeoutSeconds + "s: " + command);
    }
    return new Exec(p.exitValue(), out.join(), err.join());
  }

  static Exec run(String... command) throws IOException, InterruptedException {
    return run(null, Map.of(), 300, List.of(command));
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "<" + e + ">";
    }
  }

  /** The jbuild CLI, as the launcher runs it: the shaded jar the reactor just built. */
  static Exec jbuild(Path root, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("java", "-jar", System.getProperty("jbuild.jar", "../cli/target/jbuild.jar")));
    cmd.addAll(List.of(args));
    return run(null, Map.of("JBUILD_ROOT", root.toString()), 600, cmd);
  }

  Exec assertOk(String what) {
    if (exitCode != 0) {
      throw new AssertionError(what + " failed with exit code " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr);
    }
    return this;
  }
}
