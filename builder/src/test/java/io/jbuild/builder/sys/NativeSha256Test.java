package io.jbuild.builder.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NativeSha256Test {
  private static MessageDigest jdk() throws Exception {
    return MessageDigest.getInstance("SHA-256", "SUN");
  }

  private static void requireIt() {
    TestSupport.require(NativeSha256.available(), "libjbuild.so and libcrypto (apt-get install libssl3)");
  }

  @Test
  void digest_equalsTheJdks_forEverySizeAndWayOfFeeding() throws Exception {
    requireIt();
    Random r = new Random(5);
    for (int size : new int[] {0, 1, 55, 56, 63, 64, 65, 255, 256, 257, 1000, 100_000, 3_000_001}) {
      byte[] data = new byte[size];
      r.nextBytes(data);
      byte[] expected = jdk().digest(data);

      NativeSha256 whole = new NativeSha256();
      assertArrayEquals(expected, whole.digest(data), "whole, " + size);
      NativeSha256 pieces = new NativeSha256();
      for (int off = 0; off < size; ) {
        int n = Math.min(size - off, 1 + r.nextInt(300));
        if (n == 1) {
          pieces.update(data[off]);
        } else {
          pieces.update(data, off, n);
        }
        off += n;
      }
      assertArrayEquals(expected, pieces.digest(), "in pieces, " + size);
      // digest() starts over, as a JDK digest does
      assertArrayEquals(expected, whole.digest(data), "again, " + size);
    }
  }

  /** Short updates gather in a buffer: filling it exactly, then one byte more, must flush. */
  @Test
  void digest_shortUpdatesThatFillTheBufferExactly_thenSingleBytes() throws Exception {
    requireIt();
    byte[] data = new byte[1000];
    new Random(9).nextBytes(data);
    for (int chunk : new int[] {1, 2, 16, 32, 63}) { // 256 bytes exactly in all but 63
      NativeSha256 md = new NativeSha256();
      int off = 0;
      while (off + chunk <= 256) {
        md.update(data, off, chunk);
        off += chunk;
      }
      for (; off < data.length; off++) {
        md.update(data[off]);
      }
      assertArrayEquals(jdk().digest(data), md.digest(), "chunks of " + chunk);
    }
  }

  @Test
  void clone_continuesIndependently_andResetStartsOver() throws Exception {
    requireIt();
    NativeSha256 a = new NativeSha256();
    a.update("hello ".getBytes());
    MessageDigest b = (MessageDigest) a.clone();
    a.update("world".getBytes());
    b.update("there".getBytes());
    assertArrayEquals(jdk().digest("hello world".getBytes()), a.digest());
    assertArrayEquals(jdk().digest("hello there".getBytes()), b.digest());
    a.update("junk".getBytes());
    a.reset();
    assertArrayEquals(jdk().digest(new byte[0]), a.digest());
    assertEquals(32, a.getDigestLength());
  }

  @Test
  void digestNewSha256_comesFromTheFactoryItWasGiven() throws Exception {
    requireIt();
    try {
      io.jbuild.oci.Digest.useSha256(NativeSha256::new);
      assertTrue(io.jbuild.oci.Digest.newSha256() instanceof NativeSha256);
      assertEquals(io.jbuild.oci.Digest.ofSha256(jdk().digest("abc".getBytes())), io.jbuild.oci.Digest.sha256("abc"));
    } finally {
      io.jbuild.oci.Digest.useSha256(() -> {
        try {
          return jdk();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
    }
  }
}
