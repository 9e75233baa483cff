package io.jbuild.builder.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.builder.sys.TestSupport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
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

  @Test
  void write_manyBlocks_isOneValidGzipStream() throws Exception {
    byte[] data = compressible(3_000_000);

    byte[] gz = gzip(data, 8191);

    assertArrayEquals(data, new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes());
    Path file = Files.write(tmp.resolve("x.gz"), gz);
    TestSupport.sh("gzip", "-t", file.toString()); // the reference decoder agrees
    assertTrue(gz.length < data.length / 10, "dictionaries keep the ratio: " + gz.length);
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

    assertArrayEquals(data, new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes());
    // stored: the random part costs its size plus a few bytes a 64 KiB stored block; text shrinks
    int textAlone = gzip(text, 65_536).length;
    assertTrue(gz.length < random.length + 2 * textAlone + 2_000 && gz.length > random.length, "gzip size " + gz.length);
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
    ByteArrayOutputStream nine = new ByteArrayOutputStream();
    try (OutputStream out = ParallelGzipOutputStream.create(nine, 9)) {
      out.write(text);
    }
    ByteArrayOutputStream zero = new ByteArrayOutputStream();
    try (OutputStream out = ParallelGzipOutputStream.create(zero, 0)) {
      out.write(text);
    }
    assertArrayEquals(text, new GZIPInputStream(new ByteArrayInputStream(nine.toByteArray())).readAllBytes());
    assertArrayEquals(text, new GZIPInputStream(new ByteArrayInputStream(zero.toByteArray())).readAllBytes());
    assertTrue(zero.size() > text.length, "level 0 stores");
  }
}
