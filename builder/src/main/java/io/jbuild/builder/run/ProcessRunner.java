package io.jbuild.builder.run;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Starts a runtime process and streams its stdout and stderr line by line as they come. */
final class ProcessRunner {
  /** What to do when the caller is interrupted, before the process itself is killed. */
  interface Killer {
    void kill() throws IOException, InterruptedException;
  }

  /** Runtime processes still running, killed by a shutdown hook if the JVM exits (Ctrl-C). */
  private static final java.util.Map<Process, Killer> RUNNING =
      new java.util.concurrent.ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(ProcessRunner::killAll, "jbuild-kill-steps"));
  }

  private ProcessRunner() {}

  private static void killAll() {
    RUNNING.forEach((process, killer) -> {
      List<ProcessHandle> tree = process.descendants().toList();
      process.destroyForcibly();
      tree.forEach(ProcessHandle::destroyForcibly);
      try {
        if (!gone(process, tree, 200)) {
          killer.kill();
        }
      } catch (IOException | InterruptedException | RuntimeException ignored) {
        // best effort while the JVM exits
      }
    });
  }

  /** Waits up to {@code millis} for the process and its tree to be gone (zombies count as gone). */
  private static boolean gone(Process process, List<ProcessHandle> tree, long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (process.isAlive() || tree.stream().anyMatch(ProcessRunner::running)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  static int run(List<String> command, java.util.Map<String, String> env, Consumer<String> stdout,
      Consumer<String> stderr, Killer killer) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().clear();
    pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process process = pb.start();
    RUNNING.put(process, killer);
    try {
      return waitFor(process, stdout, stderr, killer);
    } finally {
      RUNNING.remove(process);
    }
  }

  private static int waitFor(Process process, Consumer<String> stdout, Consumer<String> stderr,
      Killer killer) throws InterruptedException {
    Thread out = pump(process.getInputStream(), stdout, "stdout");
    Thread err = pump(process.getErrorStream(), stderr, "stderr");
    try {
      int exit = process.waitFor();
      out.join();
      err.join();
      return exit;
    } catch (InterruptedException e) {
      // the container's processes, taken before anything dies and is re-parented
      List<ProcessHandle> tree = process.descendants().toList();
      // SIGKILL to the runtime and the container's processes first: at once, where the runtime's
      // own kill command needs a process start (slow on a busy machine, and Ctrl-C must be quick)
      process.destroyForcibly();
      tree.forEach(ProcessHandle::destroyForcibly);
      try {
        if (!gone(process, tree, 200)) {
          killer.kill(); // something escaped the tree: the runtime knows the container's processes
        }
      } catch (IOException | InterruptedException | RuntimeException ignored) {
        // the processes are killed already; the runtime's kill only catches what escaped the tree
      } finally {
        // wait without being interruptible again: the runtime must be gone before cleanup
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
          try {
            process.waitFor(30, TimeUnit.SECONDS);
            // not onExit(): for a process that is not our child it polls with sleeps of 300 ms
            // and more, which made Ctrl-C take seconds (issue 7 asks for 2 s)
            while (tree.stream().anyMatch(ProcessRunner::running) && System.nanoTime() < deadline) {
              Thread.sleep(10);
            }
            break;
          } catch (InterruptedException again) {
            interrupted = true;
          }
        }
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
      throw e;
    }
  }

  /** Alive and not a zombie: a zombie holds no mount and no file, only its pid until it is reaped. */
  private static boolean running(ProcessHandle h) {
    if (!h.isAlive()) {
      return false;
    }
    try {
      String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + h.pid() + "/stat"));
      int close = stat.lastIndexOf(')');
      return close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) != 'Z';
    } catch (IOException e) {
      return false; // gone while we looked
    }
  }

  private static Thread pump(InputStream in, Consumer<String> sink, String what) {
    Thread t = new Thread(() -> {
      var decoder = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE);
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, decoder))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          if (sink != null) {
            sink.accept(line);
          }
        }
      } catch (IOException e) {
        // the process is gone (killed); nothing more to read
      }
    }, "jbuild-run-" + what);
    t.setDaemon(true);
    t.start();
    return t;
  }
}
