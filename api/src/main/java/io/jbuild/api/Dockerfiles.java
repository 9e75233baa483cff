package io.jbuild.api;

import io.jbuild.frontend.dockerfile.DockerfileException;
import io.jbuild.frontend.dockerfile.DockerfileFrontend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Looking at a Dockerfile without building it: {@code jbuild debug ast}. */
public final class Dockerfiles {
  private Dockerfiles() {}

  /** BuildKit's parser dump of the file, one line per instruction. */
  public static String dumpAst(Path file) throws BuildException {
    try {
      return DockerfileFrontend.dumpAst(Files.readAllBytes(file), file.getFileName().toString());
    } catch (DockerfileException e) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT, e.formatted(), e);
    } catch (IOException e) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT, "cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
