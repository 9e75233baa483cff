package io.jbuild.builder.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

class DeflateTest {
  private static byte[] inflate(byte[] raw, int len, int size) throws Exception {
    Inflater inf = new Inflater(true);
    inf.setInput(raw, 0, len);
    byte[] out = new byte[size];
    int n = 0;
    while (n < size && !inf.finished()) {
      n += inf.inflate(out, n, size - n);
    }
    assertTrue(inf.finished(), "a final block ends the data");
    inf.end();
    return Arrays.copyOf(out, n);
  }

  @Test
  void compress_textAndRandom_inflateBack() throws Exception {
    TestSupport.require(Deflate.available(), "libdeflate (apt-get install libdeflate0) and libjbuild.so");
    byte[] text = "a line of text that repeats itself\n".repeat(4000).getBytes(StandardCharsets.US_ASCII);
    byte[] random = new byte[200_000];
    new Random(3).nextBytes(random);
    for (int level : new int[] {1, 6, 12}) {
      try (Deflate d = Deflate.create(level)) {
        for (byte[] data : new byte[][] {text, random, new byte[0]}) {
          byte[] out = new byte[3 + d.bound(data.length)];
          int n = d.compress(data, 0, data.length, out, 3);
          byte[] raw = Arrays.copyOfRange(out, 3, 3 + n);
          assertArrayEquals(data, inflate(raw, raw.length, data.length + 1), "level " + level);
        }
        byte[] out = new byte[d.bound(text.length)];
        assertTrue(d.compress(text, 0, text.length, out, 0) < text.length / 20, "text shrinks");
      }
    }
  }

  @Test
  void create_badLevel_orTooLittleRoom_refused() {
    TestSupport.require(Deflate.available(), "libdeflate (apt-get install libdeflate0) and libjbuild.so");
    assertThrows(IllegalArgumentException.class, () -> Deflate.create(0));
    assertThrows(IllegalArgumentException.class, () -> Deflate.create(13));
    try (Deflate d = Deflate.create(1)) {
      assertThrows(IllegalArgumentException.class, () -> d.compress(new byte[1000], 0, 1000, new byte[10], 0));
      assertThrows(IndexOutOfBoundsException.class, () -> d.compress(new byte[10], 5, 10, new byte[100_000], 0));
    }
  }
}
