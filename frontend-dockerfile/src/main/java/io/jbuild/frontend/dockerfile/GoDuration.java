package io.jbuild.frontend.dockerfile;

import java.math.BigDecimal;

/** Go's time.ParseDuration ("1h30m", "1.5s", "300ms", "2us"), in nanoseconds. */
final class GoDuration {
  private GoDuration() {}

  static long parse(String s) throws ParseError {
    String orig = s;
    if (s.equals("0")) {
      return 0;
    }
    boolean neg = false;
    if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
      neg = s.charAt(0) == '-';
      s = s.substring(1);
    }
    if (s.isEmpty()) {
      throw invalid(orig);
    }
    BigDecimal total = BigDecimal.ZERO;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      String num = s.substring(start, i);
      if (num.isEmpty() || num.equals(".") || num.chars().filter(c -> c == '.').count() > 1) {
        throw invalid(orig);
      }
      int ustart = i;
      while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
        i++;
      }
      String unit = s.substring(ustart, i);
      long mult = switch (unit) {
        case "ns" -> 1L;
        case "us", "µs", "μs" -> 1_000L;
        case "ms" -> 1_000_000L;
        case "s" -> 1_000_000_000L;
        case "m" -> 60_000_000_000L;
        case "h" -> 3_600_000_000_000L;
        case "" -> throw new ParseError("time: missing unit in duration " + GoText.quote(orig));
        default -> throw new ParseError("time: unknown unit " + GoText.quote(unit)
            + " in duration " + GoText.quote(orig));
      };
      total = total.add(new BigDecimal(num).multiply(BigDecimal.valueOf(mult)));
    }
    if (total.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new ParseError("time: invalid duration " + GoText.quote(orig));
    }
    long v = total.longValue();
    return neg ? -v : v;
  }

  private static ParseError invalid(String s) {
    return new ParseError("time: invalid duration " + GoText.quote(s));
  }
}
