package io.jbuild.builder.copy;

/**
 * {@code --chmod} of COPY/ADD: octal ({@code 0755}, {@code 644}) or symbolic like chmod(1)
 * ({@code u+x,g-w,o=r}, {@code a+rwX}); BuildKit accepts both (dockerfile 1.14+).
 */
public final class ChmodSpec {
  private final String text;
  private final int octal;

  private ChmodSpec(String text, int octal) {
    this.text = text;
    this.octal = octal;
  }

  /** Parses the flag's value; an invalid one is an IllegalArgumentException quoting it. */
  public static ChmodSpec parse(String text) {
    if (text.matches("[0-7]{1,4}")) {
      return new ChmodSpec(text, Integer.parseInt(text, 8));
    }
    ChmodSpec s = new ChmodSpec(text, -1);
    s.apply(0644, false); // validates
    return s;
  }

  /** The permission bits (07777) for an entry whose current mode is {@code mode}. */
  public int apply(int mode, boolean directory) {
    if (octal >= 0) {
      return octal;
    }
    int result = mode & 07777;
    for (String clause : text.split(",", -1)) {
      int i = 0;
      int who = 0;
      while (i < clause.length() && "ugoa".indexOf(clause.charAt(i)) >= 0) {
        who |= switch (clause.charAt(i)) {
          case 'u' -> 04700;
          case 'g' -> 02070;
          case 'o' -> 01007;
          default -> 07777;
        };
        i++;
      }
      if (who == 0) {
        who = 07777;
      }
      if (i >= clause.length()) {
        throw invalid();
      }
      while (i < clause.length()) {
        char op = clause.charAt(i++);
        if ("+-=".indexOf(op) < 0) {
          throw invalid();
        }
        int bits = 0;
        while (i < clause.length() && "rwxXst".indexOf(clause.charAt(i)) >= 0) {
          bits |= switch (clause.charAt(i)) {
            case 'r' -> 0444;
            case 'w' -> 0222;
            case 'x' -> 0111;
            case 'X' -> directory || (mode & 0111) != 0 ? 0111 : 0;
            case 's' -> 06000;
            default -> 01000;
          };
          i++;
        }
        bits &= who;
        switch (op) {
          case '+' -> result |= bits;
          case '-' -> result &= ~bits;
          default -> result = (result & ~(who & 0777)) | bits;
        }
      }
    }
    return result;
  }

  private IllegalArgumentException invalid() {
    return new IllegalArgumentException("invalid chmod parameter \"" + text
        + "\": expected an octal mode like 0755 or a symbolic mode like u+x,g-w");
  }

  @Override
  public String toString() {
    return text;
  }
}
