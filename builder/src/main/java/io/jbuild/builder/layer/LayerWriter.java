package io.jbuild.builder.layer;

import io.jbuild.builder.sys.DirEntries;
import io.jbuild.builder.sys.LibC;
import io.jbuild.cache.ContentStore;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a directory (an overlayfs upper dir after a RUN, or any plain tree) into a layer blob in
 * one streaming pass: tar, sha256 of the tar (the diffId), compression, sha256 of the blob, all
 * while writing into the content store. Nothing is held in memory but one path list per
 * directory level.
 *
 * <p>Overlay whiteouts become OCI whiteouts (image-spec layer.md "Whiteouts"): a 0/0 character
 * device NAME becomes an empty regular file {@code .wh.NAME}, and a directory whose
 * trusted.overlay.opaque xattr is "y" gets a {@code .wh..wh..opq} entry right after its own header,
 * so that it hides its lower siblings ("Opaque Whiteout").
 */
public final class LayerWriter {
  static final String WHITEOUT_PREFIX = ".wh.";
  static final String OPAQUE_MARKER = ".wh..wh..opq";
  private static final String OVERLAY_XATTR = "trusted.overlay.";
  private static final int S_IFMT = 0170000;
  private static final int S_IFREG = 0100000;
  private static final int S_IFDIR = 0040000;
  private static final int S_IFLNK = 0120000;
  private static final int S_IFSOCK = 0140000;

  private LayerWriter() {}

  public static LayerBlob write(Path dir, ContentStore store, Compression compression,
      Long sourceDateEpoch) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new LayerException("cannot write a layer of " + dir + ": not a directory");
    }
    try (ContentStore.Writer blob = store.writer(); WriteBehind behind = new WriteBehind(blob)) {
      MessageDigest diffSha = Digest.newSha256();
      boolean empty;
      // the compressed bytes are hashed and written by a thread of their own (WriteBehind)
      OutputStream compressed = compression.compressor(behind, null);
      try (TarWriter tar = new TarWriter(new BufferedOutputStream(
          new DigestOutputStream(compressed, diffSha), 64 * 1024))) {
        Walk walk = new Walk(dir, tar, sourceDateEpoch);
        walk.directory(dir, "");
        empty = walk.entries == 0;
      } finally {
        compressed.close();
      }
      behind.close();
      Digest digest = blob.commit(null);
      return new LayerBlob(Descriptor.of(compression.mediaType(), digest, blob.size()),
          Digest.ofSha256(diffSha.digest()), empty);
    }
  }

  /** One depth-first walk, children in byte order of their names as Go's filepath.Walk does. */
  private static final class Walk {
    private final Path root;
    private final TarWriter tar;
    private final Long clamp;
    private final Map<String, String> firstLinkByInode = new HashMap<>();
    long entries;

    Walk(Path root, TarWriter tar, Long clamp) {
      this.root = root;
      this.tar = tar;
      this.clamp = clamp;
    }

    void directory(Path dir, String prefix) throws IOException {
      // one native call a directory: names in byte order (as Go's filepath.Walk sorts them)
      // with their lstat, instead of a JDK attribute map per entry
      DirEntries children = LibC.statDir(dir);
      while (children.next()) {
        String name = children.name();
        entry(dir.resolve(name), prefix, name, children);
      }
    }

    private void entry(Path file, String prefix, String name, DirEntries a) throws IOException {
      int mode = a.mode();
      int format = mode & S_IFMT;
      long mtime = Math.floorDiv(a.mtimeNanos(), 1_000_000_000L);
      if (clamp != null && mtime > clamp) {
        mtime = clamp;
      }
      long rdev = format == LibC.S_IFCHR || format == LibC.S_IFBLK
          ? (Long) Files.getAttribute(file, "unix:rdev", LinkOption.NOFOLLOW_LINKS) : 0L;
      Map<String, byte[]> xattrs = xattrs(file);
      if (format == LibC.S_IFCHR && rdev == 0L
          || format == S_IFREG && xattrs.containsKey(OVERLAY_XATTR + "whiteout")) {
        // overlayfs whiteout (a 0/0 char device, or since Linux 6.7 an xattr whiteout)
        TarHeader h = new TarHeader();
        h.name = prefix + WHITEOUT_PREFIX + name;
        h.mode = 0;
        h.mtimeSec = mtime;
        put(h);
        return;
      }
      if (xattrs.containsKey(OVERLAY_XATTR + "metacopy")
          || xattrs.containsKey(OVERLAY_XATTR + "redirect")) {
        // The upper dir would not hold the data / the whole directory; OverlayMount turns both
        // features off, so this is an upper dir from another mount.
        throw new LayerException("cannot write a layer of " + root + ": " + prefix + name
            + " is an overlayfs metacopy/redirect entry (mount with metacopy=off,redirect_dir=off)");
      }
      TarHeader h = new TarHeader();
      h.name = prefix + name;
      h.mode = mode & 07777;
      h.uid = (int) a.uid();
      h.gid = (int) a.gid();
      h.mtimeSec = mtime;
      for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
        if (!x.getKey().startsWith(OVERLAY_XATTR)) {
          h.xattrs.put(x.getKey(), x.getValue());
        }
      }
      switch (format) {
        case S_IFDIR -> {
          h.type = TarHeader.DIR;
          h.name += "/";
          put(h);
          byte[] opaque = xattrs.get(OVERLAY_XATTR + "opaque");
          if (opaque != null && opaque.length == 1 && opaque[0] == 'y') {
            TarHeader o = new TarHeader();
            o.name = h.name + OPAQUE_MARKER;
            o.mtimeSec = mtime;
            put(o);
          }
          directory(file, h.name);
        }
        case S_IFREG -> {
          if (a.nlink() > 1) {
            String key = a.dev() + ":" + a.ino();
            String first = firstLinkByInode.putIfAbsent(key, h.name);
            if (first != null) {
              h.type = TarHeader.LINK;
              h.linkName = first;
              put(h);
              return;
            }
          }
          h.type = TarHeader.REG;
          h.size = a.size();
          put(h);
          try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            tar.putContent(in, root.relativize(file).toString());
          }
        }
        case S_IFLNK -> {
          h.type = TarHeader.SYMLINK;
          h.linkName = Files.readSymbolicLink(file).toString();
          put(h);
        }
        case LibC.S_IFCHR, LibC.S_IFBLK -> {
          h.type = format == LibC.S_IFCHR ? TarHeader.CHR : TarHeader.BLK;
          h.devMajor = LibC.major(rdev);
          h.devMinor = LibC.minor(rdev);
          put(h);
        }
        case LibC.S_IFIFO -> {
          h.type = TarHeader.FIFO;
          put(h);
        }
        case S_IFSOCK -> {
          // tar cannot carry sockets; containerd and Docker skip them too
        }
        default -> throw new LayerException("cannot archive " + file + ": unknown file type "
            + Integer.toOctalString(format));
      }
    }

    private void put(TarHeader h) throws IOException {
      tar.putHeader(h);
      entries++;
    }

    private static Map<String, byte[]> xattrs(Path file) throws IOException {
      List<String> names = LibC.llistxattr(file);
      if (names.isEmpty()) {
        return Map.of();
      }
      Map<String, byte[]> result = new HashMap<>();
      for (String name : names) {
        // security.selinux is the host's label, not image content (containerd drops it too)
        if (name.equals("security.selinux")) {
          continue;
        }
        byte[] value = LibC.lgetxattr(file, name);
        if (value != null) {
          result.put(name, value);
        }
      }
      return result;
    }
  }
}
