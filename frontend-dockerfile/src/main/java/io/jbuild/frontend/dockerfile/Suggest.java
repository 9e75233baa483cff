package io.jbuild.frontend.dockerfile;

import java.util.Collection;
import java.util.Locale;

/** "Did you mean ...?" for unknown instructions and flags, like BuildKit's suggest package. */
final class Suggest {
  private Suggest() {}

  /** The closest candidate within a small edit distance, or null. */
  static String closest(String word, Collection<String> candidates, boolean caseSensitive) {
    String w = caseSensitive ? word : word.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      String cc = caseSensitive ? c : c.toLowerCase(Locale.ROOT);
      int d = distance(w, cc);
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    // BuildKit suggests when the distance is small compared with the word (at most 2, or 1 for
    // short words)
    int limit = Math.min(2, Math.max(1, w.length() / 3));
    return bestDistance <= limit && bestDistance > 0 ? best : null;
  }

  static String didYouMean(String word, Collection<String> candidates, boolean caseSensitive) {
    String s = closest(word, candidates, caseSensitive);
    return s == null ? null : "did you mean " + s + "?";
  }

  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    int[] prevPrev = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
        // an adjacent transposition ("bulid") counts as one edit
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          cur[j] = Math.min(cur[j], prevPrev[j - 2] + 1);
        }
      }
      int[] t = prevPrev;
      prevPrev = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
