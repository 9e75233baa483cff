package io.jbuild.builder.copy;

import io.jbuild.builder.sys.DirEntries;
import io.jbuild.builder.sys.LibC;
import io.jbuild.cache.DockerIgnore;
import io.jbuild.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.function.Predicate;

/**
 * The state of a build context as its metadata says it: one digest over every entry that is not
 * ignored (path, mode, owner, size, device, inode, mtime, ctime), from a stat walk that reads no
 * file ({@link LibC#statDir}, one native call per directory). Equal fingerprints mean no file
 * was touched since: ctime moves with every write, chmod, chown, rename and link, also when
 * mtime is put back. Any difference, even an mtime-only one, only sends a build the long way
 * round, where content checksums decide what is cached.
 */
public final class ContextFingerprint {
  private final MessageDigest md = Digest.newSha256();
  private final Predicate<String> ignored;
  private final boolean exceptions;

  private ContextFingerprint(Predicate<String> ignored, boolean exceptions) {
    this.ignored = ignored;
    this.exceptions = exceptions;
  }

  /**
   * The fingerprint of {@code dir} with the .dockerignore {@code patterns} applied. With an
   * exception pattern ({@code !x}) ignored directories are walked too (a re-included file may
   * be below them) and only their ignored entries are left out.
   */
  public static Digest of(Path dir, List<String> patterns) throws IOException {
    ContextFingerprint f = new ContextFingerprint(patterns.isEmpty() ? null : DockerIgnore.matcher(patterns),
        patterns.stream().anyMatch(p -> p.startsWith("!")));
    f.md.update(patterns.toString().getBytes(StandardCharsets.UTF_8));
    f.walk(dir, "");
    return Digest.ofSha256(f.md.digest());
  }

  private void walk(Path dir, String rel) throws IOException {
    DirEntries e = LibC.statDir(dir);
    byte[] relBytes = rel.getBytes(StandardCharsets.UTF_8);
    while (e.next()) {
      String childRel = null;
      boolean skip = false;
      if (ignored != null) {
        childRel = rel.isEmpty() ? e.name() : rel + "/" + e.name();
        skip = ignored.test(childRel);
      }
      if (!skip) {
        // the entry's path and its 64 bytes of lstat, straight from the native buffer
        md.update(relBytes);
        md.update((byte) '/');
        md.update(e.bytes(), e.nameOffset(), e.nameLength());
        md.update((byte) 0);
        md.update(e.bytes(), e.statOffset(), 64);
      }
      if (e.isDirectory() && (!skip || exceptions)) {
        if (childRel == null) {
          childRel = rel.isEmpty() ? e.name() : rel + "/" + e.name();
        }
        walk(dir.resolve(e.name()), childRel);
      }
    }
  }
}
