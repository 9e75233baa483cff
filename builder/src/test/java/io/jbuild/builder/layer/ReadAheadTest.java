package io.jbuild.builder.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReadAheadTest {
  private static boolean readerAlive() {
    return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("jbuild-read-ahead"));
  }

  private static void awaitNoReader() throws InterruptedException {
    for (int i = 0; i < 100 && readerAlive(); i++) {
      Thread.sleep(20);
    }
    assertFalse(readerAlive(), "the read-ahead thread is gone");
  }

  @Test
  void everyByteArrivesInOrder_throughOddReadSizes_thenTheEnd() throws Exception {
    byte[] data = new byte[ReadAhead.CHUNK * (ReadAhead.QUEUED + 3) + 777];
    new Random(3).nextBytes(data);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    try (ReadAhead in = new ReadAhead(new ByteArrayInputStream(data))) {
      Random sizes = new Random(5);
      byte[] buf = new byte[400_000];
      int n;
      while ((n = in.read(buf, 0, 1 + sizes.nextInt(buf.length))) >= 0) {
        got.write(buf, 0, n);
      }
      assertEquals(-1, in.read());
    }
    assertArrayEquals(data, got.toByteArray());
    awaitNoReader();
  }

  @Test
  void sourceFailure_comesAfterTheBytesBeforeIt() throws Exception {
    InputStream failing = new InputStream() {
      int left = 1000;

      @Override
      public int read() throws IOException {
        if (left-- > 0) {
          return 'x';
        }
        throw new IOException("unexpected end of the gzip stream");
      }
    };
    try (ReadAhead in = new ReadAhead(failing)) {
      byte[] first = new byte[1000];
      assertEquals(1000, in.readNBytes(first, 0, 1000));
      IOException e = assertThrows(IOException.class, in::read);
      assertTrue(e.getMessage().contains("unexpected end of the gzip stream"), e.getMessage());
    }
    awaitNoReader();
  }

  @Test
  void closeBeforeTheEnd_stopsTheThreadAndClosesTheSource() throws Exception {
    boolean[] closed = {false};
    InputStream endless = new InputStream() {
      @Override
      public int read() {
        return 0;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        return len;
      }

      @Override
      public void close() {
        closed[0] = true;
      }
    };
    ReadAhead in = new ReadAhead(endless);
    assertEquals(0, in.read());
    in.close();
    assertTrue(closed[0]);
    awaitNoReader();
  }
}
