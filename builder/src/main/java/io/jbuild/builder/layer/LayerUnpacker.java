package io.jbuild.builder.layer;

import io.jbuild.builder.sys.LibC;
import io.jbuild.builder.sys.RootPath;
import io.jbuild.cache.FileTrees;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Unpacks a layer blob into a new snapshot directory that overlayfs can use as a lower dir: OCI
 * whiteouts (image-spec layer.md "Whiteouts") become what overlayfs itself writes, a 0/0
 * character device for {@code .wh.NAME} and the xattr trusted.overlay.opaque=y on the directory
 * for {@code .wh..wh..opq}.
 *
 * <p>A layer is untrusted input. Every entry is placed inside the target like containerd's
 * {@code fs.RootPath} does: a leading "/" is dropped (BuildKit and containerd treat "/a" as "a"),
 * a ".." that would climb above the target is an error, and parent directories are resolved one
 * component at a time with symlinks evaluated as if the target were "/", so a symlink in the
 * layer can never lead a later entry (or a hard link) outside the target. An existing entry is
 * replaced, never written through.
 */
public final class LayerUnpacker {
  private final Path root;
  private final String layer;
  private final List<Path> dirs = new ArrayList<>();
  private final List<long[]> dirTimes = new ArrayList<>();
  /**
   * Parent directories already resolved inside the root (symlinks evaluated), by their path in
   * the layer: the entries of a directory share one walk instead of a walk each.
   */
  private final java.util.Map<String, Path> directories = new java.util.HashMap<>();

  private LayerUnpacker(Path root, String layer) {
    this.root = root;
    this.layer = layer;
  }

  public static void unpack(InputStream blob, Descriptor layer, Digest expectedDiffId, Path target)
      throws IOException {
    String name = layer == null ? "layer" : "layer " + layer.digest();
    Path root = target.toAbsolutePath().normalize();
    Files.createDirectories(root);
    try (DirectoryStream<Path> existing = Files.newDirectoryStream(root)) {
      if (existing.iterator().hasNext()) {
        throw new LayerException("cannot unpack " + name + " into " + root + ": not empty");
      }
    }
    Compression compression = layer == null ? Compression.NONE : Compression.of(layer.mediaType());
    DigestInputStream tarBytes = new DigestInputStream(
        compression.decompressor(new BufferedInputStream(blob, 64 * 1024), layer == null ? -1 : layer.size()),
        Digest.newSha256());
    LayerUnpacker unpacker = new LayerUnpacker(root, name);
    // inflate and hash on a thread of their own, beside the files being made (ReadAhead)
    try (ReadAhead ahead = new ReadAhead(tarBytes)) {
      TarReader tar = new TarReader(ahead);
      for (TarHeader h = tar.next(); h != null; h = tar.next()) {
        try {
          unpacker.entry(h, tar);
        } catch (LayerException e) {
          throw e;
        } catch (IOException | UncheckedIOException e) {
          throw new LayerException(name + ": cannot unpack entry " + h.name + ": " + e.getMessage(), e);
        }
      }
      tar.drain(); // to the end of the stream: the read-ahead thread has hashed every byte
      unpacker.finishDirectories();
      Digest actual = Digest.ofSha256(tarBytes.getMessageDigest().digest());
      if (expectedDiffId != null && !expectedDiffId.equals(actual)) {
        throw new LayerException(name + ": diffId mismatch: expected " + expectedDiffId
            + ", the uncompressed layer is " + actual);
      }
    } catch (IOException | RuntimeException e) {
      // Leave no half-unpacked snapshot that could be mistaken for a good one.
      try {
        FileTrees.deleteContents(root);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      if (e instanceof LayerException) {
        throw e;
      }
      throw new LayerException(name + ": " + e.getMessage(), e);
    }
  }

  private void entry(TarHeader h, TarReader tar) throws IOException {
    List<String> parts = clean(h.name, "entry");
    if (parts.isEmpty()) {
      return; // "./" itself: the snapshot root keeps its own attributes, as in containerd
    }
    String base = parts.remove(parts.size() - 1);
    if (base.startsWith(LayerWriter.WHITEOUT_PREFIX)) {
      whiteout(h, parts, base);
      return;
    }
    Path parent = resolve(parts, true);
    Path path = parent.resolve(base);
    if ((h.type == TarHeader.SYMLINK || h.isDir())
        && LibC.makeNode(path, h.isDir() ? LibC.NODE_DIRECTORY : LibC.NODE_SYMLINK, h.linkName, h.mode,
            (int) h.uid, (int) h.gid, h.mtimeSec, h.mtimeNsec, !h.isDir())) {
      // the usual case, a new symlink or directory: made, owned, moded and timed in one call
      finish(h, path);
      return;
    }
    int existingMode = LibC.lstatMode(path);
    boolean existing = existingMode >= 0;
    if (existing && !((existingMode & LibC.S_IFMT) == LibC.S_IFDIR && h.isDir())) {
      delete(path); // replace it; never write through a link or into an old file
      existing = false;
    }
    switch (h.type) {
      case TarHeader.DIR -> {
        if (!existing) {
          Files.createDirectory(path);
        }
      }
      case TarHeader.REG -> {
        try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
          tar.content().transferTo(out);
        }
      }
      case TarHeader.SYMLINK -> {
        // what was there is gone: a symlink with its owner and times, as on the usual path above
        if (!LibC.makeNode(path, LibC.NODE_SYMLINK, h.linkName, h.mode, (int) h.uid, (int) h.gid, h.mtimeSec,
            h.mtimeNsec, true)) {
          throw new java.nio.file.FileAlreadyExistsException(path.toString());
        }
        finish(h, path);
        return;
      }
      case TarHeader.LINK -> {
        List<String> targetParts = clean(h.linkName, "hard link target of " + h.name);
        if (targetParts.isEmpty()) {
          throw refuse(h, "hard link to the root directory");
        }
        String targetBase = targetParts.remove(targetParts.size() - 1);
        Path linkTarget = resolve(targetParts, false).resolve(targetBase);
        int t = LibC.lstatMode(linkTarget);
        if (t < 0) {
          throw refuse(h, "hard link target " + h.linkName + " is not in the layer");
        }
        if ((t & LibC.S_IFMT) == LibC.S_IFDIR) {
          throw refuse(h, "hard link to a directory");
        }
        // link(2) does not follow a symlink target on Linux: the link is to the symlink itself
        Files.createLink(path, linkTarget);
        return; // a hard link shares the target's inode and so its metadata
      }
      case TarHeader.CHR -> LibC.mknod(path, LibC.S_IFCHR | h.mode, h.devMajor, h.devMinor);
      case TarHeader.BLK -> LibC.mknod(path, LibC.S_IFBLK | h.mode, h.devMajor, h.devMinor);
      case TarHeader.FIFO -> LibC.mknod(path, LibC.S_IFIFO | h.mode, 0, 0);
      default -> throw refuse(h, "unsupported tar entry type '" + (char) h.type + "'");
    }
    // Order matters: chown clears setuid bits and security.capability, so mode and xattrs last.
    LibC.makeNode(path, LibC.NODE_EXISTING, null, h.mode, (int) h.uid, (int) h.gid, h.mtimeSec, h.mtimeNsec,
        !h.isDir());
    finish(h, path);
  }

  /**
   * After the owner, mode and (not of a directory) times are set: the xattrs (they change no
   * mtime), and a directory's times kept for the end, since adding its children changes them.
   */
  private void finish(TarHeader h, Path path) throws IOException {
    for (var x : h.xattrs.entrySet()) {
      LibC.lsetxattr(path, x.getKey(), x.getValue());
    }
    if (h.isDir()) {
      dirs.add(path);
      dirTimes.add(new long[] {h.mtimeSec, h.mtimeNsec});
    }
  }

  private void whiteout(TarHeader h, List<String> parentParts, String base) throws IOException {
    Path parent = resolve(parentParts, true);
    if (base.equals(LayerWriter.OPAQUE_MARKER)) {
      // overlayfs hides the lower dirs' content of a directory marked opaque
      LibC.lsetxattr(parent, "trusted.overlay.opaque", new byte[] {'y'});
      return;
    }
    String hidden = base.substring(LayerWriter.WHITEOUT_PREFIX.length());
    if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
      throw refuse(h, "invalid whiteout name");
    }
    Path path = parent.resolve(hidden);
    if (LibC.lstatMode(path) >= 0) {
      delete(path);
    }
    // overlayfs reads a 0/0 character device in a lower dir as "deleted"
    LibC.mknod(path, LibC.S_IFCHR, 0, 0);
  }

  /**
   * Splits a tar name into components inside the target: a leading "/" is dropped, "." and empty
   * components vanish, ".." climbs one level and may not climb above the target.
   */
  private List<String> clean(String name, String what) throws LayerException {
    List<String> parts = new ArrayList<>();
    for (String p : name.split("/")) {
      if (p.isEmpty() || p.equals(".")) {
        continue;
      }
      if (p.equals("..")) {
        if (parts.isEmpty()) {
          throw new LayerException(layer + ": refusing " + what + " " + name
              + ": it points outside the layer root");
        }
        parts.remove(parts.size() - 1);
        continue;
      }
      if (p.indexOf('\0') >= 0) {
        throw new LayerException(layer + ": refusing " + what + " with a NUL byte: " + name);
      }
      parts.add(p);
    }
    return parts;
  }

  /**
   * The real directory for {@code parts} under the root, symlinks evaluated as if the root were
   * "/" (so ".." and absolute link targets stay inside), missing directories created with mode
   * 0755 as containerd does when {@code create}.
   */
  private Path resolve(List<String> parts, boolean create) throws IOException {
    String joined = String.join("/", parts);
    Path cached = create ? directories.get(joined) : null;
    if (cached != null) {
      return cached;
    }
    Path dir = create ? RootPath.mkdirs(root, joined) : RootPath.resolve(root, joined);
    if (create && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new LayerException(layer + ": " + joined + " is not a directory");
    }
    if (create) {
      directories.put(joined, dir);
    }
    return dir;
  }

  /**
   * Removes what an entry replaces. The directories resolved so far are forgotten: the path of
   * one of them may now lead elsewhere (a directory replaced by a symlink).
   */
  private void delete(Path path) throws IOException {
    directories.clear();
    FileTrees.delete(path);
  }

  private LayerException refuse(TarHeader h, String why) {
    return new LayerException(layer + ": refusing entry " + h.name + ": " + why);
  }

  private void finishDirectories() throws IOException {
    for (int i = dirs.size() - 1; i >= 0; i--) {
      long[] t = dirTimes.get(i);
      LibC.lutimes(dirs.get(i), t[0], t[1], t[0], t[1]);
    }
  }
}
