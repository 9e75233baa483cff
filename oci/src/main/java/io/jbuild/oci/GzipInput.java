package io.jbuild.oci;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Reads a gzip stream of any number of members to its end. The JDK 17 {@link GZIPInputStream}
 * looks for a next member only when its source says bytes are {@code available()} (JDK-7036144):
 * on a socket, a pipe or a tar entry that says 0 between two members it ends early without an
 * error. Layers jbuild writes are made of many members (one per 128 KiB, like BGZF and eStargz),
 * so every gzip reader of layers goes through here: its source answers {@code available()} by
 * reading one byte ahead.
 */
public final class GzipInput {
  private GzipInput() {}

  /** A reader of every member of the gzip stream {@code in}. */
  public static InputStream open(InputStream in, int bufferSize) throws IOException {
    return new GZIPInputStream(new LookAhead(in), bufferSize);
  }

  /** Says 1 byte is available when there is at least one more, 0 only at the end. */
  private static final class LookAhead extends FilterInputStream {
    private int next = -2; // -2: nothing read ahead; -1: the end; else the byte

    LookAhead(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      if (next != -2) {
        int b = next;
        next = next == -1 ? -1 : -2;
        return b;
      }
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (next == -1) {
        return -1;
      }
      if (next >= 0) {
        b[off] = (byte) next;
        next = -2;
        if (len == 1) {
          return 1;
        }
        int n = in.read(b, off + 1, len - 1);
        if (n < 0) {
          next = -1;
          return 1;
        }
        return 1 + n;
      }
      return in.read(b, off, len);
    }

    @Override
    public int available() throws IOException {
      if (next == -2) {
        int a = in.available();
        if (a > 0) {
          return a;
        }
        next = in.read();
      }
      return next >= 0 ? 1 + Math.max(0, in.available()) : 0;
    }

    @Override
    public long skip(long n) throws IOException {
      if (n <= 0) {
        return 0;
      }
      if (next >= 0) {
        next = -2;
        return 1 + Math.max(0, in.skip(n - 1));
      }
      if (next == -1) {
        return 0;
      }
      return in.skip(n);
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }
}
