package io.jbuild.builder.run;

import java.io.IOException;

/** Runs one RUN step's process in a container over a prepared rootfs. */
public interface ContainerRuntime {
  /** "runc", "crun" or "unshare". */
  String name();

  /**
   * Runs the process to its end, streaming its output. Interrupting the calling thread kills the
   * container and leaves no runtime state behind; the method then throws InterruptedException.
   */
  ExecResult run(ExecSpec spec) throws IOException, InterruptedException;

  /** One line for the build log saying which executor runs the steps, and which binary. */
  default String describe() {
    return name();
  }
}
