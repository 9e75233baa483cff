package io.jbuild.builder.layer;

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
 * A gzip stream (RFC 1952) whose deflate data is made of 128 KiB blocks compressed on all cores,
 * the way pigz does it: each block is deflated on its own, primed with the last 32 KiB of the
 * input before it as a preset dictionary, and ended with a sync flush so the blocks concatenate
 * into one valid deflate stream; only the last one is final. The block boundaries depend on the
 * byte count alone, so the output is the same whatever the number of threads.
 *
 * <p>Speed first: deflate level 1 unless told otherwise (zlib runs at 25-40 MB/s a core on the
 * benchmark machine at level 1, 20 MB/s at level 6, for 0-25% more bytes on text), and a block
 * whose bytes look random (already compressed data: jars, archives, media; an order-0 entropy
 * above {@value #STORE_ABOVE_BITS} bits a byte) is written as stored deflate blocks, which
 * costs a copy, where deflating it would gain nothing.
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
  private byte[] block = new byte[BLOCK];
  private int fill;
  private byte[] dictionary; // the last DICT bytes of the input before the current block
  private long total;
  private boolean closed;
  private final int level;

  private ParallelGzipOutputStream(OutputStream out, int level) throws IOException {
    this.out = out;
    this.level = level;
    out.write(HEADER);
  }

  static OutputStream create(OutputStream out) throws IOException {
    return new ParallelGzipOutputStream(out, DEFAULT_LEVEL);
  }

  /** With a deflate level (1-9; 0 stores everything). */
  static OutputStream create(OutputStream out, int level) throws IOException {
    return new ParallelGzipOutputStream(out, level);
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
    crc.update(b, off, len);
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
