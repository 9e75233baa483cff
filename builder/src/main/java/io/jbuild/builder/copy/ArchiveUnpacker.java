package io.jbuild.builder.copy;

import io.jbuild.cache.FileTrees;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.CompressorException;
import org.apache.commons.compress.compressors.CompressorStreamFactory;

/**
 * ADD's local archive extraction (BuildKit's "docker compatible" unpack): a file that is a tar,
 * plain or compressed with gzip, bzip2, xz or zstd (recognised by content, not by name), is
 * extracted into the destination directory instead of copied. Every entry path and hardlink
 * target is resolved inside the destination root with {@link RootedPath}, so "..", absolute
 * names and symlinks (from the archive or already in the image) can never write outside it.
 */
final class ArchiveUnpacker {
  private ArchiveUnpacker() {}

  /** True when the file is a (possibly compressed) tar archive. */
  static boolean isArchive(Path file) {
    try (InputStream in = open(file)) {
      byte[] header = in.readNBytes(512);
      return header.length == 512 && TarArchiveInputStream.matches(header, header.length) && checksumOk(header);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static boolean checksumOk(byte[] h) {
    long sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
    }
    String field = new String(h, 148, 8, java.nio.charset.StandardCharsets.US_ASCII).replace("\0", " ").trim();
    try {
      return !field.isEmpty() && Long.parseLong(field, 8) == sum;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static InputStream open(Path file) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    raw.mark(16);
    byte[] magic = raw.readNBytes(6);
    raw.reset();
    boolean compressed = magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b
        || magic.length >= 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h'
        || magic.length >= 6 && (magic[0] & 0xff) == 0xfd && magic[1] == '7' && magic[2] == 'z' && magic[3] == 'X'
        || magic.length >= 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f;
    if (!compressed) {
      return raw;
    }
    try {
      return new BufferedInputStream(new CompressorStreamFactory(true).createCompressorInputStream(raw), 1 << 16);
    } catch (CompressorException e) {
      raw.close();
      throw new IOException("cannot decompress " + file.getFileName() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Extracts {@code archive} into {@code destRel} (a clean path relative to {@code destRoot},
   * already a directory). Entries keep their modes and mtimes; owners are the archive's unless
   * {@code owner} is given (ADD --chown applies to the extracted files too).
   */
  static long extract(Path archive, Path destRoot, String destRel, CopyFiles.Owner owner) throws IOException {
    long count = 0;
    List<Map.Entry<Path, FileTime>> dirTimes = new ArrayList<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(open(archive))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        String name = RootedPath.clean(e.getName());
        if (name.isEmpty()) {
          continue;
        }
        String rel = destRel.isEmpty() ? name : destRel + "/" + name;
        mkdirParents(destRoot, rel, owner);
        Path target = RootedPath.resolve(destRoot, rel, false);
        int uid = owner != null ? owner.uid() : (int) e.getLongUserId();
        int gid = owner != null ? owner.gid() : (int) e.getLongGroupId();
        FileTime mtime = FileTime.from(e.getLastModifiedDate().toInstant());
        if (e.isDirectory()) {
          if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            FileTrees.delete(target);
          }
          if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(target);
          }
          dirTimes.add(Map.entry(target, mtime));
        } else {
          if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            FileTrees.delete(target);
          }
          if (e.isSymbolicLink()) {
            Files.createSymbolicLink(target, Path.of(e.getLinkName()));
          } else if (e.isLink()) {
            String linkRel = RootedPath.clean(e.getLinkName());
            Path linkTarget = RootedPath.resolve(destRoot, destRel.isEmpty() ? linkRel : destRel + "/" + linkRel, false);
            if (!Files.isRegularFile(linkTarget, LinkOption.NOFOLLOW_LINKS)) {
              throw new CopyFiles.CopyException("cannot extract " + archive.getFileName() + ": hardlink " + name
                  + " points to " + e.getLinkName() + ", which is not a file extracted before it");
            }
            Files.createLink(target, linkTarget);
            count++;
            continue;
          } else if (e.isFile()) {
            Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
          } else {
            // devices and fifos need privileges an image build should not use on the host; skip
            // them like BuildKit skips what it may not create
            continue;
          }
        }
        count++;
        Files.setAttribute(target, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(target, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        if (!e.isSymbolicLink()) {
          Files.setAttribute(target, "unix:mode", e.getMode() & 07777, LinkOption.NOFOLLOW_LINKS);
        }
        Files.getFileAttributeView(target, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(mtime, null, null);
      }
    }
    for (int i = dirTimes.size() - 1; i >= 0; i--) {
      Map.Entry<Path, FileTime> d = dirTimes.get(i);
      Files.getFileAttributeView(d.getKey(), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(d.getValue(), null, null);
    }
    return count;
  }

  /** Creates the missing parents of rel (0755, root or the --chown owner), following symlinks inside the root. */
  private static void mkdirParents(Path destRoot, String rel, CopyFiles.Owner owner) throws IOException {
    int slash = rel.lastIndexOf('/');
    if (slash < 0) {
      return;
    }
    StringBuilder sofar = new StringBuilder();
    for (String part : rel.substring(0, slash).split("/")) {
      sofar.append('/').append(part);
      Path p = RootedPath.resolve(destRoot, sofar.toString(), true);
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectories(p);
        Files.setAttribute(p, "unix:mode", 0755, LinkOption.NOFOLLOW_LINKS);
        if (owner != null) {
          Files.setAttribute(p, "unix:uid", owner.uid(), LinkOption.NOFOLLOW_LINKS);
          Files.setAttribute(p, "unix:gid", owner.gid(), LinkOption.NOFOLLOW_LINKS);
        }
      } else if (!Files.isDirectory(p)) {
        throw new CopyFiles.CopyException("cannot extract into " + sofar + ": it is not a directory");
      }
    }
  }
}
