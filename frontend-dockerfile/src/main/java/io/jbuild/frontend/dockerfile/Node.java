package io.jbuild.frontend.dockerfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A node of the Dockerfile AST, shaped like BuildKit's parser.Node so that {@link #dump()} is
 * BuildKit's debug format: the root's children are the instructions; an instruction's
 * {@code next} chain holds its arguments; ONBUILD's single argument node has the nested
 * instruction as its only child.
 */
final class Node {
  String value = "";
  Node next;
  final List<Node> children = new ArrayList<>();
  final List<Heredoc> heredocs = new ArrayList<>();
  /** The exec (JSON array) form. */
  boolean json;
  /** The logical line, continuation lines joined. */
  String original = "";
  List<String> flags = List.of();
  int startLine;
  int startColumn = 1;
  int endLine;
  int endColumn = 1;
  List<String> prevComment = List.of();

  /** The instruction keyword as written, e.g. "Run". */
  String keyword() {
    return value;
  }

  /** The keyword in lower case, the form used to dispatch. */
  String command() {
    return value.toLowerCase(Locale.ROOT);
  }

  /** The argument values, in order (for ONBUILD, empty: see {@link #onbuildChild()}). */
  List<String> args() {
    List<String> out = new ArrayList<>();
    for (Node n = next; n != null; n = n.next) {
      if (n.children.isEmpty()) {
        out.add(n.value);
      }
    }
    return out;
  }

  Node onbuildChild() {
    return next != null && !next.children.isEmpty() ? next.children.get(0) : null;
  }

  /** BuildKit's Node.Dump(). */
  String dump() {
    StringBuilder b = new StringBuilder(value.toLowerCase(Locale.ROOT));
    if (!flags.isEmpty()) {
      b.append(' ').append(GoText.quoteList(flags));
    }
    for (Node c : children) {
      b.append('(').append(c.dump()).append(")\n");
    }
    for (Node n = next; n != null; n = n.next) {
      if (!n.children.isEmpty()) {
        b.append(' ').append(n.dump());
      } else {
        b.append(' ').append(GoText.quote(n.value));
      }
    }
    return GoText.trimSpace(b.toString());
  }

  static Node chain(List<String> values) {
    Node head = null;
    Node prev = null;
    for (String v : values) {
      Node n = new Node();
      n.value = v;
      if (head == null) {
        head = n;
      } else {
        prev.next = n;
      }
      prev = n;
    }
    return head;
  }

  SourceRange range() {
    return new SourceRange(startLine, startColumn, endLine, endColumn);
  }

  /** Start and end of an instruction; lines and columns from 1, the end column exclusive. */
  record SourceRange(int startLine, int startColumn, int endLine, int endColumn) {}

  /** A here-document attached to RUN/COPY/ADD: the raw body, not yet chomped or expanded. */
  record Heredoc(String name, int fileDescriptor, boolean expand, boolean chomp, String content) {}
}
