package io.jbuild.frontend.dockerfile;

import java.util.List;

/** A parsed Dockerfile: its AST, escape token, directives, and its lines for error messages. */
final class Source {
  private final String fileName;
  private final LineParser.ParseResult parsed;

  private Source(String fileName, LineParser.ParseResult parsed) {
    this.fileName = fileName;
    this.parsed = parsed;
  }

  static Source parse(byte[] dockerfile, String fileName) throws DockerfileException {
    String name = fileName == null || fileName.isEmpty() ? "Dockerfile" : fileName;
    try {
      return new Source(name, LineParser.parse(dockerfile));
    } catch (ParseError e) {
      List<String> lines = List.of(new String(dockerfile, java.nio.charset.StandardCharsets.UTF_8)
          .replace("\r", "").split("\n", -1));
      throw error(name, lines, e);
    } catch (RuntimeException e) {
      // never a stack trace for user input: an internal failure still names the file
      throw new DockerfileException(name, 0, 0, "cannot parse: " + e, null, null);
    }
  }

  private static DockerfileException error(String fileName, List<String> lines, ParseError e) {
    String line = lines != null && e.line > 0 && e.line <= lines.size() ? lines.get(e.line - 1)
        : null;
    return new DockerfileException(fileName, e.line, e.column, e.getMessage(), line, e.hint);
  }

  String fileName() {
    return fileName;
  }

  Node root() {
    return parsed.root();
  }

  int escapeToken() {
    return parsed.escapeToken();
  }

  LineParser.ParseResult parsed() {
    return parsed;
  }

  String line(int n) {
    List<String> l = parsed.physicalLines();
    return n > 0 && n <= l.size() ? l.get(n - 1) : null;
  }

  /** An error at an instruction's start. */
  DockerfileException error(Node node, String message, String hint) {
    return error(node.startLine, node.startColumn, message, hint);
  }

  DockerfileException error(int line, int column, String message, String hint) {
    return new DockerfileException(fileName, line, column, message, line(line), hint);
  }

  DockerfileException error(ParseError e, Node fallback) {
    int line = e.line > 0 ? e.line : fallback.startLine;
    int col = e.line > 0 ? e.column : fallback.startColumn;
    return error(line, col, e.getMessage(), e.hint);
  }
}
