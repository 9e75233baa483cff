package io.jbuild.frontend.dockerfile;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The Dockerfile "shell lexer": expands {@code $v}, {@code ${v}} and the {@code ${v...}}
 * modifiers, removes quotes and escapes, and splits words, with the semantics of BuildKit's
 * frontend/dockerfile/shell/lex.go (the vectors in conformance/buildkit-shell pin it). It is not
 * a shell: no command substitution, globbing or arithmetic.
 *
 * <p>Not thread-safe: one instance per conversion.
 */
final class ShellLex {
  /** An expansion error; the message is BuildKit's ("failed to process ..."). */
  static final class ShellException extends Exception {
    private static final long serialVersionUID = 1L;

    ShellException(String message) {
      super(message);
    }
  }

  /** The outcome of one expansion. */
  record Result(String word, List<String> words, Set<String> matched, Set<String> unmatched) {}

  private static final int EOF = -1;

  final int escapeToken;
  boolean rawQuotes;
  boolean rawEscapes;
  boolean skipProcessQuotes;
  boolean skipUnsetEnv;

  // per call state
  private int[] cps;
  private int pos;
  private Map<String, String> env;
  private boolean curRawEscapes;
  private Set<String> matched;
  private Set<String> unmatched;

  ShellLex(int escapeToken) {
    this.escapeToken = escapeToken;
  }

  String processWord(String word, Map<String, String> env) throws ShellException {
    return process(word, env).word();
  }

  List<String> processWords(String word, Map<String, String> env) throws ShellException {
    return process(word, env).words();
  }

  Result process(String word, Map<String, String> env) throws ShellException {
    this.cps = word.codePoints().toArray();
    this.pos = 0;
    this.env = env;
    this.curRawEscapes = rawEscapes;
    this.matched = new LinkedHashSet<>();
    this.unmatched = new LinkedHashSet<>();
    try {
      Stop r = processStopOn(EOF, rawEscapes);
      return new Result(r.word, r.words, matched, unmatched);
    } catch (ShellException e) {
      throw new ShellException("failed to process " + GoText.quote(word) + ": " + e.getMessage());
    }
  }

  /** Parses {@code KEY=VALUE} strings like BuildKit's BuildEnvs: the last one wins. */
  static Map<String, String> buildEnvs(List<String> envs) {
    Map<String, String> m = new java.util.HashMap<>();
    for (String e : envs) {
      int i = e.indexOf('=');
      if (i < 0) {
        m.put(e, "");
      } else {
        m.put(e.substring(0, i), e.substring(i + 1));
      }
    }
    return m;
  }

  private int peek() {
    return pos < cps.length ? cps[pos] : EOF;
  }

  private int next() {
    return pos < cps.length ? cps[pos++] : EOF;
  }

  private record Stop(String word, List<String> words) {}

  /** The word splitter of lex.go: unquoted white space (also from $expansions) splits. */
  private static final class Words {
    final StringBuilder word = new StringBuilder();
    final List<String> words = new ArrayList<>();
    boolean inWord;

    void addChar(int ch) {
      if (GoText.isSpace(ch) && inWord) {
        if (word.length() != 0) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else if (!GoText.isSpace(ch)) {
        addRawChar(ch);
      }
    }

    void addRawChar(int ch) {
      word.appendCodePoint(ch);
      inWord = true;
    }

    void addString(String s) {
      s.codePoints().forEach(this::addChar);
    }

    void addRawString(String s) {
      word.append(s);
      inWord = true;
    }

    List<String> getWords() {
      if (word.length() > 0) {
        words.add(word.toString());
        word.setLength(0);
        inWord = false;
      }
      return words;
    }
  }

  private Stop processStopOn(int stopChar, boolean raw) throws ShellException {
    StringBuilder result = new StringBuilder();
    Words words = new Words();
    boolean saved = curRawEscapes;
    curRawEscapes = raw;
    try {
      while (peek() != EOF) {
        int ch = peek();
        if (stopChar != EOF && ch == stopChar) {
          next();
          return new Stop(result.toString(), words.getWords());
        }
        if (ch == '$') {
          String tmp = processDollar();
          result.append(tmp);
          words.addString(tmp);
        } else if (!skipProcessQuotes && (ch == '\'' || ch == '"')) {
          String tmp = ch == '\'' ? processSingleQuote() : processDoubleQuote();
          result.append(tmp);
          words.addRawString(tmp);
        } else {
          ch = next();
          if (ch == escapeToken) {
            if (curRawEscapes) {
              words.addRawChar(ch);
              result.appendCodePoint(ch);
            }
            ch = next();
            if (ch == EOF) {
              break;
            }
            words.addRawChar(ch);
          } else {
            words.addChar(ch);
          }
          result.appendCodePoint(ch);
        }
      }
      if (stopChar != EOF) {
        throw new ShellException("unexpected end of statement while looking for matching "
            + new String(Character.toChars(stopChar)));
      }
      return new Stop(result.toString(), words.getWords());
    } finally {
      curRawEscapes = saved;
    }
  }

  private String processSingleQuote() throws ShellException {
    // everything up to the next ' is literal; ' cannot be escaped (sh(1), "Single Quotes")
    StringBuilder result = new StringBuilder();
    int ch = next();
    if (rawQuotes) {
      result.appendCodePoint(ch);
    }
    while (true) {
      ch = next();
      if (ch == EOF) {
        throw new ShellException(
            "unexpected end of statement while looking for matching single-quote");
      }
      if (ch == '\'') {
        if (rawQuotes) {
          result.appendCodePoint(ch);
        }
        return result.toString();
      }
      result.appendCodePoint(ch);
    }
  }

  private String processDoubleQuote() throws ShellException {
    // literal except $ and the escape token, which escapes only " $ and itself
    StringBuilder result = new StringBuilder();
    int ch = next();
    if (rawQuotes) {
      result.appendCodePoint(ch);
    }
    while (true) {
      int p = peek();
      if (p == EOF) {
        throw new ShellException(
            "unexpected end of statement while looking for matching double-quote");
      } else if (p == '"') {
        ch = next();
        if (rawQuotes) {
          result.appendCodePoint(ch);
        }
        return result.toString();
      } else if (p == '$') {
        result.append(processDollar());
      } else {
        ch = next();
        if (ch == escapeToken) {
          if (curRawEscapes) {
            result.appendCodePoint(ch);
          }
          int n = peek();
          if (n == EOF) {
            continue;
          }
          if (n == '"' || n == '$' || n == escapeToken) {
            ch = next();
          }
        }
        result.appendCodePoint(ch);
      }
    }
  }

  private String processDollar() throws ShellException {
    next();
    if (peek() != '{') {
      String name = processName();
      if (name.isEmpty()) {
        return "$";
      }
      String value = getEnv(name);
      if (value == null) {
        return skipUnsetEnv ? "$" + name : "";
      }
      return value;
    }
    next();
    int p = peek();
    if (p == EOF) {
      throw new ShellException("syntax error: missing '}'");
    }
    if (p == '{' || p == '}' || p == ':') {
      throw new ShellException("syntax error: bad substitution");
    }
    String name = processName();
    int ch = next();
    StringBuilder chs = new StringBuilder(runeString(ch));
    boolean nullIsUnset = false;
    switch (ch) {
      case '}': {
        String value = getEnv(name);
        if (value == null) {
          return skipUnsetEnv ? "${" + name + "}" : "";
        }
        return value;
      }
      case ':':
        nullIsUnset = true;
        ch = next();
        chs.append(runeString(ch));
        // fall through
      case '+':
      case '-':
      case '?':
      case '#':
      case '%': {
        boolean trim = ch == '#' || ch == '%';
        if (nullIsUnset && trim) {
          // ${v:#p} / ${v:%p} are not shell syntax; BuildKit rejects them
          throw new ShellException("unsupported modifier (" + chs + ") in substitution");
        }
        Stop stop;
        try {
          stop = processStopOn('}', trim);
        } catch (ShellException e) {
          if (peek() == EOF) {
            throw new ShellException("syntax error: missing '}'");
          }
          throw e;
        }
        String word = stop.word;
        String value = getEnv(name);
        boolean set = value != null;
        if (skipUnsetEnv && !set) {
          return "${" + name + chs + word + "}";
        }
        switch (ch) {
          case '-':
            return !set || (nullIsUnset && value.isEmpty()) ? word : value;
          case '+':
            return !set || (nullIsUnset && value.isEmpty()) ? "" : word;
          case '?':
            if (!set) {
              throw new ShellException(name + ": "
                  + (word.isEmpty() ? "is not allowed to be unset" : word));
            }
            if (nullIsUnset && value.isEmpty()) {
              throw new ShellException(name + ": "
                  + (word.isEmpty() ? "is not allowed to be empty" : word));
            }
            return value;
          case '%':
          case '#': {
            // %/# remove the shortest match, %%/## the longest
            boolean greedy = false;
            if (!word.isEmpty() && word.codePointAt(0) == ch) {
              greedy = true;
              word = word.substring(1);
            }
            // an unset variable trims like an empty one
            String v = value == null ? "" : value;
            return ch == '%' ? trimSuffix(word, v, greedy) : trimPrefix(word, v, greedy);
          }
          default:
            throw new ShellException("unsupported modifier (" + chs + ") in substitution");
        }
      }
      case '/': {
        boolean replaceAll = peek() == '/';
        if (replaceAll) {
          next();
        }
        Stop pattern;
        try {
          pattern = processStopOn('/', true);
        } catch (ShellException e) {
          if (peek() == EOF) {
            throw new ShellException("syntax error: missing '/' in ${}");
          }
          throw e;
        }
        Stop replacement;
        try {
          replacement = processStopOn('}', true);
        } catch (ShellException e) {
          if (peek() == EOF) {
            throw new ShellException("syntax error: missing '}'");
          }
          throw e;
        }
        String value = getEnv(name);
        if (skipUnsetEnv && value == null) {
          return "${" + name + "/" + pattern.word + "/" + replacement.word + "}";
        }
        if (value == null) {
          value = "";
        }
        Pattern re = shellPatternToRegex(pattern.word, true, false);
        Matcher m = re.matcher(value);
        if (replaceAll) {
          return replaceAllGo(m, value, replacement.word);
        }
        if (m.find()) {
          return value.substring(0, m.start()) + replacement.word + value.substring(m.end());
        }
        return value;
      }
      default:
        throw new ShellException("unsupported modifier (" + chs + ") in substitution");
    }
  }

  private static String runeString(int ch) {
    return ch == EOF ? "\uFFFD" : new String(Character.toChars(ch));
  }

  /** Go's Regexp.ReplaceAllString: "$name" in the template is a group reference. */
  private static String replaceAllGo(Matcher m, String value, String template) {
    StringBuilder out = new StringBuilder();
    int last = 0;
    while (m.find()) {
      out.append(value, last, m.start());
      String whole = m.group();
      for (int i = 0; i < template.length(); i++) {
        char c = template.charAt(i);
        if (c != '$' || i + 1 >= template.length()) {
          out.append(c);
          continue;
        }
        char n = template.charAt(i + 1);
        if (n == '$') {
          out.append('$');
          i++;
        } else if (n == '{') {
          int close = template.indexOf('}', i + 2);
          if (close < 0) {
            out.append(c);
            continue;
          }
          if (template.substring(i + 2, close).equals("0")) {
            out.append(whole);
          }
          i = close;
        } else if (Character.isLetterOrDigit(n) || n == '_') {
          int j = i + 1;
          while (j < template.length()
              && (Character.isLetterOrDigit(template.charAt(j)) || template.charAt(j) == '_')) {
            j++;
          }
          if (template.substring(i + 1, j).equals("0")) {
            out.append(whole);
          }
          i = j - 1;
        } else {
          out.append(c);
        }
      }
      last = m.end();
      if (m.end() == m.start()) {
        if (m.end() >= value.length()) {
          break;
        }
      }
    }
    out.append(value.substring(last));
    return out.toString();
  }

  private String processName() {
    // a name is letters, digits and '_'; a leading digit reads a positional parameter, and one
    // special character ($@ $* $# ...) is a special parameter, both always unset here
    StringBuilder name = new StringBuilder();
    while (peek() != EOF) {
      int ch = peek();
      if (name.length() == 0 && Character.isDigit(ch)) {
        while (peek() != EOF && Character.isDigit(peek())) {
          name.appendCodePoint(next());
        }
        return name.toString();
      }
      if (name.length() == 0 && isSpecialParam(ch)) {
        return runeString(next());
      }
      if (!Character.isLetter(ch) && !Character.isDigit(ch) && ch != '_') {
        break;
      }
      name.appendCodePoint(next());
    }
    return name.toString();
  }

  private static boolean isSpecialParam(int c) {
    return c == '@' || c == '*' || c == '#' || c == '?' || c == '-' || c == '$' || c == '!'
        || c == '0';
  }

  private String getEnv(String name) {
    String v = env.get(name);
    if (v != null) {
      matched.add(name);
      return v;
    }
    unmatched.add(name);
    return null;
  }

  /** A shell pattern (* ? and \-escapes, no brackets) as a regex, like convertShellPatternToRegex. */
  static Pattern shellPatternToRegex(String pattern, boolean greedy, boolean anchored)
      throws ShellException {
    StringBuilder out = new StringBuilder(pattern.length() + 4);
    if (anchored) {
      out.append('^');
    }
    String star = greedy ? ".*" : ".*?";
    int[] p = pattern.codePoints().toArray();
    for (int i = 0; i < p.length; i++) {
      int tok = p[i];
      switch (tok) {
        case '*':
          out.append(star);
          continue;
        case '?':
          out.append('.');
          continue;
        case '\\': {
          int nx = i + 1 < p.length ? p[i + 1] : EOF;
          // \} and \/ inside ${} are escapes of the ${} syntax, not of the pattern
          if (nx == '}' || nx == '/') {
            continue;
          }
          out.append('\\');
          i++;
          tok = nx;
          if (tok != '*' && tok != '?' && tok != '\\') {
            throw new ShellException("invalid pattern (" + pattern + ") in substitution: "
                + "invalid escape '\\" + runeString(tok) + "'");
          }
          break;
        }
        case '[', ']', '{', '}', '.', '+', '(', ')', '|', '^', '$':
          out.append('\\');
          break;
        default:
          break;
      }
      out.appendCodePoint(tok);
    }
    try {
      return Pattern.compile(out.toString(), Pattern.UNIX_LINES);
    } catch (PatternSyntaxException e) {
      throw new ShellException("invalid pattern (" + pattern + ") in substitution: "
          + e.getDescription());
    }
  }

  private static String trimPrefix(String pattern, String value, boolean greedy)
      throws ShellException {
    Matcher m = shellPatternToRegex(pattern, greedy, true).matcher(value);
    return m.find() ? value.substring(m.end()) : value;
  }

  private static String trimSuffix(String pattern, String value, boolean greedy)
      throws ShellException {
    // a regex cannot find the shortest rightmost match: reverse both and trim a prefix
    return reverse(trimPrefix(reversePattern(pattern), reverse(value), greedy));
  }

  private static String reverse(String s) {
    int[] c = s.codePoints().toArray();
    StringBuilder b = new StringBuilder(s.length());
    for (int i = c.length - 1; i >= 0; i--) {
      b.appendCodePoint(c[i]);
    }
    return b.toString();
  }

  /** Reverses a pattern but keeps each escape before the character it escapes (a\*c -> c\*a). */
  private static String reversePattern(String pattern) {
    int[] in = pattern.codePoints().toArray();
    int[] out = new int[in.length];
    int last = in.length - 1;
    for (int i = 0; i <= last; ) {
      int o = last - i;
      if (in[i] == '\\' && i != last) {
        out[o - 1] = in[i];
        out[o] = in[i + 1];
        i += 2;
      } else {
        out[o] = in[i];
        i++;
      }
    }
    return new String(out, 0, out.length);
  }
}
