package io.jbuild.cache;

import io.jbuild.oci.Digest;
import io.jbuild.oci.InvalidContentException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;

/**
 * Blobs by sha256 under {@code blobs/sha256/<hex>}, laid out like an OCI image layout. A blob is
 * written to tmp/ while its digest is computed, then renamed into place only if the digest is the
 * expected one; an existing blob is kept (content addressing makes it the same bytes). So a
 * reader never sees a partial blob, and a crash leaves at most a stray file in tmp/.
 */
public final class ContentStore {
  private final Path blobs;
  private final Path tmp;

  ContentStore(Path blobs, Path tmp) {
    this.blobs = blobs;
    this.tmp = tmp;
  }

  public Path path(Digest digest) {
    return blobs.resolve(digest.algorithm()).resolve(digest.encoded());
  }

  public boolean contains(Digest digest) {
    return Files.isRegularFile(path(digest));
  }

  public long size(Digest digest) throws IOException {
    return Files.size(path(digest));
  }

  /** Opens a blob; a missing one is a {@link NoSuchFileException} naming the digest. */
  public InputStream open(Digest digest) throws IOException {
    try {
      return Files.newInputStream(path(digest));
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException("blob " + digest + " is not in the content store");
    }
  }

  public byte[] read(Digest digest) throws IOException {
    try (InputStream in = open(digest)) {
      return in.readAllBytes();
    }
  }

  /** Stores small content (manifests, configs) and returns its digest. */
  public Digest put(byte[] content) throws IOException {
    try (Writer w = writer()) {
      w.write(content);
      return w.commit(null);
    }
  }

  /** Copies a stream into the store, failing (and storing nothing) if it isn't {@code expected}. */
  public Digest put(InputStream in, Digest expected) throws IOException {
    try (Writer w = writer()) {
      in.transferTo(w);
      return w.commit(expected);
    }
  }

  /** A writer for one blob; close without commit discards it. */
  public Writer writer() throws IOException {
    Path file = AtomicFiles.tempFile(tmp, "blob-", ".partial");
    return new Writer(file, AtomicFiles.output(file));
  }

  /** Streams one blob to tmp/ while hashing it; {@link #commit} moves it into place. */
  public final class Writer extends FilterOutputStream {
    private final Path file;
    private final MessageDigest sha = Digest.newSha256();
    private long size;
    private boolean done;

    private Writer(Path file, OutputStream out) {
      super(out);
      this.file = file;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      sha.update((byte) b);
      size++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      sha.update(b, off, len);
      size += len;
    }

    public long size() {
      return size;
    }

    /**
     * Finishes the blob. With {@code expected} non-null, a different digest discards the data and
     * throws {@link InvalidContentException}.
     */
    public Digest commit(Digest expected) throws IOException {
      out.close();
      done = true;
      Digest actual = Digest.ofSha256(sha.digest());
      if (expected != null && !expected.equals(actual)) {
        Files.deleteIfExists(file);
        throw new InvalidContentException(
            "digest mismatch: expected " + expected + ", got " + actual + " (" + size + " bytes)");
      }
      Path target = path(actual);
      if (Files.exists(target)) {
        Files.deleteIfExists(file);
        return actual;
      }
      Files.createDirectories(target.getParent());
      try {
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
        Files.deleteIfExists(file);
        if (!Files.exists(target)) {
          throw e;
        }
      }
      return actual;
    }

    @Override
    public void close() throws IOException {
      if (!done) {
        done = true;
        try {
          out.close();
        } finally {
          Files.deleteIfExists(file);
        }
      }
    }
  }

  /** Wraps a stream so that reading it to the end verifies {@code expected}. */
  public static InputStream verifying(InputStream in, Digest expected, long expectedSize, String what) {
    return new java.io.FilterInputStream(new java.security.DigestInputStream(in, Digest.newSha256())) {
      private long count;
      private boolean checked;

      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b < 0) {
          check();
        } else {
          count++;
        }
        return b;
      }

      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n < 0) {
          check();
        } else {
          count += n;
        }
        return n;
      }

      private void check() {
        if (checked) {
          return;
        }
        checked = true;
        Digest actual = Digest.ofSha256(((java.security.DigestInputStream) in).getMessageDigest().digest());
        if (!actual.equals(expected) || (expectedSize >= 0 && count != expectedSize)) {
          throw new InvalidContentException(what + ": digest mismatch: expected " + expected
              + " (" + expectedSize + " bytes), got " + actual + " (" + count + " bytes)");
        }
      }
    };
  }
}
