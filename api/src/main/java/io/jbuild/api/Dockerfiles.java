package io.jbuild.api;

import io.jbuild.frontend.dockerfile.CheckFinding;
import io.jbuild.frontend.dockerfile.DockerfileException;
import io.jbuild.frontend.dockerfile.DockerfileFrontend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Looking at a Dockerfile without building it: {@code jbuild debug ast}, {@code --check},
 * {@code --call=outline|targets}.
 */
public final class Dockerfiles {
  private Dockerfiles() {}

  /** One finding of the build checks, with where it is. */
  public record Finding(String rule, String message, String file, int line, int column, String url, boolean error) {}

  /** One stage for {@code --call=outline|targets}. */
  public record Stage(String name, int index, String base, String description, List<Arg> args, int line) {}

  /** One build arg of a stage; defaultValue is null when it has none. */
  public record Arg(String name, String defaultValue, String description) {}

  /** BuildKit's parser dump of the file, one line per instruction. */
  public static String dumpAst(Path file) throws BuildException {
    try {
      return DockerfileFrontend.dumpAst(read(file), file.getFileName().toString());
    } catch (DockerfileException e) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT, e.formatted(), e);
    }
  }

  /** BuildKit's static build checks over the Dockerfile. */
  public static List<Finding> check(Path file, Map<String, String> buildArgs) throws BuildException {
    try {
      List<CheckFinding> found = DockerfileFrontend.check(read(file), file.getFileName().toString(), buildArgs);
      return found.stream().map(f -> new Finding(f.rule(), f.message(), f.fileName(), f.line(), f.column(), f.url(), f.error())).toList();
    } catch (DockerfileException e) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT, e.formatted(), e);
    }
  }

  /** The stages, their args (with defaults) and descriptions from the comments above them. */
  public static List<Stage> outline(Path file) throws BuildException {
    try {
      return DockerfileFrontend.outline(read(file), file.getFileName().toString()).stream()
          .map(s -> new Stage(s.name(), s.index(), s.base(), s.description(),
              s.args().stream().map(a -> new Arg(a.name(), a.defaultValue(), a.description())).toList(), s.line()))
          .toList();
    } catch (DockerfileException e) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT, e.formatted(), e);
    }
  }

  private static byte[] read(Path file) throws BuildException {
    try {
      return Files.readAllBytes(file);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT, "failed to read the Dockerfile: " + file
          + " does not exist (use -f to name another file)", e);
    } catch (IOException e) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT, "cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
