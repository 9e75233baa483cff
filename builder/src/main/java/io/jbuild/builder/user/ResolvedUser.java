package io.jbuild.builder.user;

import java.util.List;

/** The ids a RUN step runs with, and the home directory (for HOME when the image sets none). */
public record ResolvedUser(int uid, int gid, List<Integer> additionalGids, String home) {
  public ResolvedUser {
    additionalGids = List.copyOf(additionalGids);
  }
}
