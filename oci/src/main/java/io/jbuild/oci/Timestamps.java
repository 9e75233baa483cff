package io.jbuild.oci;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * RFC 3339 timestamps of image configs and cache records, written exactly as {@link
 * Instant#toString()} writes them and read as {@link OffsetDateTime#parse} reads them, without
 * java.time.format on the usual path: its first use (DateTimeFormatter's static formatters) costs
 * a fresh JVM ~10 ms, and every build writes and compares timestamps. What the short paths here
 * do not cover (years before 1970 or after 9999, offsets with seconds, anything malformed) goes to
 * java.time, so the answers are always java.time's.
 */
public final class Timestamps {
  private Timestamps() {}

  /** Now, as {@link Instant#toString()} of {@link Instant#now()}. */
  public static String now() {
    return format(Instant.now());
  }

  /** {@link Instant#toString()}: 2026-11-23T04:17:38.123Z (the fraction in 3, 6 or 9 digits, or none). */
  public static String format(Instant t) {
    long secs = t.getEpochSecond();
    if (secs < 0 || secs >= 253402300800L) { // 10000-01-01T00:00:00Z
      return t.toString();
    }
    long days = secs / 86400;
    int daySecs = (int) (secs % 86400);
    // civil date from days since 1970-01-01 (H. Hinnant's days_from_civil, inverted)
    long z = days + 719468;
    long era = z / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    int day = (int) (doy - (153 * mp + 2) / 5 + 1);
    int month = (int) (mp < 10 ? mp + 3 : mp - 9);
    long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    StringBuilder b = new StringBuilder(30);
    b.append(year).append('-');
    two(b, month).append('-');
    two(b, day).append('T');
    two(b, daySecs / 3600).append(':');
    two(b, daySecs / 60 % 60).append(':');
    two(b, daySecs % 60);
    int nanos = t.getNano();
    if (nanos != 0) {
      int digits = nanos % 1_000_000 == 0 ? 3 : nanos % 1000 == 0 ? 6 : 9;
      String f = Integer.toString(nanos + 1_000_000_000).substring(1, 1 + digits);
      b.append('.').append(f);
    }
    return b.append('Z').toString();
  }

  private static StringBuilder two(StringBuilder b, int v) {
    return b.append((char) ('0' + v / 10)).append((char) ('0' + v % 10));
  }

  /**
   * The instant of an RFC 3339 date-time with an offset (what {@link OffsetDateTime#parse}
   * accepts); throws {@link DateTimeParseException} as it does for what it refuses.
   */
  public static Instant parse(String s) {
    Instant quick = quickParse(s);
    return quick != null ? quick : OffsetDateTime.parse(s).toInstant();
  }

  /** YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM) with valid fields, or null for java.time to decide. */
  private static Instant quickParse(String s) {
    int n = s.length();
    if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
        || s.charAt(16) != ':') {
      return null;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    int second = digits(s, 17, 2);
    if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59
        || second > 59) {
      return null;
    }
    int i = 19;
    int nanos = 0;
    if (i < n && s.charAt(i) == '.') {
      int start = ++i;
      while (i < n && i - start < 9 && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        nanos = nanos * 10 + (s.charAt(i) - '0');
        i++;
      }
      if (i == start) {
        return null;
      }
      for (int k = i - start; k < 9; k++) {
        nanos *= 10;
      }
    }
    int offset;
    if (i == n - 1 && s.charAt(i) == 'Z') {
      offset = 0;
    } else if (i == n - 6 && (s.charAt(i) == '+' || s.charAt(i) == '-') && s.charAt(i + 3) == ':') {
      int oh = digits(s, i + 1, 2);
      int om = digits(s, i + 4, 2);
      if (oh < 0 || oh > 18 || om < 0 || om > 59 || (oh == 18 && om != 0)) {
        return null;
      }
      offset = (oh * 3600 + om * 60) * (s.charAt(i) == '-' ? -1 : 1);
    } else {
      return null;
    }
    long days = daysFromCivil(year, month, day);
    return Instant.ofEpochSecond(days * 86400 + hour * 3600L + minute * 60L + second - offset, nanos);
  }

  /** The decimal number of {@code len} ASCII digits at {@code off}, or -1. */
  private static int digits(String s, int off, int len) {
    int v = 0;
    for (int i = off; i < off + len; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static int daysIn(int year, int month) {
    if (month == 2) {
      boolean leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
      return leap ? 29 : 28;
    }
    return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
  }

  private static long daysFromCivil(int year, int month, int day) {
    long y = month <= 2 ? year - 1 : year;
    long era = y / 400;
    long yoe = y - era * 400;
    long doy = (153L * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
  }
}
