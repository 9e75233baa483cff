package io.jbuild.builder.layer;

import io.jbuild.builder.sys.Deflate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A gzip stream (RFC 1952) of 128 KiB blocks compressed on all cores. The block boundaries depend
 * on the byte count alone, so the output is the same whatever the number of threads.
 *
 * <p>With libdeflate ({@link Deflate#available()}), each block is a gzip member of its own (RFC
 * 1952 2.2: "a gzip file consists of a series of members"), compressed whole by libdeflate at
 * 2-3 times zlib's speed, with its own CRC-32 and size, as BGZF and eStargz layers are: every
 * gzip reader of the ecosystem (Go's compress/gzip and pgzip in containerd, Docker, Podman,
 * skopeo, umoci; pigz; zlib's gzread) reads the members on as one stream. jbuild's own readers
 * go through {@link io.jbuild.oci.GzipInput}, as the JDK 17 GZIPInputStream may stop after a
 * member when its source has no bytes available at that moment.
 *
 * <p>Without it (no libjbuild.so for this platform, no libdeflate.so.0), the blocks are deflated
 * by zlib the way pigz does it: each is primed with the last 32 KiB of the input before it as a
 * preset dictionary, and ended with a sync flush so the blocks concatenate into one deflate
 * stream of one member; only the last one is final.
 *
 * <p>Speed first: deflate level 1 unless told otherwise (zlib runs at 25-40 MB/s a core on the
 * benchmark machine at level 1, 20 MB/s at level 6, for 0-25% more bytes on text; libdeflate at
 * 90-135), and a block whose bytes look random (already compressed data: jars, archives, media;
 * an order-0 entropy above {@value #STORE_ABOVE_BITS} bits a byte) is written as stored deflate
 * blocks, which costs a copy, where deflating it would gain nothing.
 */
final class ParallelGzipOutputStream extends OutputStream {
  private static final int BLOCK = 128 * 1024;
  private static final int DICT = 32 * 1024;
  /** The level of layers jbuild writes (compression-level=N on an output re-encodes them). */
  static final int DEFAULT_LEVEL = 1;
  static final double STORE_ABOVE_BITS = 7.99;
  private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
  private static final ExecutorService POOL = Executors.newFixedThreadPool(THREADS, r -> {
    Thread t = new Thread(r, "jbuild-gzip");
    t.setDaemon(true);
    return t;
  });
  private static final byte[] HEADER = {
    0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 255 // no mtime, OS unknown (as Go writes)
  };

  private final OutputStream out;
  private final CRC32 crc = new CRC32();
  private final ArrayDeque<Future<byte[]>> inFlight = new ArrayDeque<>();
  /** One libdeflate compressor per level on each pool thread. */
  private static final ThreadLocal<Deflate[]> COMPRESSORS = ThreadLocal.withInitial(() -> new Deflate[13]);
  /** Whether each block becomes a gzip member of its own (libdeflate), else one zlib member. */
  private final boolean members;
  private boolean wroteMember;
  private byte[] block = new byte[BLOCK];
  private int fill;
  private byte[] dictionary; // the last DICT bytes of the input before the current block
  private long total;
  private boolean closed;
  private final int level;

  private ParallelGzipOutputStream(OutputStream out, int level, boolean members) throws IOException {
    this.out = out;
    this.level = level;
    this.members = members;
    if (!members) {
      out.write(HEADER);
    }
  }

  static OutputStream create(OutputStream out) throws IOException {
    return create(out, DEFAULT_LEVEL);
  }

  /** With a deflate level (1-9; 0 stores everything). */
  static OutputStream create(OutputStream out, int level) throws IOException {
    return new ParallelGzipOutputStream(out, level, Deflate.available());
  }

  /** The zlib way (one member, preset dictionaries), whether libdeflate is here or not. */
  static OutputStream zlib(OutputStream out, int level) throws IOException {
    return new ParallelGzipOutputStream(out, level, false);
  }

  /**
   * Whether a block is not worth deflating: its byte histogram's Shannon entropy (in bits per
   * byte) is above {@link #STORE_ABOVE_BITS}. Random and compressed data measure 7.998+ on 128
   * KiB; text and code stay below 6, binaries below 7.5.
   */
  static boolean incompressible(byte[] input, int length) {
    if (length < 4096) {
      return false;
    }
    // every other byte: 64 Ki samples of a full block measure random data at 7.997+
    int[] counts = new int[256];
    int samples = 0;
    for (int i = 0; i < length; i += 2) {
      counts[input[i] & 0xff]++;
      samples++;
    }
    double bits = 0;
    for (int c : counts) {
      if (c > 0) {
        double p = (double) c / samples;
        bits -= p * Math.log(p);
      }
    }
    return bits / Math.log(2) > STORE_ABOVE_BITS;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
    if (!members) {
      crc.update(b, off, len);
    }
    total += len;
    while (len > 0) {
      int n = Math.min(len, BLOCK - fill);
      System.arraycopy(b, off, block, fill, n);
      fill += n;
      off += n;
      len -= n;
      if (fill == BLOCK) {
        submit(false);
      }
    }
  }

  private void submit(boolean last) throws IOException {
    byte[] input = block;
    int length = fill;
    if (members) {
      if (length > 0 || !wroteMember) { // an empty stream still needs one (empty) member
        int lvl = level;
        inFlight.add(POOL.submit(() -> member(input, length, lvl)));
        wroteMember = true;
        block = new byte[BLOCK];
        fill = 0;
      }
      while (inFlight.size() > 2 * THREADS) {
        drainOne();
      }
      return;
    }
    byte[] dict = dictionary;
    if (length >= DICT) {
      dictionary = Arrays.copyOfRange(input, length - DICT, length);
    } else if (length > 0) {
      byte[] merged = new byte[Math.min(DICT, (dict == null ? 0 : dict.length) + length)];
      int keep = merged.length - length;
      if (keep > 0) {
        System.arraycopy(dict, dict.length - keep, merged, 0, keep);
      }
      System.arraycopy(input, 0, merged, keep, length);
      dictionary = merged;
    }
    int lvl = level;
    inFlight.add(POOL.submit(() -> deflate(input, length, dict, last, lvl)));
    block = new byte[BLOCK];
    fill = 0;
    while (inFlight.size() > 2 * THREADS) {
      drainOne();
    }
  }

  /**
   * One gzip member of a block: the header, the block deflated by libdeflate (or stored, when it
   * looks random, the level is 0 or deflate would not make it smaller), its CRC-32 and size.
   */
  static byte[] member(byte[] input, int length, int level) {
    CRC32 c = new CRC32();
    c.update(input, 0, length);
    int storedSize = storedSize(length);
    byte[] out;
    int pos;
    if (level == 0 || incompressible(input, length)) {
      out = new byte[HEADER.length + storedSize + 8];
      pos = stored(input, length, out, HEADER.length);
    } else {
      Deflate[] byLevel = COMPRESSORS.get();
      int lvl = Math.min(level, 12);
      if (byLevel[lvl] == null) {
        byLevel[lvl] = Deflate.create(lvl);
      }
      Deflate d = byLevel[lvl];
      out = new byte[HEADER.length + Math.max(d.bound(length), storedSize) + 8];
      int n = d.compress(input, 0, length, out, HEADER.length);
      pos = n <= storedSize ? HEADER.length + n : stored(input, length, out, HEADER.length);
    }
    System.arraycopy(HEADER, 0, out, 0, HEADER.length);
    long crcValue = c.getValue();
    for (int i = 0; i < 4; i++) {
      out[pos + i] = (byte) (crcValue >> (8 * i));
      out[pos + 4 + i] = (byte) (length >> (8 * i));
    }
    pos += 8;
    return pos == out.length ? out : Arrays.copyOf(out, pos);
  }

  /** The size of {@code length} bytes as stored deflate blocks (RFC 1951 3.2.4), at least one. */
  private static int storedSize(int length) {
    int blocks = Math.max(1, (length + 65534) / 65535);
    return length + 5 * blocks;
  }

  /** Writes stored deflate blocks of at most 65,535 bytes, the last one final; returns the end. */
  private static int stored(byte[] input, int length, byte[] out, int pos) {
    int off = 0;
    do {
      int n = Math.min(65535, length - off);
      out[pos] = (byte) (off + n == length ? 1 : 0); // BFINAL, BTYPE 00, then byte-aligned
      out[pos + 1] = (byte) n;
      out[pos + 2] = (byte) (n >> 8);
      out[pos + 3] = (byte) ~n;
      out[pos + 4] = (byte) (~n >> 8);
      System.arraycopy(input, off, out, pos + 5, n);
      pos += 5 + n;
      off += n;
    } while (off < length);
    return pos;
  }

  private static byte[] deflate(byte[] input, int length, byte[] dict, boolean last, int level) {
    boolean store = level == 0 || incompressible(input, length);
    Deflater deflater = new Deflater(store ? Deflater.NO_COMPRESSION : level, true);
    try {
      if (dict != null && !store) {
        deflater.setDictionary(dict);
      }
      deflater.setInput(input, 0, length);
      ByteArrayOutputStream result = new ByteArrayOutputStream(length / 2 + 64);
      byte[] buf = new byte[64 * 1024];
      if (last) {
        deflater.finish();
        while (!deflater.finished()) {
          int n = deflater.deflate(buf);
          result.write(buf, 0, n);
        }
      } else {
        // SYNC_FLUSH ends on a byte boundary with an empty stored block; output filling the
        // whole buffer means there may be more to flush
        int n;
        do {
          n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
          result.write(buf, 0, n);
        } while (n == buf.length || !deflater.needsInput());
      }
      return result.toByteArray();
    } finally {
      deflater.end();
    }
  }

  private void drainOne() throws IOException {
    Future<byte[]> next = inFlight.poll();
    try {
      out.write(next.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancelAll();
      throw new InterruptedIOException("interrupted while compressing");
    } catch (ExecutionException e) {
      cancelAll();
      throw new IOException("gzip compression failed", e.getCause());
    }
  }

  private void cancelAll() {
    for (Future<byte[]> f : inFlight) {
      f.cancel(true);
    }
    inFlight.clear();
  }

  @Override
  public void flush() throws IOException {
    // Only whole blocks are flushed; flushing a partial block would make the output depend on
    // when callers flush.
    out.flush();
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    try {
      submit(true);
      closed = true;
      while (!inFlight.isEmpty()) {
        drainOne();
      }
      if (members) {
        out.flush();
        return;
      }
      long c = crc.getValue();
      out.write(new byte[] {(byte) c, (byte) (c >> 8), (byte) (c >> 16), (byte) (c >> 24),
          (byte) total, (byte) (total >> 8), (byte) (total >> 16), (byte) (total >> 24)});
      out.flush();
    } finally {
      closed = true;
      cancelAll();
      out.close();
    }
  }
}
