package io.jbuild.frontend.dockerfile;

import io.jbuild.graph.ImageTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Dockerfile frontend: Dockerfile bytes to a build graph, with BuildKit's semantics
 * (frontend/dockerfile). Everything else in this package is package-private.
 */
public final class DockerfileFrontend {
  private DockerfileFrontend() {}

  /** Parses + converts the target stage into the build graph. */
  public static ImageTarget convert(ConvertRequest request) throws DockerfileException {
    Source src = Source.parse(request.dockerfile(), request.fileName());
    try {
      return new Converter(src, request).convert();
    } catch (RuntimeException e) {
      // a bug of ours must still not reach the user as a stack trace (DESIGN.md, errors)
      DockerfileException d = new DockerfileException(src.fileName(), 0, 0,
          "internal error converting the Dockerfile: " + e, null,
          "please report this with the Dockerfile");
      d.initCause(e);
      throw d;
    }
  }

  /** BuildKit's parser debug dump (the {@code result} format), for {@code jbuild debug ast}. */
  public static String dumpAst(byte[] dockerfile, String fileName) throws DockerfileException {
    Source src = Source.parse(dockerfile, fileName);
    return src.root().dump() + "\n";
  }

  /**
   * Build checks ({@code --check}): findings with locations, honouring
   * {@code # check=skip=...;error=true}.
   */
  public static List<CheckFinding> check(byte[] dockerfile, String fileName,
      Map<String, String> buildArgs) throws DockerfileException {
    Source src = Source.parse(dockerfile, fileName);
    return Checks.run(src, buildArgs == null ? Map.of() : buildArgs);
  }

  /** Names of the stages in order; an unnamed stage is listed by its index. */
  public static List<String> stageNames(byte[] dockerfile, String fileName)
      throws DockerfileException {
    Source src = Source.parse(dockerfile, fileName);
    List<String> names = new ArrayList<>();
    for (Instructions.StageDef s : Instructions.parse(src).stages()) {
      names.add(s.name() != null ? s.name() : Integer.toString(s.index()));
    }
    return names;
  }

  /**
   * {@code --call=outline}: the stages with their build args, defaults and the descriptions
   * taken from the comments right above them.
   */
  public static List<StageOutline> outline(byte[] dockerfile, String fileName)
      throws DockerfileException {
    Source src = Source.parse(dockerfile, fileName);
    return Outline.of(src);
  }

  /** One stage of {@link #outline}. */
  public record StageOutline(String name, int index, String base, String description,
      List<ArgOutline> args, int line) {}

  /** One build arg of a stage; {@code defaultValue} null when it has none. */
  public record ArgOutline(String name, String defaultValue, String description, int line) {}
}
