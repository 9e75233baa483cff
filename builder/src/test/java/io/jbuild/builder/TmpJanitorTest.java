package io.jbuild.builder;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TmpJanitorTest {
  @TempDir
  Path tmp;

  @Test
  void cleanStale_deadBuildsDir_killsTheRuntimeNamingIt_andRemovesTheDir() throws Exception {
    // a directory of a build that is gone (pid 2^22+1 is above any pid_max default in use)
    Path dead = Files.createDirectories(tmp.resolve("4194305-deadbeef/step-1/exec/bundle"));
    Path dir = tmp.resolve("4194305-deadbeef");
    // a runtime left over from it: its command line names the bundle, its root is the host's
    Process runtime = new ProcessBuilder("sh", "-c", "sleep 60", dead.toString()).start();
    // and a process of another build, which must live on
    Path live = Files.createDirectories(tmp.resolve(ProcessHandle.current().pid() + "-alive01"));
    Process other = new ProcessBuilder("sh", "-c", "sleep 60", live.resolve("bundle").toString()).start();
    try {
      TmpJanitor.cleanStale(tmp);

      assertTrue(runtime.waitFor(10, TimeUnit.SECONDS), "the dead build's runtime was killed");
      assertFalse(Files.exists(dir), "the dead build's directory is gone");
      assertTrue(other.isAlive(), "a live build's processes are left alone");
      assertTrue(Files.isDirectory(live));
    } finally {
      runtime.destroyForcibly();
      other.destroyForcibly();
    }
  }
}
