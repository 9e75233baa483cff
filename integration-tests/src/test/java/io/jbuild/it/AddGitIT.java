package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ADD of git repositories served by {@code git daemon} on 127.0.0.1, checked against BuildKit's
 * git source: {@code #ref:subdir} selects a ref and a directory, the tree's files belong to root,
 * .git is dropped unless --keep-git-dir (dockerfile reference, "ADD --keep-git-dir").
 */
class AddGitIT {
  @TempDir
  Path tmp;

  private Process daemon;
  private String url;

  @BeforeEach
  void startGitDaemon() throws Exception {
    Prerequisites.requireRoot();
    Prerequisites.requireTool("git");
    Path work = Files.createDirectories(tmp.resolve("work"));
    Files.createDirectories(work.resolve("sub"));
    Files.writeString(work.resolve("top.txt"), "top v1\n");
    Files.writeString(work.resolve("sub/a.txt"), "a v1\n");
    git(work, "init", "-q", "-b", "main");
    git(work, "add", ".");
    git(work, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "v1");
    git(work, "tag", "v1");
    Files.writeString(work.resolve("top.txt"), "top v2\n");
    git(work, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-am", "v2");
    Path srv = Files.createDirectories(tmp.resolve("srv"));
    git(tmp, "clone", "-q", "--bare", work.toString(), srv.resolve("repo.git").toString());
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    daemon = new ProcessBuilder("git", "daemon", "--verbose", "--export-all", "--reuseaddr",
        "--listen=127.0.0.1", "--port=" + port, "--base-path=" + srv, srv.toString())
        .redirectErrorStream(true).start();
    // git daemon says "Ready to rumble" once it listens: wait for that line, not for a time
    BufferedReader out = new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8));
    for (String line; ; ) {
      line = out.readLine();
      if (line == null) {
        throw new AssertionError("git daemon exited before it was ready");
      }
      if (line.contains("Ready to rumble")) {
        break;
      }
    }
    Thread drain = new Thread(() -> {
      try {
        while (out.readLine() != null) {
          // keep the pipe flowing
        }
      } catch (java.io.IOException ignored) {
        // the daemon was stopped
      }
    });
    drain.setDaemon(true);
    drain.start();
    url = "git://127.0.0.1:" + port + "/repo.git";
  }

  @AfterEach
  void stopGitDaemon() throws Exception {
    if (daemon != null) {
      daemon.destroy();
      daemon.waitFor();
    }
  }

  @Test
  void build_addGitRefAndSubdir_copiesThatTreeOwnedByRootWithoutGitDir() throws Exception {
    Path ctx = context("""
        FROM scratch
        ADD %1$s#v1:sub /sub/
        ADD %1$s /head/
        ADD --keep-git-dir %1$s#main /kept/
        """.formatted(url));
    Map<String, TarArchiveEntry> files = new LinkedHashMap<>();
    Map<String, String> contents = new LinkedHashMap<>();
    Path out = tmp.resolve("rootfs.tar");
    Exec.jbuild(tmp.resolve("root"), "build", "--progress=plain", "-o", "type=tar,dest=" + out, ctx.toString())
        .assertOk("jbuild build with ADD git");
    AddUrlIT.readTar(out, files, contents);

    assertEquals("a v1\n", contents.get("sub/a.txt"), "the subdir of tag v1: " + files.keySet());
    assertFalse(files.containsKey("sub/top.txt"));
    assertEquals("top v2\n", contents.get("head/top.txt"), "no ref: the remote's HEAD");
    assertEquals(0, files.get("head/top.txt").getLongUserId());
    assertEquals(0, files.get("head/top.txt").getLongGroupId());
    assertTrue(files.keySet().stream().noneMatch(n -> n.startsWith("head/.git")), "no .git without --keep-git-dir");
    assertTrue(files.containsKey("kept/.git/HEAD"), "--keep-git-dir keeps .git: " + files.keySet());
  }

  @Test
  void build_addGitUnknownRef_failsNamingRepositoryAndLine() throws Exception {
    Path ctx = context("FROM scratch\nADD " + url + "#no-such-branch /x/\n");
    Exec build = Exec.jbuild(tmp.resolve("root"), "build", "--progress=plain",
        "-o", "type=tar,dest=" + tmp.resolve("out.tar"), ctx.toString());
    assertNotEquals(0, build.exitCode());
    String err = build.stdout() + build.stderr();
    assertTrue(err.contains(url) && err.contains("no-such-branch"), err);
    assertTrue(err.contains("Dockerfile:2"), err);
  }

  private Path context(String dockerfile) throws Exception {
    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    Files.writeString(ctx.resolve("Dockerfile"), dockerfile);
    return ctx;
  }

  private static void git(Path dir, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("git"));
    cmd.addAll(List.of(args));
    Exec.run(dir, Map.of(), 60, cmd).assertOk(String.join(" ", cmd));
  }
}
