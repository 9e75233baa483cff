package io.jbuild.frontend.dockerfile;

import io.jbuild.grammar.DockerfileLexer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.Token;

/**
 * Dockerfile text to AST, with the behaviour of BuildKit's frontend/dockerfile/parser (Parse,
 * newNodeFromLine, the line parsers of line_parsers.go and the heredoc extraction). The ANTLR
 * grammar (grammar/Dockerfile.g4) classifies the physical lines; this class joins continuation
 * lines, reads directives and heredoc bodies, and splits each instruction's arguments.
 */
final class LineParser {
  /** The result of parsing: the AST and what the parser noticed on the way. */
  record ParseResult(Node root, List<Warning> warnings, int escapeToken,
      Map<String, Directive> directives, List<String> physicalLines) {}

  /** A parser warning (BuildKit: empty continuation lines); line is 1-based. */
  record Warning(String rule, String message, int line) {}

  /** A parser directive at the top of the file. */
  record Directive(String name, String value, int line) {}

  /** Go's bufio.MaxScanTokenSize - 1: BuildKit's scanner refuses longer lines. */
  static final int MAX_LINE = 65535;

  private static final Pattern DIRECTIVE =
      Pattern.compile("^#[\\t\\n\\f\\r ]*([a-zA-Z][a-zA-Z0-9]*)[\\t\\n\\f\\r ]*=[\\t\\n\\f\\r ]*(.+?)[\\t\\n\\f\\r ]*$");
  private static final Pattern HEREDOC = Pattern.compile("^(\\d*)<<(-?)([^<]*)$");
  private static final Pattern HEREDOC_OPERATOR = Pattern.compile("^(\\d*)<<(-?)$");

  private int escapeToken = '\\';
  private boolean directivesDone;
  private final Map<String, Directive> directives = new LinkedHashMap<>();

  private LineParser() {}

  static ParseResult parse(byte[] bytes) throws ParseError {
    return new LineParser().run(bytes);
  }

  private record PLine(String raw, int type) {}

  private static List<PLine> lex(String text) {
    DockerfileLexer lexer = new DockerfileLexer(CharStreams.fromString(text));
    lexer.removeErrorListeners();
    List<PLine> lines = new ArrayList<>();
    for (Token t = lexer.nextToken(); t.getType() != Token.EOF; t = lexer.nextToken()) {
      lines.add(new PLine(t.getText(), t.getType()));
    }
    return lines;
  }

  private static void checkLineLength(byte[] bytes) throws ParseError {
    int start = 0;
    int line = 1;
    for (int i = 0; i <= bytes.length; i++) {
      if (i == bytes.length || bytes[i] == '\n') {
        if (i - start > MAX_LINE) {
          throw new ParseError("dockerfile line greater than max allowed size of " + MAX_LINE,
              line, 1, null);
        }
        start = i + 1;
        line++;
      }
    }
  }

  private ParseResult run(byte[] bytes) throws ParseError {
    checkLineLength(bytes);
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    List<PLine> lines = lex(text);
    List<String> physical = new ArrayList<>(lines.size());
    for (PLine l : lines) {
      physical.add(trimNewline(l.raw));
    }
    Node root = new Node();
    root.startLine = -1;
    List<Warning> warnings = new ArrayList<>();
    List<String> comments = new ArrayList<>();
    int i = 0;
    int currentLine = 0;
    while (i < lines.size()) {
      PLine pl = lines.get(i++);
      boolean comment = isComment(pl);
      if (comment) {
        String c = GoText.trimSpace(trimNewline(pl.raw).substring(1));
        if (c.isEmpty()) {
          comments = new ArrayList<>();
        } else {
          comments.add(c);
        }
      }
      String token = GoText.trimLeftSpace(trimNewline(pl.raw));
      currentLine++;
      try {
        possibleParserDirective(token, currentLine);
      } catch (ParseError e) {
        throw e.at(currentLine, 1);
      }
      if (token.startsWith("#")) {
        token = "";
      }
      int startLine = currentLine;
      int startColumn = 1 + trimNewline(pl.raw).length() - GoText.trimLeftSpace(trimNewline(pl.raw)).length();
      String[] cont = trimContinuation(token);
      String line = cont[0];
      boolean endOfLine = cont[1] == null;
      if (endOfLine && line.isEmpty()) {
        continue;
      }
      boolean emptyContinuation = false;
      while (!endOfLine && i < lines.size()) {
        PLine c = lines.get(i++);
        currentLine++;
        if (isComment(c)) {
          continue;
        }
        String t = trimNewline(c.raw);
        if (GoText.trimLeftSpace(t).isEmpty()) {
          emptyContinuation = true;
          continue;
        }
        String[] cc = trimContinuation(t);
        line += cc[0];
        endOfLine = cc[1] == null;
      }
      if (emptyContinuation) {
        // BuildKit's NoEmptyContinuation check; the location is the instruction's last line
        warnings.add(new Warning("NoEmptyContinuation",
            "Empty continuation line found in: " + line, currentLine));
      }
      Node child;
      try {
        child = newNodeFromLine(line, comments);
      } catch (ParseError e) {
        throw e.at(startLine, startColumn);
      }
      if (canContainHeredoc(child) && line.contains("<<")) {
        List<Node.Heredoc> docs;
        try {
          docs = heredocsFromLine(line);
        } catch (ParseError e) {
          throw e.at(startLine, startColumn);
        }
        for (Node.Heredoc doc : docs) {
          StringBuilder content = new StringBuilder();
          boolean terminated = false;
          while (i < lines.size()) {
            PLine h = lines.get(i++);
            currentLine++;
            String possible = trimNewline(h.raw);
            if (doc.chomp()) {
              possible = stripLeadingTabs(possible);
            }
            if (possible.equals(doc.name())) {
              terminated = true;
              break;
            }
            content.append(h.raw);
          }
          if (!terminated) {
            throw new ParseError("unterminated heredoc", startLine, startColumn,
                "end the here-document with a line holding only \"" + doc.name() + "\"");
          }
          child.heredocs.add(new Node.Heredoc(doc.name(), doc.fileDescriptor(), doc.expand(),
              doc.chomp(), content.toString()));
        }
      }
      child.startLine = startLine;
      child.startColumn = startColumn;
      child.endLine = currentLine;
      child.endColumn = physical.get(currentLine - 1).length() + 1;
      if (root.startLine < 0) {
        root.startLine = startLine;
        root.startColumn = startColumn;
      }
      root.endLine = currentLine;
      root.endColumn = child.endColumn;
      root.children.add(child);
      comments = new ArrayList<>();
    }
    if (root.startLine < 0) {
      throw new ParseError("file with no instructions", Math.max(currentLine, 0), 1,
          "a Dockerfile needs at least a FROM instruction");
    }
    return new ParseResult(root, warnings, escapeToken, directives, physical);
  }

  private static boolean isComment(PLine l) {
    return l.type == DockerfileLexer.COMMENT_LINE || l.type == DockerfileLexer.DIRECTIVE_LINE;
  }

  private static String trimNewline(String s) {
    int end = s.length();
    while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
      end--;
    }
    return s.substring(0, end);
  }

  private static String stripLeadingTabs(String s) {
    int i = 0;
    while (i < s.length() && s.charAt(i) == '\t') {
      i++;
    }
    return s.substring(i);
  }

  private void possibleParserDirective(String line, int lineNo) throws ParseError {
    if (directivesDone) {
      return;
    }
    Matcher m = DIRECTIVE.matcher(line);
    if (!m.matches()) {
      directivesDone = true;
      return;
    }
    String key = m.group(1).toLowerCase(Locale.ROOT);
    if (!key.equals("escape") && !key.equals("syntax") && !key.equals("check")) {
      directivesDone = true;
      return;
    }
    if (directives.containsKey(key)) {
      throw new ParseError("only one " + key + " parser directive can be used", lineNo, 1, null);
    }
    String value = m.group(2);
    directives.put(key, new Directive(key, value, lineNo));
    if (key.equals("escape")) {
      if (!value.equals("`") && !value.equals("\\")) {
        throw new ParseError("invalid escape token '" + value + "' does not match ` or \\",
            lineNo, 1, "use \"# escape=\\\" or \"# escape=`\"");
      }
      escapeToken = value.charAt(0);
    }
  }

  /**
   * BuildKit's line continuation: the escape token as the last non-blank character, unless it is
   * itself escaped (the regex ([^E])E[ \t]*$|^E[ \t]*$). Returns {line, null} at the end of the
   * logical line and {line-without-token, ""} when it continues.
   */
  private String[] trimContinuation(String line) {
    int end = line.length();
    while (end > 0 && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) {
      end--;
    }
    if (end > 0 && line.charAt(end - 1) == escapeToken) {
      if (end == 1) {
        return new String[] {"", ""};
      }
      if (line.charAt(end - 2) != escapeToken) {
        return new String[] {line.substring(0, end - 1), ""};
      }
    }
    return new String[] {line, null};
  }

  // ---- newNodeFromLine and the line parsers ----

  Node newNodeFromLine(String line, List<String> comments) throws ParseError {
    String trimmed = GoText.trimSpace(line);
    int ws = 0;
    while (ws < trimmed.length() && !GoText.isReWhitespace(trimmed.charAt(ws))) {
      ws++;
    }
    String cmd = trimmed.substring(0, ws);
    String args = "";
    List<String> flags = List.of();
    if (ws < trimmed.length()) {
      int restStart = ws;
      while (restStart < trimmed.length() && GoText.isReWhitespace(trimmed.charAt(restStart))) {
        restStart++;
      }
      String rest = trimmed.substring(restStart);
      List<String> fl = new ArrayList<>();
      args = extractBuilderFlags(rest, fl);
      flags = fl;
    }
    args = GoText.trimSpace(args);
    Node node = new Node();
    node.value = cmd;
    node.original = line;
    node.flags = flags;
    node.prevComment = List.copyOf(comments);
    switch (cmd.toLowerCase(Locale.ROOT)) {
      case "add", "copy", "volume" -> parseMaybeJsonToList(node, args);
      case "arg" -> node.next = Node.chain(parseWords(args));
      case "cmd", "entrypoint", "run", "shell" -> parseMaybeJson(node, args);
      case "env" -> node.next = parseNameVal(args, "ENV");
      case "label" -> node.next = parseNameVal(args, "LABEL");
      case "expose", "from" -> node.next = parseStringsWhitespaceDelimited(args);
      case "healthcheck" -> parseHealthConfig(node, args);
      case "maintainer", "stopsignal", "user", "workdir" -> {
        if (!args.isEmpty()) {
          node.next = Node.chain(List.of(args));
        }
      }
      case "onbuild" -> {
        if (!args.isEmpty()) {
          Node wrapper = new Node();
          wrapper.children.add(newNodeFromLine(args, List.of()));
          node.next = wrapper;
        }
      }
      // BuildKit's parseIgnore: an unknown instruction gets one empty node; the instruction
      // layer reports it
      default -> node.next = new Node();
    }
    return node;
  }

  /**
   * The leading {@code --flag} words (BuildKit's extractBuilderFlags): quotes removed, backslash
   * escapes resolved, a bare {@code --} ends the flags. Returns the rest of the line.
   */
  static String extractBuilderFlags(String line, List<String> words) {
    final int inSpaces = 0;
    final int inWord = 1;
    final int inQuote = 2;
    int phase = inSpaces;
    StringBuilder word = new StringBuilder();
    char quote = 0;
    boolean blankOk = false;
    char ch = 0;
    for (int pos = 0; pos <= line.length(); pos++) {
      if (pos != line.length()) {
        ch = line.charAt(pos);
      }
      if (phase == inSpaces) {
        if (pos == line.length()) {
          break;
        }
        if (GoText.isSpace(ch)) {
          continue;
        }
        if (ch != '-' || pos + 1 == line.length() || line.charAt(pos + 1) != '-') {
          return line.substring(pos);
        }
        phase = inWord;
      }
      if ((phase == inWord || phase == inQuote) && pos == line.length()) {
        if (!word.toString().equals("--") && (blankOk || word.length() > 0)) {
          words.add(word.toString());
        }
        break;
      }
      if (phase == inWord) {
        if (GoText.isSpace(ch)) {
          phase = inSpaces;
          if (word.toString().equals("--")) {
            return line.substring(pos);
          }
          if (blankOk || word.length() > 0) {
            words.add(word.toString());
          }
          word.setLength(0);
          blankOk = false;
          continue;
        }
        if (ch == '\'' || ch == '"') {
          quote = ch;
          blankOk = true;
          phase = inQuote;
          continue;
        }
        if (ch == '\\') {
          if (pos + 1 == line.length()) {
            continue;
          }
          pos++;
          ch = line.charAt(pos);
        }
        word.append(ch);
        continue;
      }
      if (phase == inQuote) {
        if (ch == quote) {
          phase = inWord;
          continue;
        }
        if (ch == '\\') {
          if (pos + 1 == line.length()) {
            phase = inWord;
            continue;
          }
          pos++;
          ch = line.charAt(pos);
        }
        word.append(ch);
      }
    }
    return "";
  }

  /**
   * BuildKit's parseWords (ARG, ENV, LABEL): split on white space outside quotes, keeping quotes
   * and escape tokens in the words.
   */
  List<String> parseWords(String rest) {
    return parseWords(rest, escapeToken);
  }

  static List<String> parseWords(String rest, int escapeToken) {
    List<String> words = new ArrayList<>();
    boolean inWord = false;
    boolean inQuote = false;
    StringBuilder word = new StringBuilder();
    int quote = 0;
    boolean blankOk = false;
    int[] cps = rest.codePoints().toArray();
    for (int pos = 0; pos <= cps.length; pos++) {
      int ch = pos < cps.length ? cps[pos] : -1;
      if (!inWord && !inQuote) {
        if (pos == cps.length) {
          break;
        }
        if (GoText.isSpace(ch)) {
          continue;
        }
        inWord = true;
      }
      if (pos == cps.length) {
        if (blankOk || word.length() > 0) {
          words.add(word.toString());
        }
        break;
      }
      if (inWord && !inQuote) {
        if (GoText.isSpace(ch)) {
          inWord = false;
          if (blankOk || word.length() > 0) {
            words.add(word.toString());
          }
          word.setLength(0);
          blankOk = false;
          continue;
        }
        if (ch == '\'' || ch == '"') {
          quote = ch;
          blankOk = true;
          inQuote = true;
        }
        if (ch == escapeToken) {
          if (pos + 1 == cps.length) {
            continue;
          }
          // unquoted: keep the escape token and the character it escapes, even a quote
          word.appendCodePoint(ch);
          pos++;
          ch = cps[pos];
        }
        word.appendCodePoint(ch);
        continue;
      }
      // in quote
      if (ch == quote) {
        inQuote = false;
      }
      if (ch == escapeToken && quote != '\'') {
        if (pos + 1 == cps.length) {
          inQuote = false;
          continue;
        }
        pos++;
        word.appendCodePoint(ch);
        ch = cps[pos];
      }
      word.appendCodePoint(ch);
    }
    return words;
  }

  private Node parseNameVal(String rest, String key) throws ParseError {
    List<String> words = parseWords(rest);
    if (words.isEmpty()) {
      return null;
    }
    if (!words.get(0).contains("=")) {
      // legacy form "KEY value with spaces": the value is the rest of the line verbatim
      int i = 0;
      while (i < rest.length() && !GoText.isReWhitespace(rest.charAt(i))) {
        i++;
      }
      if (i == rest.length()) {
        throw new ParseError(key + " must have two arguments", 0, 0,
            "write " + key + " " + rest + "=<value>");
      }
      int j = i;
      while (j < rest.length() && GoText.isReWhitespace(rest.charAt(j))) {
        j++;
      }
      return Node.chain(List.of(rest.substring(0, i), rest.substring(j), ""));
    }
    List<String> values = new ArrayList<>();
    for (String word : words) {
      int eq = word.indexOf('=');
      if (eq < 0) {
        throw new ParseError("Syntax error - can't find = in " + GoText.quote(word)
            + ". Must be of the form: name=value");
      }
      values.add(word.substring(0, eq));
      values.add(word.substring(eq + 1));
      values.add("=");
    }
    return Node.chain(values);
  }

  private static Node parseStringsWhitespaceDelimited(String rest) {
    if (rest.isEmpty()) {
      return null;
    }
    List<String> parts = new ArrayList<>();
    int start = 0;
    int i = 0;
    while (i <= rest.length()) {
      if (i == rest.length()) {
        parts.add(rest.substring(start));
        break;
      }
      if (GoText.isReWhitespace(rest.charAt(i))) {
        parts.add(rest.substring(start, i));
        while (i < rest.length() && GoText.isReWhitespace(rest.charAt(i))) {
          i++;
        }
        start = i;
        continue;
      }
      i++;
    }
    return Node.chain(parts);
  }

  private static void parseMaybeJson(Node node, String rest) throws ParseError {
    if (rest.isEmpty()) {
      return;
    }
    List<String> json = jsonArray(rest);
    if (json != null) {
      node.next = Node.chain(json);
      node.json = true;
      return;
    }
    node.next = Node.chain(List.of(rest));
  }

  private static void parseMaybeJsonToList(Node node, String rest) throws ParseError {
    List<String> json = jsonArray(rest);
    if (json != null) {
      node.next = Node.chain(json);
      node.json = true;
      return;
    }
    node.next = parseStringsWhitespaceDelimited(rest);
  }

  private static List<String> jsonArray(String rest) throws ParseError {
    try {
      return GoJson.parseStringArray(rest);
    } catch (GoJson.NotStringArrayException e) {
      throw new ParseError(e.getMessage(), 0, 0,
          "quote every element, or write the command without brackets (shell form)");
    }
  }

  private static void parseHealthConfig(Node node, String rest) throws ParseError {
    int sep = 0;
    while (sep < rest.length() && !GoText.isSpace(rest.charAt(sep))) {
      sep++;
    }
    int next = sep;
    while (next < rest.length() && GoText.isSpace(rest.charAt(next))) {
      next++;
    }
    if (sep == 0) {
      return;
    }
    Node typ = new Node();
    typ.value = rest.substring(0, sep);
    Node cmd = new Node();
    parseMaybeJson(cmd, rest.substring(next));
    typ.next = cmd.next;
    node.json = cmd.json;
    node.next = typ;
  }

  // ---- heredocs ----

  private static boolean canContainHeredoc(Node node) {
    Node n = node;
    if (n.command().equals("onbuild") && n.onbuildChild() != null) {
      n = n.onbuildChild();
    }
    String c = n.command();
    if (!c.equals("run") && !c.equals("copy") && !c.equals("add")) {
      return false;
    }
    return !n.json;
  }

  /** The heredocs a line opens, in order (BuildKit's heredocsFromLine). */
  static List<Node.Heredoc> heredocsFromLine(String line) throws ParseError {
    ShellLex lex = new ShellLex('\\');
    lex.rawQuotes = true;
    lex.rawEscapes = true;
    lex.skipUnsetEnv = true;
    List<String> words;
    try {
      words = lex.processWords(line, Map.of());
    } catch (ShellLex.ShellException e) {
      // BuildKit ignores this error: the words up to the error are not returned either
      return List.of();
    }
    List<Node.Heredoc> docs = new ArrayList<>();
    for (int i = 0; i < words.size(); i++) {
      String word = words.get(i);
      Matcher op = HEREDOC_OPERATOR.matcher(word);
      Node.Heredoc doc;
      if (op.matches() && i + 1 < words.size()) {
        // "<< EOF": BuildKit accepts blanks between the operator and the delimiter word
        doc = heredocFromParts(op.group(1), op.group(2), words.get(++i));
      } else {
        doc = parseHeredoc(word);
      }
      if (doc != null) {
        docs.add(doc);
      }
    }
    return docs;
  }

  /** A single word as a heredoc start ({@code <<EOF}, {@code 3<<-'EOF'}), or null. */
  static Node.Heredoc parseHeredoc(String word) throws ParseError {
    Matcher m = HEREDOC.matcher(word);
    if (!m.matches()) {
      return null;
    }
    return heredocFromParts(m.group(1), m.group(2), m.group(3));
  }

  private static Node.Heredoc heredocFromParts(String fd, String chomp, String rest)
      throws ParseError {
    if (rest.isEmpty()) {
      return null;
    }
    ShellLex lex = new ShellLex('\\');
    lex.skipUnsetEnv = true;
    List<String> words;
    List<String> raw;
    try {
      words = lex.processWords(rest, Map.of());
      if (words.size() != 1) {
        return null;
      }
      lex.rawQuotes = true;
      raw = lex.processWords(rest, Map.of());
    } catch (ShellLex.ShellException e) {
      throw new ParseError(e.getMessage());
    }
    if (raw.size() != words.size()) {
      throw new ParseError("internal lexing of heredoc produced inconsistent results: " + rest);
    }
    // a quoted delimiter (any part of it) disables expansion of the body, as in sh(1)
    boolean expand = quoteCount(words.get(0)) == quoteCount(raw.get(0));
    int fileDescriptor = 0;
    if (!fd.isEmpty()) {
      try {
        fileDescriptor = Integer.parseInt(fd);
      } catch (NumberFormatException e) {
        fileDescriptor = 0;
      }
    }
    return new Node.Heredoc(words.get(0), fileDescriptor, expand, chomp.equals("-"), "");
  }

  private static int quoteCount(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '\'' || s.charAt(i) == '"') {
        n++;
      }
    }
    return n;
  }

  /** Removes leading TABs from every line ({@code <<-}). */
  static String chompHeredocContent(String content) {
    return content.replaceAll("(?m)^\\t+", "");
  }
}
