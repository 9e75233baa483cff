package io.jbuild.builder.layer;

import io.jbuild.builder.sys.Deflate;
import io.jbuild.oci.GzipInput;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The uncompressed bytes of a small gzip blob held in memory, decompressed member by member with
 * libdeflate ({@link Deflate.Gunzip}, 2-3 times zlib's speed: a base layer's unpack waited on
 * zlib's inflate of its big files). It reads what {@link GzipInput} reads: every member, and
 * bytes after a member that do not start another one are ignored, as the JDK's reader ignores
 * them. A member that libdeflate refuses (bad data, cut short) or that would need more than
 * {@link #MAX_MEMBER} bytes of memory is read on from there by zlib through {@link GzipInput},
 * which then words the error, if it is one.
 */
final class WholeGzipInput extends InputStream {
  /** The largest blob read into memory whole. */
  static final int MAX_BLOB = 16 << 20;
  /** The largest member decompressed at once. */
  static final int MAX_MEMBER = 64 << 20;

  private final byte[] in;
  private int pos;
  private byte[] out;
  private int outPos;
  private int outLen;
  private InputStream zlib;
  private Deflate.Gunzip gunzip;

  private WholeGzipInput(byte[] compressed) {
    this.in = compressed;
    // one member's room to start: a single-member blob's size mod 2^32 is in its last 4 bytes
    long isize = in.length < 4 ? 0 : (in[in.length - 4] & 0xffL) | (in[in.length - 3] & 0xffL) << 8
        | (in[in.length - 2] & 0xffL) << 16 | (in[in.length - 1] & 0xffL) << 24;
    this.out = new byte[(int) Math.max(64 << 10, Math.min(MAX_MEMBER, isize))];
    this.gunzip = Deflate.Gunzip.create();
  }

  /**
   * The gzip blob {@code blob} decompressed: read whole and by libdeflate when it says it is
   * small ({@code declaredSize}, -1: unknown) and turns out to be, else streamed through zlib.
   */
  static InputStream open(InputStream blob, long declaredSize) throws IOException {
    if (declaredSize <= 0 || declaredSize > MAX_BLOB || !Deflate.gunzipAvailable()) {
      return GzipInput.open(blob, 64 * 1024);
    }
    byte[] head = blob.readNBytes(MAX_BLOB + 1);
    if (head.length > MAX_BLOB) {
      return GzipInput.open(new java.io.SequenceInputStream(new ByteArrayInputStream(head), blob), 64 * 1024);
    }
    return new WholeGzipInput(head);
  }

  /** False at the end; otherwise out has bytes, or zlib reads on. */
  private boolean fill() throws IOException {
    while (outPos >= outLen && zlib == null) {
      if (pos >= in.length || (pos > 0 && !startsMember())) {
        pos = in.length;
        close();
        return false;
      }
      long r = gunzip.member(in, pos, in.length - pos, out, 0, out.length);
      if (r == Deflate.NO_ROOM && out.length < MAX_MEMBER) {
        out = new byte[(int) Math.min(MAX_MEMBER, out.length * 4L)];
        continue;
      }
      if (r < 0) {
        zlib = GzipInput.open(new ByteArrayInputStream(in, pos, in.length - pos), 64 * 1024);
        break;
      }
      pos += (int) (r >>> 32);
      outLen = (int) (r & 0xffffffffL);
      outPos = 0;
    }
    return true;
  }

  private boolean startsMember() {
    return in.length - pos >= 2 && in[pos] == (byte) 0x1f && in[pos + 1] == (byte) 0x8b;
  }

  @Override
  public int read() throws IOException {
    if (!fill()) {
      return -1;
    }
    return zlib != null && outPos >= outLen ? zlib.read() : out[outPos++] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    if (zlib != null && outPos >= outLen) {
      return zlib.read(b, off, len);
    }
    int n = Math.min(len, outLen - outPos);
    System.arraycopy(out, outPos, b, off, n);
    outPos += n;
    return n;
  }

  @Override
  public void close() throws IOException {
    if (gunzip != null) {
      gunzip.close();
      gunzip = null;
    }
    if (zlib != null) {
      zlib.close();
    }
  }
}
