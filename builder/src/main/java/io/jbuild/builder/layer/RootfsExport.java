package io.jbuild.builder.layer;

import io.jbuild.builder.sys.LibC;
import io.jbuild.builder.sys.RootPath;
import io.jbuild.cache.ContentStore;
import io.jbuild.cache.FileTrees;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The final filesystem of an image, made from its layers in the content store alone: BuildKit's
 * {@code type=local} (a directory) and {@code type=tar} (one tar) exporters.
 *
 * <p>Two passes over the layers. The first reads only the headers, top layer first, and decides
 * for every path which layer's entry is the one that shows: image-spec layer.md "Whiteouts" — a
 * {@code .wh.NAME} hides NAME of the lower layers, a {@code .wh..wh..opq} hides everything lower
 * under its directory, and both apply to lower layers only; a non-directory hides the lower
 * layers' entries under its path; a higher entry replaces a lower one of the same path. The
 * second pass reads the layers bottom first and writes only the entries that show. So nothing is
 * ever deleted, a hidden file never touches the disk, parents come before children in the tar,
 * and a hard link's target is written before the link.
 *
 * <p>Layers are untrusted: names are cleaned like {@link LayerUnpacker} does ("/a" is "a", a
 * ".." that climbs above the root is refused), and on disk every parent is resolved inside the
 * target with {@link RootPath}, so no entry or link leads a write outside it. Each blob's digest
 * and each layer's diff id are checked on both passes.
 */
public final class RootfsExport {
  private final ContentStore store;
  private final List<Descriptor> layers;
  private final List<Digest> diffIds;

  /** {@code diffIds} may be null (no diff id check); else one per layer, as in the config. */
  public RootfsExport(ContentStore store, List<Descriptor> layers, List<Digest> diffIds) {
    if (diffIds != null && diffIds.size() != layers.size()) {
      throw new IllegalArgumentException(layers.size() + " layers but " + diffIds.size() + " diff ids");
    }
    this.store = store;
    this.layers = List.copyOf(layers);
    this.diffIds = diffIds == null ? null : List.copyOf(diffIds);
  }

  /** Which entry shows for a path: its layer, the entry's ordinal in that layer, and its type. */
  private record Winner(int layer, int ordinal, byte type) {}

  /**
   * Writes the filesystem into {@code dest}, which must not exist or be an empty directory. It is
   * written into a new directory beside {@code dest} and renamed into place at the end, so a
   * failure leaves no half-written tree. Ownership is kept when running as root.
   */
  public void toDirectory(Path dest) throws IOException {
    Path target = dest.toAbsolutePath().normalize();
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        throw new LayerException("cannot export the filesystem to " + target + ": it exists and is not a directory");
      }
      try (DirectoryStream<Path> children = Files.newDirectoryStream(target)) {
        if (children.iterator().hasNext()) {
          throw new LayerException("cannot export the filesystem to " + target
              + ": the directory is not empty (remove it or choose another dest)");
        }
      }
    }
    Path parent = target.getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".partial-");
    try {
      // createTempDirectory makes it 0700; the root of an image's filesystem is 0755
      LibC.chmod(tmp, 0755);
      Map<String, Winner> winners = plan();
      DirectoryWriter writer = new DirectoryWriter(tmp);
      apply(winners, writer);
      writer.finishDirectories();
      Files.deleteIfExists(target); // an empty directory, checked above
      Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      try {
        FileTrees.delete(tmp);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /**
   * Writes the filesystem as one tar (pax, with xattrs) to {@code out}, streaming: {@code out} may
   * be stdout. It is flushed, not closed.
   */
  public void toTar(OutputStream out) throws IOException {
    Map<String, Winner> winners = plan();
    OutputStream keepOpen = new java.io.FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        out.flush();
      }
    };
    try (TarWriter tar = new TarWriter(new BufferedOutputStream(keepOpen, 64 * 1024))) {
      apply(winners, (h, path, content) -> {
        h.name = h.isDir() ? path + "/" : path;
        if (h.type == TarHeader.LINK) {
          h.linkName = String.join("/", clean(h.linkName, "hard link target of " + h.name, "tar export"));
        }
        tar.putHeader(h);
        if (h.type == TarHeader.REG) {
          tar.putContent(content, path);
        }
      });
    }
    out.flush();
  }

  // ---- pass 1: which entry shows for each path -------------------------------------------------

  private Map<String, Winner> plan() throws IOException {
    Map<String, Winner> winners = new HashMap<>();
    Map<String, Integer> whiteouts = new HashMap<>(); // path -> lowest layer that hides it
    Map<String, Integer> opaque = new HashMap<>(); // dir -> lowest layer that made it opaque
    for (int i = layers.size() - 1; i >= 0; i--) {
      int layer = i;
      List<String[]> newWhiteouts = new ArrayList<>();
      read(i, (h, tar, ordinal) -> {
        List<String> parts = clean(h.name, "entry", layerName(layer));
        if (parts.isEmpty()) {
          return; // "./" itself: the root keeps its own attributes, as in containerd
        }
        String base = parts.get(parts.size() - 1);
        if (base.startsWith(LayerWriter.WHITEOUT_PREFIX)) {
          String dir = String.join("/", parts.subList(0, parts.size() - 1));
          if (base.equals(LayerWriter.OPAQUE_MARKER)) {
            newWhiteouts.add(new String[] {"opq", dir});
          } else {
            String hidden = base.substring(LayerWriter.WHITEOUT_PREFIX.length());
            if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
              throw new LayerException(layerName(layer) + ": refusing entry " + h.name + ": invalid whiteout name");
            }
            newWhiteouts.add(new String[] {"wh", dir.isEmpty() ? hidden : dir + "/" + hidden});
          }
          return;
        }
        String path = String.join("/", parts);
        if (winners.containsKey(path) || hidden(parts, layer, winners, whiteouts, opaque)) {
          return;
        }
        winners.put(path, new Winner(layer, ordinal, h.type));
      });
      // whiteouts hide the lower layers only (layer.md), so they take effect after this layer
      for (String[] w : newWhiteouts) {
        (w[0].equals("opq") ? opaque : whiteouts).put(w[1], layer);
      }
    }
    return winners;
  }

  /** True when a higher layer hides {@code parts}: a whiteout of it or a parent, an opaque parent, a non-directory parent. */
  private static boolean hidden(List<String> parts, int layer, Map<String, Winner> winners,
      Map<String, Integer> whiteouts, Map<String, Integer> opaque) {
    StringBuilder prefix = new StringBuilder();
    for (int k = 0; k < parts.size(); k++) {
      if (k > 0) {
        prefix.append('/');
      }
      prefix.append(parts.get(k));
      String p = prefix.toString();
      if (whiteouts.containsKey(p)) {
        return true;
      }
      if (k < parts.size() - 1) {
        Winner w = winners.get(p);
        if (w != null && w.type() != TarHeader.DIR && w.layer() > layer) {
          // a higher layer's file or link replaced the directory; in the same layer, an entry
          // under a symlink is written through it (resolved inside the root), as containerd does
          return true;
        }
        if (opaque.containsKey(p)) {
          return true;
        }
      }
    }
    return opaque.containsKey("") && parts.size() > 0;
  }

  // ---- pass 2: write the entries that show, bottom layer first ---------------------------------

  @FunctionalInterface
  private interface Sink {
    void entry(TarHeader h, String path, InputStream content) throws IOException;
  }

  private void apply(Map<String, Winner> winners, Sink sink) throws IOException {
    for (int i = 0; i < layers.size(); i++) {
      int layer = i;
      read(i, (h, tar, ordinal) -> {
        List<String> parts = clean(h.name, "entry", layerName(layer));
        if (parts.isEmpty()) {
          return;
        }
        String path = String.join("/", parts);
        Winner w = winners.get(path);
        if (w == null || w.layer() != layer || w.ordinal() != ordinal) {
          return;
        }
        try {
          sink.entry(h, path, tar.content());
        } catch (LayerException e) {
          throw e;
        } catch (IOException | UncheckedIOException e) {
          throw new LayerException(layerName(layer) + ": cannot export entry " + h.name + ": " + e.getMessage(), e);
        }
      });
    }
  }

  @FunctionalInterface
  private interface EntryVisitor {
    void visit(TarHeader h, TarReader tar, int ordinal) throws IOException;
  }

  /** Reads layer {@code i} start to end, verifying the blob's digest and the diff id. */
  private void read(int i, EntryVisitor visitor) throws IOException {
    Descriptor d = layers.get(i);
    String name = layerName(i);
    try (InputStream raw = ContentStore.verifying(store.open(d.digest()), d.digest(), d.size(), name)) {
      DigestInputStream tarBytes = new DigestInputStream(
          Compression.of(d.mediaType()).decompressor(new BufferedInputStream(raw, 64 * 1024)), Digest.newSha256());
      TarReader tar = new TarReader(tarBytes);
      int ordinal = 0;
      for (TarHeader h = tar.next(); h != null; h = tar.next()) {
        visitor.visit(h, tar, ordinal++);
      }
      tar.drain();
      raw.transferTo(OutputStream.nullOutputStream()); // gzip may stop before the blob's end: verify all of it
      Digest actual = Digest.ofSha256(tarBytes.getMessageDigest().digest());
      if (diffIds != null && !diffIds.get(i).equals(actual)) {
        throw new LayerException(name + ": diffId mismatch: the config says " + diffIds.get(i)
            + ", the uncompressed layer is " + actual);
      }
    } catch (NoSuchFileException e) {
      throw new LayerException(name + " is not in the content store", e);
    } catch (LayerException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new LayerException(name + ": " + e.getMessage(), e);
    }
  }

  private String layerName(int i) {
    return "layer " + (i + 1) + " (" + layers.get(i).digest() + ")";
  }

  /** Components of a tar name inside the root; a ".." above it is refused (as in LayerUnpacker). */
  private static List<String> clean(String name, String what, String layer) throws LayerException {
    List<String> parts = new ArrayList<>();
    for (String p : name.split("/")) {
      if (p.isEmpty() || p.equals(".")) {
        continue;
      }
      if (p.equals("..")) {
        if (parts.isEmpty()) {
          throw new LayerException(layer + ": refusing " + what + " " + name + ": it points outside the root");
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

  /** Writes entries into a directory tree, every parent resolved inside it. */
  private final class DirectoryWriter implements Sink {
    private final Path root;
    private final boolean privileged = "root".equals(System.getProperty("user.name"));
    private final List<Path> dirs = new ArrayList<>();
    private final List<long[]> dirTimes = new ArrayList<>();

    DirectoryWriter(Path root) {
      this.root = root;
    }

    @Override
    public void entry(TarHeader h, String path, InputStream content) throws IOException {
      int slash = path.lastIndexOf('/');
      String parentPath = slash < 0 ? "" : path.substring(0, slash);
      Path parent = RootPath.mkdirs(root, parentPath);
      if (!Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
        throw new LayerException(path + ": parent " + parentPath + " is not a directory");
      }
      Path file = parent.resolve(path.substring(slash + 1));
      int existingMode = LibC.lstatMode(file);
      boolean existing = existingMode >= 0;
      if (existing && !((existingMode & LibC.S_IFMT) == LibC.S_IFDIR && h.isDir())) {
        // only possible through a symlinked parent written by a lower entry: replace, never write through
        FileTrees.delete(file);
        existing = false;
      }
      switch (h.type) {
        case TarHeader.DIR -> {
          if (!existing) {
            Files.createDirectory(file);
          }
        }
        case TarHeader.REG -> {
          try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW,
              StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            content.transferTo(out);
          }
        }
        case TarHeader.SYMLINK -> Files.createSymbolicLink(file, Paths.get(h.linkName));
        case TarHeader.LINK -> {
          List<String> t = clean(h.linkName, "hard link target of " + h.name, "");
          if (t.isEmpty()) {
            throw new LayerException("refusing entry " + h.name + ": hard link to the root directory");
          }
          String targetBase = t.remove(t.size() - 1);
          Path linkTarget = RootPath.resolve(root, String.join("/", t)).resolve(targetBase);
          int a = LibC.lstatMode(linkTarget);
          if (a < 0 || (a & LibC.S_IFMT) == LibC.S_IFDIR) {
            throw new LayerException("refusing entry " + h.name + ": hard link target " + h.linkName
                + (a < 0 ? " is not in the filesystem" : " is a directory"));
          }
          Files.createLink(file, linkTarget);
          return; // shares the target's inode and metadata
        }
        case TarHeader.CHR -> LibC.mknod(file, LibC.S_IFCHR | h.mode, h.devMajor, h.devMinor);
        case TarHeader.BLK -> LibC.mknod(file, LibC.S_IFBLK | h.mode, h.devMajor, h.devMinor);
        case TarHeader.FIFO -> LibC.mknod(file, LibC.S_IFIFO | h.mode, 0, 0);
        default -> throw new LayerException("refusing entry " + h.name + ": unsupported tar entry type '"
            + (char) h.type + "'");
      }
      // chown clears setuid bits and security.capability: mode and xattrs go after it
      try {
        LibC.lchown(file, (int) h.uid, (int) h.gid);
      } catch (IOException e) {
        if (privileged) {
          throw e;
        }
        // unprivileged: files stay the user's, as BuildKit's rootless local export leaves them
      }
      if (h.type != TarHeader.SYMLINK) {
        LibC.chmod(file, h.mode);
      }
      for (var x : h.xattrs.entrySet()) {
        try {
          LibC.lsetxattr(file, x.getKey(), x.getValue());
        } catch (LibC.ErrnoException e) {
          if (privileged && e.errno() != LibC.ENOTSUP) {
            throw e;
          }
        }
      }
      if (h.isDir()) {
        dirs.add(file);
        dirTimes.add(new long[] {h.mtimeSec, h.mtimeNsec});
      } else {
        LibC.lutimes(file, h.mtimeSec, h.mtimeNsec, h.mtimeSec, h.mtimeNsec);
      }
    }

    /** Directory times last: adding children changed them. */
    void finishDirectories() throws IOException {
      for (int i = dirs.size() - 1; i >= 0; i--) {
        long[] t = dirTimes.get(i);
        LibC.lutimes(dirs.get(i), t[0], t[1], t[0], t[1]);
      }
    }
  }
}
