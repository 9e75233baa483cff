package io.jbuild.builder.sys;

/**
 * Raw DEFLATE with libdeflate, opened by libjbuild.so on first use (builder/src/main/c/jbuild_deflate.c):
 * 2-3 times zlib's speed at level 1 on the benchmark machine (120 vs 47 MB/s a core on the
 * many-files tar, for fewer bytes). Whole buffers only, no preset dictionary: every call makes a
 * complete, final block sequence. {@link #available()} is false where the JNI library or
 * libdeflate.so.0 is missing; callers then use zlib.
 */
public final class Deflate implements AutoCloseable {
  private static final boolean AVAILABLE = LibCJni.loaded() && open();

  private long handle;

  private Deflate(long handle) {
    this.handle = handle;
  }

  /** Whether libdeflate is here. */
  public static boolean available() {
    return AVAILABLE;
  }

  /** A compressor of a level from 1 (fastest) to 12; not for use on two threads at once. */
  public static Deflate create(int level) {
    if (!AVAILABLE) {
      throw new IllegalStateException("libdeflate is not available");
    }
    if (level < 1 || level > 12) {
      throw new IllegalArgumentException("libdeflate level " + level + " is not within 1-12");
    }
    long h = alloc(level);
    if (h == 0) {
      throw new OutOfMemoryError("libdeflate could not allocate a compressor");
    }
    return new Deflate(h);
  }

  /** The most bytes {@link #compress} can write for {@code n} input bytes. */
  public int bound(int n) {
    long b = bound(handle, n);
    return (int) Math.min(Integer.MAX_VALUE, b);
  }

  /**
   * Compresses {@code in[off, off+len)} into {@code out} from {@code outOff}, as raw DEFLATE
   * whose last block is final; returns the bytes written (there is room for {@link #bound}).
   */
  public int compress(byte[] in, int off, int len, byte[] out, int outOff) {
    if (handle == 0) {
      throw new IllegalStateException("compressor closed");
    }
    java.util.Objects.checkFromIndexSize(off, len, in.length);
    int room = out.length - outOff;
    if (outOff < 0 || room < bound(len)) {
      throw new IllegalArgumentException("output room " + room + " < bound " + bound(len));
    }
    int n = compress(handle, in, off, len, out, outOff, room);
    if (n <= 0) {
      throw new IllegalStateException("libdeflate failed to compress " + len + " bytes");
    }
    return n;
  }

  @Override
  public void close() {
    if (handle != 0) {
      free(handle);
      handle = 0;
    }
  }

  private static final boolean DECOMPRESSOR = LibCJni.loaded() && openDecompressor();

  /** Whether libdeflate's gzip decompressor is here. */
  public static boolean gunzipAvailable() {
    return DECOMPRESSOR;
  }

  /** What {@link Gunzip#member} answers besides a result: bad data, input cut short, no room. */
  public static final long BAD_DATA = -1;
  public static final long SHORT_INPUT = -2;
  public static final long NO_ROOM = -3;

  /**
   * libdeflate's gzip decompressor, 2-3 times zlib's speed: whole members only, so for input
   * held in memory. Not for use on two threads at once.
   */
  public static final class Gunzip implements AutoCloseable {
    private long handle;

    private Gunzip(long handle) {
      this.handle = handle;
    }

    public static Gunzip create() {
      if (!DECOMPRESSOR) {
        throw new IllegalStateException("libdeflate's decompressor is not available");
      }
      long h = allocDecompressor();
      if (h == 0) {
        throw new OutOfMemoryError("libdeflate could not allocate a decompressor");
      }
      return new Gunzip(h);
    }

    /**
     * Decompresses the gzip member at the start of {@code in[off, off+len)} into {@code
     * out[outOff, outOff+outLen)}, its CRC-32 and size checked: (input bytes used &lt;&lt; 32) |
     * bytes written, or {@link #BAD_DATA}, {@link #SHORT_INPUT}, {@link #NO_ROOM}.
     */
    public long member(byte[] in, int off, int len, byte[] out, int outOff, int outLen) {
      if (handle == 0) {
        throw new IllegalStateException("decompressor closed");
      }
      java.util.Objects.checkFromIndexSize(off, len, in.length);
      java.util.Objects.checkFromIndexSize(outOff, outLen, out.length);
      long r = gunzip(handle, in, off, len, out, outOff, outLen);
      if (r == -4) {
        throw new IllegalStateException("libdeflate could not have the arrays");
      }
      return r;
    }

    @Override
    public void close() {
      if (handle != 0) {
        freeDecompressor(handle);
        handle = 0;
      }
    }
  }

  private static native boolean openDecompressor();

  private static native long allocDecompressor();

  private static native void freeDecompressor(long decompressor);

  private static native long gunzip(long decompressor, byte[] in, int inOff, int inLen, byte[] out, int outOff, int outLen);

  private static native boolean open();

  private static native long alloc(int level);

  private static native void free(long compressor);

  private static native long bound(long compressor, int n);

  private static native int compress(long compressor, byte[] in, int inOff, int inLen, byte[] out, int outOff, int outLen);
}
