package io.jbuild.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the tty view needs to know about the terminal on stderr: whether there is one, its size,
 * and whether colours are welcome. Java 17 has no isatty for stderr, so this reads the target
 * of /proc/self/fd/2 (jbuild runs on Linux only).
 */
record Terminal(boolean present, int columns, int rows, boolean color) {
  static final Terminal NONE = new Terminal(false, 80, 24, false);

  static Terminal detect(Map<String, String> env) {
    String term = env.getOrDefault("TERM", "");
    boolean tty = isTerminal(Path.of("/proc/self/fd/2")) && !term.equals("dumb");
    if (!tty) {
      return NONE;
    }
    int[] size = size(env);
    return new Terminal(true, size[0], size[1], !env.containsKey("NO_COLOR"));
  }

  /** "auto" becomes tty on a terminal (not under TERM=dumb), plain otherwise, e.g. in CI logs. */
  String resolve(String mode) {
    return mode.equals("auto") ? (present ? "tty" : "plain") : mode;
  }

  static boolean isTerminal(Path fd) {
    try {
      String target = Files.readSymbolicLink(fd).toString();
      return target.startsWith("/dev/pts/") || target.matches("/dev/tty[0-9]*") || target.startsWith("/dev/ttyS");
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  /** Columns and rows from `stty size` on the terminal, else $COLUMNS/$LINES, else 80x24. */
  private static int[] size(Map<String, String> env) {
    int cols = parse(env.get("COLUMNS"), 80);
    int rows = parse(env.get("LINES"), 24);
    try {
      Process p = new ProcessBuilder("stty", "size").redirectInput(new java.io.File("/proc/self/fd/2"))
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor(2, TimeUnit.SECONDS) && p.exitValue() == 0) {
        String[] f = out.split("\\s+");
        if (f.length == 2) {
          rows = parse(f[0], rows);
          cols = parse(f[1], cols);
        }
      }
    } catch (IOException e) {
      // no stty: keep the environment's or the default size
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return new int[] {Math.max(cols, 20), Math.max(rows, 5)};
  }

  private static int parse(String s, int fallback) {
    try {
      return s == null ? fallback : Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
