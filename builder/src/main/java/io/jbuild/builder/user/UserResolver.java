package io.jbuild.builder.user;

import io.jbuild.builder.sys.RootPath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves a Dockerfile USER value against the image's own /etc/passwd and /etc/group, with the
 * rules of runc's {@code user.GetExecUser}, which BuildKit and Docker use:
 *
 * <ul>
 *   <li>"" is root (uid 0, gid 0);
 *   <li>a name must be in /etc/passwd; a number need not be (then gid 0 and home "/");
 *   <li>a user found in /etc/passwd gets its primary gid and, unless a group is given
 *       explicitly, the supplementary groups that list it as a member in /etc/group;
 *   <li>an explicit group is a name from /etc/group or a number.
 * </ul>
 *
 * Both files are read through {@link RootPath}, so a symlinked /etc/passwd cannot make jbuild read
 * a file of the host.
 */
public final class UserResolver {
  private UserResolver() {}

  public static ResolvedUser resolve(Path rootfs, String user) throws IOException {
    String spec = user == null ? "" : user.trim();
    String userPart = spec;
    String groupPart = null;
    int colon = spec.indexOf(':');
    if (colon >= 0) {
      userPart = spec.substring(0, colon);
      groupPart = spec.substring(colon + 1);
    }
    if (userPart.isEmpty()) {
      userPart = "0"; // "" and ":group" run as root, like Docker
    }
    Integer numericUid = parseId(userPart);
    List<String[]> passwd = read(rootfs, "/etc/passwd");
    String[] entry = null;
    for (String[] p : passwd) {
      if (p.length >= 4 && (numericUid == null ? p[0].equals(userPart) : p[2].equals(userPart))) {
        entry = p;
        break;
      }
    }
    int uid;
    int gid;
    String name = null;
    String home = "/";
    if (entry != null) {
      name = entry[0];
      uid = parseIdOrFail(entry[2], "uid of " + entry[0], "/etc/passwd");
      gid = parseIdOrFail(entry[3], "gid of " + entry[0], "/etc/passwd");
      if (entry.length >= 6 && !entry[5].isEmpty()) {
        home = entry[5];
      }
    } else if (numericUid != null) {
      uid = numericUid;
      gid = 0;
      if (uid == 0) {
        home = "/root";
      }
    } else {
      throw new IOException("unable to find user " + userPart
          + ": no matching entries in passwd file " + rootfs.resolve("etc/passwd"));
    }
    List<Integer> additional = new ArrayList<>();
    List<String[]> groups = groupPart != null || name != null ? read(rootfs, "/etc/group") : List.of();
    if (groupPart != null && !groupPart.isEmpty()) {
      Integer numericGid = parseId(groupPart);
      Integer found = null;
      for (String[] g : groups) {
        if (g.length >= 3 && (g[0].equals(groupPart) || g[2].equals(groupPart))) {
          found = parseIdOrFail(g[2], "gid of group " + g[0], "/etc/group");
          break;
        }
      }
      if (found == null && numericGid == null) {
        throw new IOException("unable to find group " + groupPart
            + ": no matching entries in group file " + rootfs.resolve("etc/group"));
      }
      gid = found != null ? found : numericGid;
    } else if (name != null) {
      for (String[] g : groups) {
        if (g.length >= 4 && !g[3].isEmpty()) {
          for (String member : g[3].split(",")) {
            if (member.trim().equals(name)) {
              int sgid = parseIdOrFail(g[2], "gid of group " + g[0], "/etc/group");
              if (!additional.contains(sgid)) {
                additional.add(sgid);
              }
            }
          }
        }
      }
    }
    return new ResolvedUser(uid, gid, additional, home);
  }

  /** The colon-separated lines of a file in the rootfs; a missing file has none. */
  private static List<String[]> read(Path rootfs, String file) throws IOException {
    Path p = RootPath.resolve(rootfs, file);
    List<String> lines;
    try {
      lines = new String(Files.readAllBytes(p), StandardCharsets.UTF_8).lines().toList();
    } catch (NoSuchFileException e) {
      return List.of();
    }
    List<String[]> result = new ArrayList<>();
    for (String line : lines) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      result.add(l.split(":", -1));
    }
    return result;
  }

  private static Integer parseId(String s) {
    if (s.isEmpty() || !s.chars().allMatch(Character::isDigit)) {
      return null;
    }
    try {
      return Integer.parseUnsignedInt(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static int parseIdOrFail(String s, String what, String file) throws IOException {
    Integer id = parseId(s.strip());
    if (id == null) {
      throw new IOException("invalid " + what + " in " + file + ": " + s);
    }
    return id;
  }
}
