package io.jbuild.frontend.dockerfile;

import java.util.List;

/**
 * Go's text helpers that BuildKit's output depends on: {@code strconv.Quote} (used by the AST
 * dump), {@code unicode.IsSpace} (used to split and trim lines) and {@code %q} of a string slice.
 */
final class GoText {
  private GoText() {}

  /** Go's {@code unicode.IsSpace}. */
  static boolean isSpace(int c) {
    switch (c) {
      case '\t', '\n', 0x0B, '\f', '\r', ' ', 0x85, 0xA0:
        return true;
      default:
        return c > 0xFF && Character.getType(c) == Character.SPACE_SEPARATOR
            || c == 0x2028 || c == 0x2029;
    }
  }

  /** Go's regexp {@code [\t\v\f\r ]}: BuildKit's reWhitespace for FROM/EXPOSE splitting. */
  static boolean isReWhitespace(char c) {
    return c == '\t' || c == 0x0B || c == '\f' || c == '\r' || c == ' ';
  }

  static String trimSpace(String s) {
    return trimRightSpace(trimLeftSpace(s));
  }

  static String trimLeftSpace(String s) {
    int i = 0;
    while (i < s.length()) {
      int c = s.codePointAt(i);
      if (!isSpace(c)) {
        break;
      }
      i += Character.charCount(c);
    }
    return s.substring(i);
  }

  static String trimRightSpace(String s) {
    int end = s.length();
    while (end > 0) {
      int c = s.codePointBefore(end);
      if (!isSpace(c)) {
        break;
      }
      end -= Character.charCount(c);
    }
    return s.substring(0, end);
  }

  /** Go's {@code unicode.IsPrint}: letters, marks, numbers, punctuation, symbols, ASCII space. */
  static boolean isPrint(int c) {
    if (c == ' ') {
      return true;
    }
    switch (Character.getType(c)) {
      case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
          Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.NON_SPACING_MARK,
          Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
          Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER,
          Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION,
          Character.START_PUNCTUATION, Character.END_PUNCTUATION,
          Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
          Character.OTHER_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
          Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL:
        return true;
      default:
        return false;
    }
  }

  /** Go's {@code strconv.Quote}. */
  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2);
    b.append('"');
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      i += Character.charCount(c);
      if (c == '"' || c == '\\') {
        b.append('\\').appendCodePoint(c);
      } else if (c < 0x80 && c >= 0x20 && c != 0x7F) {
        b.append((char) c);
      } else if (c >= 0x80 && isPrint(c) && !(c >= 0xD800 && c <= 0xDFFF)) {
        b.appendCodePoint(c);
      } else {
        switch (c) {
          case 0x07 -> b.append("\\a");
          case '\b' -> b.append("\\b");
          case '\f' -> b.append("\\f");
          case '\n' -> b.append("\\n");
          case '\r' -> b.append("\\r");
          case '\t' -> b.append("\\t");
          case 0x0B -> b.append("\\v");
          default -> {
            if (c < 0x20 || c == 0x7F) {
              b.append(String.format("\\x%02x", c));
            } else if (c < 0x10000) {
              b.append(String.format("\\u%04x", c));
            } else {
              b.append(String.format("\\U%08x", c));
            }
          }
        }
      }
    }
    return b.append('"').toString();
  }

  /** Go's {@code fmt.Sprintf("%q", []string{...})}. */
  static String quoteList(List<String> items) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        b.append(' ');
      }
      b.append(quote(items.get(i)));
    }
    return b.append(']').toString();
  }
}
