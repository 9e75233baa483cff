package io.jbuild.frontend.dockerfile;

/**
 * An error found while reading the Dockerfile, before its location is known or attached; the
 * frontend turns it into a {@link DockerfileException}.
 */
final class ParseError extends Exception {
  private static final long serialVersionUID = 1L;
  final int line;
  final int column;
  final String hint;

  ParseError(String message) {
    this(message, 0, 0, null);
  }

  ParseError(String message, int line, int column, String hint) {
    super(message, null, false, false);
    this.line = line;
    this.column = column;
    this.hint = hint;
  }

  ParseError at(int newLine, int newColumn) {
    return line > 0 ? this : new ParseError(getMessage(), newLine, newColumn, hint);
  }

  ParseError withHint(String h) {
    return new ParseError(getMessage(), line, column, h);
  }
}
