package io.jbuild.builder.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jbuild.builder.sys.Deflate;
import io.jbuild.builder.sys.TestSupport;
import io.jbuild.oci.GzipInput;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** libdeflate's reading of small gzip blobs gives what zlib's streaming reader gives. */
class WholeGzipInputTest {
  @BeforeEach
  void needsLibdeflate() {
    TestSupport.require(Deflate.gunzipAvailable(), "libdeflate (apt-get install -y libdeflate0)");
  }

  private static byte[] data(int n, long seed) {
    Random r = new Random(seed);
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) ("tar header and some text " .charAt(r.nextInt(25)) + (i % 4096 == 0 ? r.nextInt(3) : 0));
    }
    return b;
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream z = new GZIPOutputStream(out)) {
      z.write(data);
    }
    return out.toByteArray();
  }

  private static byte[] jbuildGzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream z = ParallelGzipOutputStream.create(out)) {
      z.write(data);
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] whole(byte[] blob, long declared) throws IOException {
    try (InputStream in = WholeGzipInput.open(new ByteArrayInputStream(blob), declared)) {
      return in.readAllBytes();
    }
  }

  private static byte[] zlib(byte[] blob) throws IOException {
    try (InputStream in = GzipInput.open(new ByteArrayInputStream(blob), 64 * 1024)) {
      return in.readAllBytes();
    }
  }

  @Test
  void singleAndManyMembers_giveTheBytesZlibGives() throws IOException {
    byte[] data = data(3 << 20, 1);
    for (byte[] blob : new byte[][] {gzip(data), jbuildGzip(data), concat(gzip(data), gzip(data(1000, 2)))}) {
      assertArrayEquals(zlib(blob), whole(blob, blob.length));
    }
    assertArrayEquals(data, whole(jbuildGzip(data), 10), "a wrong declared size changes nothing");
  }

  @Test
  void aLargeMemberBeforeASmallLastOne_getsTheRoomItNeeds() throws IOException {
    byte[] big = new byte[5 << 20]; // zeros: the last member's size (4 bytes) says nothing of it
    byte[] blob = concat(gzip(big), gzip(new byte[] {1, 2, 3}));

    assertArrayEquals(zlib(blob), whole(blob, blob.length));
  }

  @Test
  void bytesAfterTheLastMemberThatStartNoMember_areIgnoredAsZlibIgnoresThem() throws IOException {
    byte[] data = data(200_000, 3);
    byte[] blob = concat(gzip(data), new byte[512]);

    assertArrayEquals(data, zlib(blob));
    assertArrayEquals(data, whole(blob, blob.length));
  }

  @Test
  void aCorruptMember_failsAsWithZlib() throws IOException {
    byte[] blob = jbuildGzip(data(1 << 20, 4));
    byte[] bad = Arrays.copyOf(blob, blob.length);
    bad[bad.length / 2] ^= 0x55;

    assertThrows(IOException.class, () -> zlib(bad));
    assertThrows(IOException.class, () -> whole(bad, bad.length));
    byte[] cut = Arrays.copyOf(blob, blob.length - 100);
    assertThrows(IOException.class, () -> whole(cut, cut.length));
  }

  @Test
  void notGzipAtAll_failsAsWithZlib() {
    byte[] junk = data(4096, 5);

    assertThrows(IOException.class, () -> zlib(junk));
    assertThrows(IOException.class, () -> whole(junk, junk.length));
  }
}
