package io.jbuild.graph;

import java.util.List;

/**
 * Files whose content is in the Dockerfile (here-documents of COPY, the script of a RUN
 * heredoc starting with {@code #!}): a directory holding exactly these files, like BuildKit's
 * {@code llb.Scratch().File(llb.Mkfile(...))}. Consumers read it like a local context.
 */
public record InlineFilesOp(List<InlineFile> files) implements Op {
  /** One file: a plain name (no '/'), its content and permission bits. */
  public record InlineFile(String name, String content, int mode) {
    public InlineFile {
      if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
        throw new IllegalArgumentException("inline file name must be a plain name: " + name);
      }
    }
  }

  public InlineFilesOp {
    files = List.copyOf(files);
  }

  @Override
  public int arity() {
    return 0;
  }
}
