package io.jbuild.frontend.dockerfile;

/**
 * One build-check finding (BuildKit's lint rules, e.g. {@code JSONArgsRecommended}).
 *
 * @param rule the rule name
 * @param line 1-based line of the instruction
 * @param url the rule's documentation
 * @param error true when {@code # check=error=true} turns findings into errors
 */
public record CheckFinding(String rule, String message, String fileName, int line, int column,
    String url, boolean error) {
  @Override
  public String toString() {
    return fileName + ":" + line + ":" + column + ": " + rule + ": " + message;
  }
}
