package io.jbuild.builder;

import io.jbuild.graph.GitOp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * ADD git-url: a checkout with the host's {@code git}, like BuildKit's git source
 * (source/git/source.go): a shallow fetch of the ref (falling back to a full fetch for a commit
 * the server won't serve by id), the subdirectory selected, .git dropped unless
 * {@code --keep-git-dir}. Files keep their checkout time as mtime, which is BuildKit's default
 * ({@code git.mtime=checkout}; commit-time mtimes are an opt-in of moby/buildkit#6600).
 */
final class GitCheckout {
  private GitCheckout() {}

  /** Checks out {@code op} under {@code work} and returns the directory to copy from. */
  static Path checkout(GitOp op, Path work) throws IOException, InterruptedException {
    Path repo = Files.createDirectories(work.resolve("repo"));
    git(op, repo, "init", "-q");
    git(op, repo, "remote", "add", "origin", op.remote());
    String ref = op.ref().isEmpty() ? "HEAD" : op.ref();
    try {
      git(op, repo, "fetch", "-q", "--depth=1", "--no-tags", "origin", ref);
    } catch (IOException shallowFailed) {
      // a commit id that is not a ref tip: fetch everything, then look it up
      git(op, repo, "fetch", "-q", "--tags", "origin", "+refs/heads/*:refs/remotes/origin/*");
      git(op, repo, "checkout", "-q", "--detach", ref);
      return select(op, repo);
    }
    git(op, repo, "checkout", "-q", "--detach", "FETCH_HEAD");
    return select(op, repo);
  }

  private static Path select(GitOp op, Path repo) throws IOException {
    if (!op.keepGitDir() || !op.subdir().isEmpty()) {
      TmpJanitor.removeTree(repo.resolve(".git"));
    }
    if (op.subdir().isEmpty()) {
      return repo;
    }
    Path sub = repo.resolve(op.subdir().replaceAll("^/+", "")).normalize();
    if (!sub.startsWith(repo) || !Files.isDirectory(sub, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException("git source " + op.remote() + ": subdirectory " + op.subdir() + " not found in "
          + (op.ref().isEmpty() ? "HEAD" : op.ref()));
    }
    return sub;
  }

  private static void git(GitOp op, Path dir, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("git", "-c", "advice.detachedHead=false", "-c", "init.defaultBranch=main"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("GIT_TERMINAL_PROMPT", "0");
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new IOException("ADD of a git repository needs git on PATH: install it with `apt-get install git`", e);
    }
    String out;
    try {
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        throw new IOException("git " + String.join(" ", args) + " timed out");
      }
    } finally {
      p.destroyForcibly();
    }
    if (p.exitValue() != 0) {
      throw new IOException("failed to fetch " + op.remote() + (op.ref().isEmpty() ? "" : "#" + op.ref())
          + ": git " + String.join(" ", args) + " exited with " + p.exitValue() + (out.isEmpty() ? "" : ": " + out));
    }
  }
}
