package io.jbuild.builder;

import io.jbuild.cache.FileTrees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Each jbuild process works in {@code tmp/<pid>-<random>/}. A process killed with SIGKILL leaves
 * its directory (and maybe mounts in it) behind; the next build unmounts and removes what
 * belongs to dead processes. A tree is never removed while something is mounted below it, so a
 * leftover overlay can't take lower snapshot files with it.
 */
public final class TmpJanitor {
  private TmpJanitor() {}

  static String processDirName() {
    return ProcessHandle.current().pid() + "-" + io.jbuild.cache.AtomicFiles.randomName();
  }

  /**
   * Removes the work directories of builds that are no longer running (killed), after killing
   * the processes rooted in them and unmounting what they mounted. A build does this once,
   * before anything else (api.DockerfileBuild), whether its shortcut record or the solver
   * answers it.
   */
  public static void cleanStale(Path tmp) throws IOException {
    List<Path> stale = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp)) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        int dash = name.indexOf('-');
        if (dash <= 0 || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        try {
          long pid = Long.parseLong(name.substring(0, dash));
          if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            continue;
          }
        } catch (NumberFormatException e) {
          continue;
        }
        stale.add(p);
      }
    }
    for (Path p : stale) {
      killProcessesRootedIn(p);
      removeTree(p);
    }
  }

  /**
   * A build killed with SIGKILL leaves its RUN processes behind (their runtime's parent is gone,
   * not them). They are found by their root directory, which lies in the dead build's tmp dir,
   * whatever executor started them, and killed before their mounts are released; so is a
   * runtime process whose command line names that directory (its bundle).
   */
  static void killProcessesRootedIn(Path dir) {
    String prefix = dir.toAbsolutePath().normalize().toString();
    List<ProcessHandle> victims = new ArrayList<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Paths.get("/proc"))) {
      for (Path proc : procs) {
        String name = proc.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String rootOf = Files.readSymbolicLink(proc.resolve("root")).toString();
          boolean ours = rootOf.equals(prefix) || rootOf.startsWith(prefix + "/");
          if (!ours) {
            // the runtime itself (crun/runc run --bundle DIR/...), which may still be setting
            // up or tearing down a container of the dead build, writing into its directories
            String cmd = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
            ours = cmd.contains(prefix + "/");
          }
          if (ours && Long.parseLong(name) != ProcessHandle.current().pid()) {
            ProcessHandle.of(Long.parseLong(name)).ifPresent(victims::add);
          }
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
          // gone, or not ours to look at
        }
      }
    } catch (IOException e) {
      return;
    }
    for (ProcessHandle h : victims) {
      h.destroyForcibly();
    }
    for (ProcessHandle h : victims) {
      try {
        h.onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        // best effort: the unmount below is lazy
      }
    }
  }

  /** Unmounts everything below dir (deepest first), then deletes it; best effort, never throws. */
  static void removeTree(Path dir) {
    try {
      Path real = dir.toAbsolutePath().normalize();
      List<String> mounts = mountsBelow(real);
      for (String m : mounts) {
        Process p = new ProcessBuilder("umount", "-l", m).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.waitFor(10, TimeUnit.SECONDS);
      }
      if (!mounts.isEmpty() && !mountsBelow(real).isEmpty()) {
        return; // refuse to delete through a mount
      }
      FileTrees.delete(real);
    } catch (IOException e) {
      // leave it for the next cleanStale
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Mount points at or below dir, deepest first, from /proc/self/mountinfo. */
  static List<String> mountsBelow(Path dir) throws IOException {
    String prefix = dir.toString();
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(Paths.get("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
      String[] f = line.split(" ");
      if (f.length < 5) {
        continue;
      }
      String mp = unescape(f[4]);
      if (mp.equals(prefix) || mp.startsWith(prefix + "/")) {
        out.add(mp);
      }
    }
    out.sort((a, b) -> b.length() - a.length());
    return out;
  }

  private static String unescape(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
