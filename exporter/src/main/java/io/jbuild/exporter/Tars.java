package io.jbuild.exporter;

import io.jbuild.cache.ContentStore;
import io.jbuild.oci.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Tar writing for the archive exporters: entries with fixed times and modes so the same image
 * gives the same bytes, PAX headers for long names, and never a seek, so the output may be
 * stdout or a pipe.
 */
final class Tars {
  private Tars() {}

  /** A tar stream over {@code out} that does not close {@code out}. */
  static TarArchiveOutputStream open(OutputStream out) {
    TarArchiveOutputStream tar = new TarArchiveOutputStream(new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        out.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void flush() throws IOException {
        out.flush();
      }

      @Override
      public void close() throws IOException {
        out.flush();
      }
    }, StandardCharsets.UTF_8.name());
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    return tar;
  }

  static void directory(TarArchiveOutputStream tar, String name) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
    e.setMode(040755);
    e.setModTime(new Date(0));
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  static void file(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
    TarArchiveEntry e = entry(name, content.length);
    tar.putArchiveEntry(e);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  static TarArchiveEntry entry(String name, long size) {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(0100644);
    e.setSize(size);
    e.setModTime(new Date(0));
    return e;
  }

  /** Copies a blob from the store into the tar, verifying its digest and size on the way. */
  static void blob(TarArchiveOutputStream tar, String name, ContentStore store, Descriptor d) throws IOException {
    tar.putArchiveEntry(entry(name, d.size()));
    try (InputStream in = ContentStore.verifying(store.open(d.digest()), d.digest(), d.size(), "blob " + d.digest())) {
      in.transferTo(tar);
    }
    tar.closeArchiveEntry();
  }
}
