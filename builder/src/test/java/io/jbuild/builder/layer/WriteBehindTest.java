package io.jbuild.builder.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WriteBehindTest {
  private static boolean writerAlive() {
    return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("jbuild-blob-writer"));
  }

  @Test
  void bytesArriveInOrder_acrossOddWriteSizes_andTheSinkStaysOpen() throws IOException {
    byte[] data = new byte[(int) (WriteBehind.ASYNC_AFTER + 3 * WriteBehind.CHUNK + 12_345)];
    new Random(7).nextBytes(data);
    boolean[] closed = {false};
    ByteArrayOutputStream sink = new ByteArrayOutputStream() {
      @Override
      public void close() {
        closed[0] = true;
      }
    };
    WriteBehind w = new WriteBehind(sink);
    Random sizes = new Random(11);
    int off = 0;
    while (off < data.length) {
      int n = Math.min(data.length - off, 1 + sizes.nextInt(300_000));
      w.write(data, off, n);
      off += n;
    }
    w.close();
    w.close();
    assertArrayEquals(data, sink.toByteArray());
    assertFalse(closed[0], "close leaves the sink open for its commit");
  }

  @Test
  void smallOutput_isWrittenThroughWithoutAThread() throws IOException {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (WriteBehind w = new WriteBehind(sink)) {
      w.write(new byte[1000], 0, 1000);
      assertEquals(1000, sink.size(), "written through at once");
    }
  }

  @Test
  void sinkFailure_comesBackToTheWriter_andTheThreadEnds() throws Exception {
    OutputStream failing = new OutputStream() {
      long n;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        n += len;
        if (n > WriteBehind.ASYNC_AFTER + WriteBehind.CHUNK) {
          throw new IOException("No space left on device");
        }
      }
    };
    WriteBehind w = new WriteBehind(failing);
    byte[] buf = new byte[64 * 1024];
    IOException e = assertThrows(IOException.class, () -> {
      for (int i = 0; i < 10_000; i++) {
        w.write(buf, 0, buf.length);
      }
      w.close();
    });
    assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
    assertThrows(IOException.class, w::close, "close reports it too");
    w.close(); // and once closed, is quiet
    for (int i = 0; i < 100 && writerAlive(); i++) {
      Thread.sleep(20);
    }
    assertFalse(writerAlive(), "the writer thread is gone");
  }
}
