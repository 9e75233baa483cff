package io.jbuild.cli;

import io.jbuild.api.BuildEvent;
import io.jbuild.api.BuildException;
import io.jbuild.api.BuildResult;
import java.io.PrintStream;

/** -q / --progress=quiet: nothing while building, the image id on stdout at the end (docker build -q). */
final class QuietProgress implements ProgressView {
  private final PrintStream out;

  QuietProgress(PrintStream out) {
    this.out = out;
  }

  @Override
  public void onEvent(BuildEvent event) {}

  @Override
  public void succeeded(BuildResult result) {
    out.println(result.imageId());
    out.flush();
  }

  @Override
  public void failed(BuildException error, int exitCode) {}
}
