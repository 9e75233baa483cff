package io.jbuild.frontend.dockerfile;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the exec form ({@code ["a", "b"]}) the way BuildKit does: Go's {@code json.Decoder}
 * decodes ONE value from the start of the text and ignores what follows it; a syntax error makes
 * the instruction fall back to the shell form, while a well-formed array with a non-string
 * element is an error of its own (parser/line_parsers.go, parseJSON).
 */
final class GoJson {
  /** Thrown for a syntactically valid array with a non-string element. */
  static final class NotStringArrayException extends Exception {
    private static final long serialVersionUID = 1L;

    NotStringArrayException() {
      super("when using JSON array syntax, arrays must be comprised of strings only");
    }
  }

  private static final Object NOT_A_STRING = new Object();
  private final String s;
  private int pos;

  private GoJson(String s) {
    this.s = s;
  }

  /**
   * The strings of the JSON array at the start of {@code text} (after left-trimming spaces), or
   * null when the text is not a JSON array (shell form).
   */
  static List<String> parseStringArray(String text) throws NotStringArrayException {
    String rest = GoText.trimLeftSpace(text);
    if (!rest.startsWith("[")) {
      return null;
    }
    GoJson p = new GoJson(rest);
    List<Object> values;
    try {
      Object v = p.value(0);
      p.ws();
      if (p.pos < p.s.length()) {
        // text after the array: BuildKit's testRunInvalidJSON / testEntrypointInvalidJSON build
        // `RUN ["echo", "hello"]this is invalid` as the shell form
        return null;
      }
      @SuppressWarnings("unchecked")
      List<Object> list = (List<Object>) v;
      values = list;
    } catch (SyntaxError e) {
      return null;
    }
    List<String> out = new ArrayList<>(values.size());
    for (Object o : values) {
      if (!(o instanceof String str)) {
        throw new NotStringArrayException();
      }
      out.add(str);
    }
    return out;
  }

  private static final class SyntaxError extends Exception {
    private static final long serialVersionUID = 1L;

    SyntaxError() {
      super(null, null, false, false);
    }
  }

  private void ws() {
    while (pos < s.length()) {
      char c = s.charAt(pos);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        pos++;
      } else {
        break;
      }
    }
  }

  private int peek() {
    return pos < s.length() ? s.charAt(pos) : -1;
  }

  private Object value(int depth) throws SyntaxError {
    if (depth > 10000) {
      throw new SyntaxError();
    }
    ws();
    int c = peek();
    switch (c) {
      case '[' -> {
        pos++;
        List<Object> list = new ArrayList<>();
        ws();
        if (peek() == ']') {
          pos++;
          return list;
        }
        while (true) {
          list.add(value(depth + 1));
          ws();
          int d = peek();
          pos++;
          if (d == ']') {
            return list;
          }
          if (d != ',') {
            throw new SyntaxError();
          }
        }
      }
      case '{' -> {
        pos++;
        ws();
        if (peek() == '}') {
          pos++;
          return NOT_A_STRING;
        }
        while (true) {
          ws();
          if (peek() != '"') {
            throw new SyntaxError();
          }
          string();
          ws();
          if (peek() != ':') {
            throw new SyntaxError();
          }
          pos++;
          value(depth + 1);
          ws();
          int d = peek();
          pos++;
          if (d == '}') {
            return NOT_A_STRING;
          }
          if (d != ',') {
            throw new SyntaxError();
          }
        }
      }
      case '"' -> {
        return string();
      }
      case 't' -> {
        literal("true");
        return NOT_A_STRING;
      }
      case 'f' -> {
        literal("false");
        return NOT_A_STRING;
      }
      case 'n' -> {
        literal("null");
        return NOT_A_STRING;
      }
      default -> {
        number();
        return NOT_A_STRING;
      }
    }
  }

  private void literal(String word) throws SyntaxError {
    if (!s.startsWith(word, pos)) {
      throw new SyntaxError();
    }
    pos += word.length();
  }

  private void number() throws SyntaxError {
    if (peek() == '-') {
      pos++;
    }
    if (peek() == '0') {
      pos++;
    } else if (peek() >= '1' && peek() <= '9') {
      while (peek() >= '0' && peek() <= '9') {
        pos++;
      }
    } else {
      throw new SyntaxError();
    }
    if (peek() == '.') {
      pos++;
      if (!(peek() >= '0' && peek() <= '9')) {
        throw new SyntaxError();
      }
      while (peek() >= '0' && peek() <= '9') {
        pos++;
      }
    }
    if (peek() == 'e' || peek() == 'E') {
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      if (!(peek() >= '0' && peek() <= '9')) {
        throw new SyntaxError();
      }
      while (peek() >= '0' && peek() <= '9') {
        pos++;
      }
    }
  }

  private String string() throws SyntaxError {
    pos++;
    StringBuilder b = new StringBuilder();
    while (true) {
      if (pos >= s.length()) {
        throw new SyntaxError();
      }
      char c = s.charAt(pos++);
      if (c == '"') {
        return b.toString();
      }
      if (c < 0x20) {
        throw new SyntaxError();
      }
      if (c != '\\') {
        b.append(c);
        continue;
      }
      if (pos >= s.length()) {
        throw new SyntaxError();
      }
      char e = s.charAt(pos++);
      switch (e) {
        case '"', '\\', '/' -> b.append(e);
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        case 't' -> b.append('\t');
        case 'u' -> {
          int u = hex4();
          if (Character.isHighSurrogate((char) u)) {
            // Go combines a valid surrogate pair and turns a lone surrogate into U+FFFD
            if (s.startsWith("\\u", pos)) {
              int save = pos;
              pos += 2;
              int low = hex4();
              if (Character.isLowSurrogate((char) low)) {
                b.append((char) u).append((char) low);
                break;
              }
              pos = save;
            }
            b.append('\uFFFD');
          } else if (Character.isLowSurrogate((char) u)) {
            b.append('\uFFFD');
          } else {
            b.append((char) u);
          }
        }
        default -> throw new SyntaxError();
      }
    }
  }

  private int hex4() throws SyntaxError {
    if (pos + 4 > s.length()) {
      throw new SyntaxError();
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
      char h = s.charAt(pos++);
      int d = h < 128 ? Character.digit(h, 16) : -1;
      if (d < 0) {
        throw new SyntaxError();
      }
      v = v * 16 + d;
    }
    return v;
  }
}
