package io.jbuild.graph;

/**
 * A git repository's tree for {@code ADD git-url}: a directory holding the checkout of
 * {@code ref} (default: the remote's HEAD), or of its {@code subdir}, like BuildKit's
 * {@code llb.Git(remote, ref, llb.KeepGitDir())}. Files belong to root. Consumers read it like
 * a local context.
 *
 * @param remote the repository URL without the fragment
 * @param ref branch, tag or commit from the fragment ({@code #ref:subdir}), or "" for HEAD
 * @param subdir directory inside the repository from the fragment, or ""
 * @param keepGitDir keep the .git directory ({@code --keep-git-dir})
 */
public record GitOp(String remote, String ref, String subdir, boolean keepGitDir) implements Op {
  @Override
  public int arity() {
    return 0;
  }
}
