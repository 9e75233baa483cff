package io.jbuild.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class GzipInputTest {
  private static byte[] member(String text) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(buf)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return buf.toByteArray();
  }

  /** A source as a socket or a tar entry can be: it never says bytes are available, reads few at a time. */
  private static InputStream stingy(byte[] bytes, int most) {
    return new FilterInputStream(new ByteArrayInputStream(bytes)) {
      @Override
      public int available() {
        return 0;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return super.read(b, off, Math.min(len, most));
      }
    };
  }

  @Test
  void open_manyMembers_fromASourceThatNeverSaysAvailable_readsThemAll() throws Exception {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 50; i++) {
      String part = "member " + i + " ".repeat(i * 37) + "\n";
      all.write(member(part));
      expected.append(part);
    }
    byte[] want = expected.toString().getBytes(StandardCharsets.UTF_8);
    for (int most : new int[] {1, 7, 512, 1 << 20}) {
      assertArrayEquals(want, GzipInput.open(stingy(all.toByteArray(), most), 512).readAllBytes(), "reads of " + most);
    }
  }

  @Test
  void open_oneMember_andAnEmptyOne() throws Exception {
    assertArrayEquals("x".getBytes(StandardCharsets.UTF_8), GzipInput.open(stingy(member("x"), 3), 64).readAllBytes());
    ByteArrayOutputStream two = new ByteArrayOutputStream();
    two.write(member(""));
    two.write(member("y"));
    assertArrayEquals("y".getBytes(StandardCharsets.UTF_8), GzipInput.open(stingy(two.toByteArray(), 5), 64).readAllBytes());
  }
}
