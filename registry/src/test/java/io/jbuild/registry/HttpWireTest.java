package io.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The registry's HTTP/1.1 client against a scripted server on loopback: framing, reuse, limits, timeouts. */
class HttpWireTest {
  /** What the server does with one connection: reads requests and writes answers. */
  @FunctionalInterface
  interface Script {
    void serve(Socket s, InputStream in, OutputStream out) throws IOException;
  }

  private ServerSocket server;
  private final AtomicInteger accepted = new AtomicInteger();
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  private final HttpWire wire = new HttpWire(2_000, TlsContexts::unverified);

  private URI serve(Script script) throws IOException {
    server = new ServerSocket(0);
    Thread t = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          accepted.incrementAndGet();
          Thread c = new Thread(() -> {
            try (s) {
              script.serve(s, s.getInputStream(), s.getOutputStream());
            } catch (IOException ignored) {
              // the client went away
            }
          });
          c.setDaemon(true);
          c.start();
        } catch (IOException e) {
          return;
        }
      }
    });
    t.setDaemon(true);
    t.start();
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  @AfterEach
  void stop() throws IOException {
    wire.closeIdle();
    if (server != null) {
      server.close();
    }
  }

  /** Reads one request head and records it; null at end of stream. */
  private String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      String h = head.toString(StandardCharsets.ISO_8859_1);
      if (h.endsWith("\r\n\r\n")) {
        requests.add(h);
        return h;
      }
    }
    return null;
  }

  /** Reads one request, head and Content-Length body (discarded); null at end of stream. */
  private String readRequest(InputStream in) throws IOException {
    String h = readHead(in);
    if (h != null) {
      for (String line : h.split("\r\n")) {
        if (line.toLowerCase().startsWith("content-length:")) {
          in.readNBytes(Integer.parseInt(line.substring(15).trim()));
        }
      }
    }
    return h;
  }

  private static void write(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  private static String text(HttpWire.Exchange ex) throws IOException {
    return new String(ex.body().readLimited(100, "body"), StandardCharsets.UTF_8);
  }

  private HttpWire.Exchange get(URI base, String path) throws IOException {
    return wire.send("GET", base.resolve(path), Map.of("User-Agent", "t"), null, 2_000, 2_000);
  }

  @Test
  void contentLengthBodies_twoExchanges_shareOneConnection() throws IOException {
    URI base = serve((s, in, out) -> {
      while (readRequest(in) != null) {
        write(out, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nDocker-Content-Digest: sha256:x\r\n\r\nhello");
      }
    });
    for (int i = 0; i < 2; i++) {
      try (HttpWire.Exchange ex = get(base, "/v2/")) {
        assertEquals(200, ex.status());
        assertEquals("sha256:x", ex.header("docker-content-digest").orElseThrow());
        assertArrayEquals("hello".getBytes(), ex.body().readLimited(100, "body"));
      }
    }
    assertEquals(1, accepted.get(), "the second exchange reuses the first connection");
    assertTrue(requests.get(0).startsWith("GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1:"), requests.get(0));
  }

  @Test
  void chunkedBody_withExtensionsAndTrailer_isDecoded_andTheConnectionKept() throws IOException {
    URI base = serve((s, in, out) -> {
      while (readRequest(in) != null) {
        write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n");
      }
    });
    for (int i = 0; i < 2; i++) {
      try (HttpWire.Exchange ex = get(base, "/a")) {
        assertEquals("hello, world", text(ex));
      }
    }
    assertEquals(1, accepted.get());
  }

  @Test
  void bodyWithoutLength_readsToTheEndOfTheConnection() throws IOException {
    URI base = serve((s, in, out) -> {
      readRequest(in);
      write(out, "HTTP/1.0 200 OK\r\n\r\nall of it");
    });
    try (HttpWire.Exchange ex = get(base, "/")) {
      assertEquals("all of it", text(ex));
    }
  }

  @Test
  void keptConnectionClosedByTheServer_nextRequestGoesOnAFreshOne() throws IOException {
    URI base = serve((s, in, out) -> {
      readRequest(in);
      write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      // and close without saying so: the client keeps this connection for nothing
    });
    for (int i = 0; i < 3; i++) {
      try (HttpWire.Exchange ex = get(base, "/")) {
        assertEquals("ok", text(ex));
      }
    }
    assertEquals(3, accepted.get());
  }

  @Test
  void uploadBody_isSentWithItsContentLength() throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    URI base = serve((s, in, out) -> {
      String head = readRequestHeadOnly(in);
      int len = Integer.parseInt(head.replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
      got.write(in.readNBytes(len));
      write(out, "HTTP/1.1 201 Created\r\nLocation: /v2/x/blobs/sha256:1\r\nContent-Length: 0\r\n\r\n");
    });
    byte[] data = new byte[1_000_000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31);
    }
    try (HttpWire.Exchange ex = wire.send("PUT", base.resolve("/v2/x/blobs/uploads/1?digest=sha256%3A1"),
        Map.of("Content-Type", "application/octet-stream"), HttpWire.Body.of(data), 5_000, 5_000)) {
      assertEquals(201, ex.status());
      assertEquals("/v2/x/blobs/sha256:1", ex.header("Location").orElseThrow());
    }
    assertArrayEquals(data, got.toByteArray());
    assertTrue(requests.get(0).startsWith("PUT /v2/x/blobs/uploads/1?digest=sha256%3A1 HTTP/1.1\r\n"), requests.get(0));
  }

  private String readRequestHeadOnly(InputStream in) throws IOException {
    String h = readHead(in);
    if (h == null) {
      throw new IOException("no request");
    }
    return h;
  }

  @Test
  void headerWithALineBreak_isRefusedBeforeAnythingIsSent() throws IOException {
    URI base = serve((s, in, out) -> readRequest(in));
    assertThrows(IllegalArgumentException.class, () -> wire.send("GET", base.resolve("/"),
        Map.of("Authorization", "Bearer x\r\nX-Evil: 1"), null, 1_000, 1_000));
    assertTrue(requests.isEmpty());
  }

  @Test
  void endlessHead_isRefused() throws IOException {
    URI base = serve((s, in, out) -> {
      readRequest(in);
      write(out, "HTTP/1.1 200 OK\r\n");
      byte[] line = ("X-Filler: " + "a".repeat(1000) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
      for (int i = 0; i < 400; i++) {
        out.write(line);
      }
      out.flush();
    });
    ProtocolException e = assertThrows(ProtocolException.class, () -> get(base, "/"));
    assertTrue(e.getMessage().contains("longer than"), e.getMessage());
  }

  @Test
  void notHttp_isAProtocolErrorNamingThePeer() throws IOException {
    URI base = serve((s, in, out) -> {
      readRequest(in);
      write(out, "SSH-2.0-OpenSSH_9.2\r\n\r\n");
    });
    ProtocolException e = assertThrows(ProtocolException.class, () -> get(base, "/"));
    assertTrue(e.getMessage().contains("not an HTTP/1.x answer from 127.0.0.1:"), e.getMessage());
  }

  @Test
  void bodyStalledHalfWay_failsAfterTheReadTimeout() throws IOException {
    URI base = serve((s, in, out) -> {
      readRequest(in);
      write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst bytes");
      sleep(5_000);
    });
    long start = System.nanoTime();
    try (HttpWire.Exchange ex = wire.send("GET", base.resolve("/"), Map.of(), null, 2_000, 300)) {
      InputStream body = ex.body();
      assertEquals(11, body.readNBytes(new byte[11], 0, 11));
      assertThrows(SocketTimeoutException.class, () -> body.read(new byte[10]));
    }
    assertTrue(System.nanoTime() - start < 3_000_000_000L, "gave up within the read timeout");
  }

  @Test
  void uploadToAServerThatNeverReads_failsWithinTheAnswerTimeout() throws IOException {
    URI base = serve((s, in, out) -> {
      readRequestHeadOnly(in);
      sleep(10_000); // neither reads the body nor answers
    });
    byte[] big = new byte[64 * 1024 * 1024]; // more than the socket buffers hold
    long start = System.nanoTime();
    SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> wire.send("PUT",
        base.resolve("/up"), Map.of(), HttpWire.Body.of(big), 500, 500));
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms < 5_000, "gave up after " + ms + " ms");
    assertTrue(e.getMessage().contains("no answer from 127.0.0.1:"), e.getMessage());
  }

  @Test
  void bodyShorterThanItsContentLength_isAnError() throws IOException {
    URI base = serve((s, in, out) -> {
      readRequest(in);
      write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
    });
    try (HttpWire.Exchange ex = get(base, "/")) {
      IOException e = assertThrows(IOException.class, () -> ex.body().readLimited(1000, "body"));
      assertTrue(e.getMessage().contains("95 bytes of the answer still to come"), e.getMessage());
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
