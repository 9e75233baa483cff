package io.jbuild.frontend.dockerfile;

/**
 * A Dockerfile that cannot be parsed or converted. {@link #getMessage()} is
 * {@code Dockerfile:LINE:COL: message} like BuildKit's error locations; {@link #formatted()} adds
 * the source line, a caret under the column and, where one helps, a hint.
 */
public class DockerfileException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String fileName;
  private final int line;
  private final int column;
  private final String reason;
  private final String sourceLine;
  private final String hint;

  DockerfileException(String fileName, int line, int column, String reason, String sourceLine,
      String hint) {
    super(location(fileName, line, column) + reason);
    this.fileName = fileName;
    this.line = line;
    this.column = column;
    this.reason = reason;
    this.sourceLine = sourceLine;
    this.hint = hint;
  }

  private static String location(String fileName, int line, int column) {
    if (line <= 0) {
      return fileName + ": ";
    }
    return fileName + ":" + line + ":" + Math.max(column, 1) + ": ";
  }

  public String fileName() {
    return fileName;
  }

  /** 1-based; 0 when the error has no line (an empty file). */
  public int line() {
    return line;
  }

  public int column() {
    return column;
  }

  /** The message without the location. */
  public String reason() {
    return reason;
  }

  /** The hint, or null. */
  public String hint() {
    return hint;
  }

  /** The message, then the offending source line with a caret under the column, then the hint. */
  public String formatted() {
    StringBuilder b = new StringBuilder(getMessage());
    if (sourceLine != null && line > 0) {
      String gutter = " " + line + " | ";
      b.append('\n').append(gutter).append(sourceLine.replace("\t", " "));
      b.append('\n').append(" ".repeat(gutter.length() + Math.max(column, 1) - 1)).append('^');
    }
    if (hint != null) {
      b.append("\nhint: ").append(hint);
    }
    return b.toString();
  }
}
