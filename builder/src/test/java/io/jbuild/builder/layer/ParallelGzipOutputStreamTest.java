package io.jbuild.builder.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.builder.sys.Deflate;
import io.jbuild.builder.sys.TestSupport;
import io.jbuild.oci.GzipInput;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParallelGzipOutputStreamTest {
  @TempDir Path tmp;

  private static byte[] compressible(int size) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; sb.length() < size; i++) {
      sb.append("line ").append(i % 1000).append(" of a fairly repetitive layer file\n");
    }
    return sb.substring(0, size).getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] gzip(byte[] data, int chunk) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (OutputStream out = ParallelGzipOutputStream.create(buf)) {
      for (int off = 0; off < data.length; off += chunk) {
        out.write(data, off, Math.min(chunk, data.length - off));
      }
    }
    return buf.toByteArray();
  }

  /** All of {@code data} at a level, the libdeflate way where it is here or the zlib way. */
  private static byte[] gzipAt(byte[] data, int level, boolean zlib) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (OutputStream out = zlib ? ParallelGzipOutputStream.zlib(buf, level) : ParallelGzipOutputStream.create(buf, level)) {
      out.write(data);
    }
    return buf.toByteArray();
  }

  /** A gzip stream read through a source that never says bytes are available, as a socket may. */
  private static byte[] gunzipSlowSource(byte[] gz) throws IOException {
    InputStream source = new FilterInputStream(new ByteArrayInputStream(gz)) {
      @Override
      public int available() {
        return 0;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return super.read(b, off, Math.min(len, 1000));
      }
    };
    return GzipInput.open(source, 4096).readAllBytes();
  }

  /** The offsets where a gzip member starts (its magic, method 8, no flags, mtime 0). */
  private static int members(byte[] gz) {
    int n = 0;
    for (int i = 0; i + 10 <= gz.length; i++) {
      if (gz[i] == 0x1f && gz[i + 1] == (byte) 0x8b && gz[i + 2] == 8 && gz[i + 3] == 0
          && gz[i + 4] == 0 && gz[i + 5] == 0 && gz[i + 6] == 0 && gz[i + 7] == 0 && gz[i + 9] == (byte) 255) {
        n++;
      }
    }
    return n;
  }

  @Test
  void write_manyBlocks_isValidGzipThatEveryReaderReadsWhole() throws Exception {
    byte[] data = compressible(3_000_000);

    byte[] gz = gzip(data, 8191);

    assertArrayEquals(data, GzipInput.open(new ByteArrayInputStream(gz), 512).readAllBytes());
    assertArrayEquals(data, gunzipSlowSource(gz));
    Path file = Files.write(tmp.resolve("x.gz"), gz);
    TestSupport.sh("gzip", "-t", file.toString()); // the reference decoder agrees
    assertArrayEquals(data, TestSupport.shBytes("gzip", "-dc", file.toString()));
    assertTrue(gz.length < data.length / 10, "the ratio holds: " + gz.length);
  }

  /** With libdeflate every 128 KiB block is a gzip member of its own (as BGZF and eStargz are). */
  @Test
  void write_withLibdeflate_oneMemberPerBlock() throws Exception {
    TestSupport.require(Deflate.available(), "libdeflate (apt-get install libdeflate0) and libjbuild.so");
    byte[] data = compressible(1_000_000);

    byte[] gz = gzip(data, 100_000);

    assertEquals((1_000_000 + 131_071) / 131_072, members(gz));
    assertArrayEquals(data, gunzipSlowSource(gz));
  }

  /** Without libdeflate: zlib blocks chained by sync flushes and preset dictionaries, one member. */
  @Test
  void zlib_manyBlocks_oneMemberReadByTheReferenceDecoder() throws Exception {
    byte[] data = compressible(1_000_000);
    byte[] gz = gzipAt(data, 1, true);

    assertEquals(1, members(gz));
    assertArrayEquals(data, new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes());
    Path file = Files.write(tmp.resolve("z.gz"), gz);
    assertArrayEquals(data, TestSupport.shBytes("gzip", "-dc", file.toString()));
  }

  @Test
  void write_differentWriteSizes_sameBytes() throws Exception {
    byte[] data = compressible(600_000);

    assertArrayEquals(gzip(data, 1), gzip(data, 1 << 20));
  }

  @Test
  void write_nothing_isValidEmptyGzip() throws Exception {
    byte[] gz = gzip(new byte[0], 1);

    assertEquals(0, new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes().length);
    assertEquals(1, members(gz));
    TestSupport.sh("gzip", "-t", Files.write(tmp.resolve("empty.gz"), gz).toString());
  }

  /** Random (already compressed) data is stored, text next to it still deflated, in one stream. */
  @Test
  void write_randomBlocksBetweenText_storedAndStillOneValidStream() throws Exception {
    byte[] random = new byte[700_000];
    new java.util.Random(7).nextBytes(random);
    byte[] text = compressible(700_000);
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.write(text);
    all.write(random);
    all.write(text);
    byte[] data = all.toByteArray();
    byte[] gz = gzip(data, 65_536);

    assertArrayEquals(data, gunzipSlowSource(gz));
    // stored: the random part costs its size plus a few bytes a 64 KiB stored block; text shrinks
    int textAlone = gzip(text, 65_536).length;
    assertTrue(gz.length < random.length + 2 * textAlone + 4_000 && gz.length > random.length, "gzip size " + gz.length + ", text alone " + textAlone);
    assertArrayEquals(gz, gzip(data, 1_000_003), "the same bytes whatever the write sizes");
  }

  @Test
  void incompressible_randomYes_textAndBinaryNo() {
    byte[] random = new byte[128 * 1024];
    new java.util.Random(1).nextBytes(random);
    assertTrue(ParallelGzipOutputStream.incompressible(random, random.length));
    byte[] text = compressible(128 * 1024);
    assertTrue(!ParallelGzipOutputStream.incompressible(text, text.length));
    byte[] zeros = new byte[128 * 1024];
    assertTrue(!ParallelGzipOutputStream.incompressible(zeros, zeros.length));
    assertTrue(!ParallelGzipOutputStream.incompressible(random, 1000), "small blocks are always deflated");
  }

  @Test
  void level_isKept_andZeroStoresEverything() throws Exception {
    byte[] text = compressible(500_000);
    byte[] nine = gzipAt(text, 9, false);
    byte[] zero = gzipAt(text, 0, false);
    assertArrayEquals(text, GzipInput.open(new ByteArrayInputStream(nine), 4096).readAllBytes());
    assertArrayEquals(text, GzipInput.open(new ByteArrayInputStream(zero), 4096).readAllBytes());
    assertTrue(zero.length > text.length, "level 0 stores");
    assertTrue(nine.length < gzipAt(text, 1, false).length, "level 9 makes fewer bytes than 1");
  }
}
