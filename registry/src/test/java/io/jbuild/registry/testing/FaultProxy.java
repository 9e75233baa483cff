package io.jbuild.registry.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on 127.0.0.1 in front of a registry that injects faults: canned 500/503 answers,
 * connections dropped at once or reset after some bytes in either direction, and stalls (no
 * answer at all, or a body that stops half-way). Faults are armed as counts and fire on the next
 * connections or byte thresholds, then everything passes through. {@link #down} refuses service
 * entirely. Only loopback traffic; stops with {@link #close()}.
 */
public final class FaultProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int targetPort;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;
  private volatile boolean closed;

  private final AtomicInteger drop = new AtomicInteger();
  private final AtomicInteger http500 = new AtomicInteger();
  private final AtomicInteger http503 = new AtomicInteger();
  private final AtomicInteger stall = new AtomicInteger();
  private volatile long resetUpAfter = Long.MAX_VALUE;
  private final AtomicInteger resetUp = new AtomicInteger();
  private volatile long resetDownAfter = Long.MAX_VALUE;
  private final AtomicInteger resetDown = new AtomicInteger();
  private volatile long stallDownAfter = Long.MAX_VALUE;
  private final AtomicInteger stallDown = new AtomicInteger();
  private volatile boolean down;

  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger faultsFired = new AtomicInteger();
  private final AtomicLong bytesDown = new AtomicLong();
  private final AtomicLong bytesUp = new AtomicLong();

  private FaultProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::acceptLoop, "fault-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public static FaultProxy start(int targetPort) throws IOException {
    return new FaultProxy(targetPort);
  }

  public String host() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** The next {@code n} connections are closed as soon as they are accepted. */
  public FaultProxy dropConnections(int n) {
    drop.set(n);
    return this;
  }

  /** The next {@code n} connections get a canned {@code 500 Internal Server Error}. */
  public FaultProxy answer500(int n) {
    http500.set(n);
    return this;
  }

  /** The next {@code n} connections get a canned {@code 503 Service Unavailable}. */
  public FaultProxy answer503(int n) {
    http503.set(n);
    return this;
  }

  /** The next {@code n} connections are read but never answered. */
  public FaultProxy stallConnections(int n) {
    stall.set(n);
    return this;
  }

  /** {@code n} times, a connection that has sent {@code bytes} towards the registry is reset. */
  public FaultProxy resetUploadsAfter(long bytes, int n) {
    resetUpAfter = bytes;
    resetUp.set(n);
    return this;
  }

  /** {@code n} times, a connection that has received {@code bytes} from the registry is reset. */
  public FaultProxy resetDownloadsAfter(long bytes, int n) {
    resetDownAfter = bytes;
    resetDown.set(n);
    return this;
  }

  /** {@code n} times, a connection stops forwarding the registry's bytes after {@code bytes}, staying open. */
  public FaultProxy stallDownloadsAfter(long bytes, int n) {
    stallDownAfter = bytes;
    stallDown.set(n);
    return this;
  }

  /** While down, every connection is closed at once (the registry "stays down"). */
  public FaultProxy down(boolean isDown) {
    down = isDown;
    return this;
  }

  public int faultsFired() {
    return faultsFired.get();
  }

  public int connections() {
    return connections.get();
  }

  /** Bytes forwarded from the registry to clients. */
  public long bytesDown() {
    return bytesDown.get();
  }

  public long bytesUp() {
    return bytesUp.get();
  }

  private static boolean take(AtomicInteger counter) {
    return counter.getAndUpdate(v -> v > 0 ? v - 1 : 0) > 0;
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;
      }
      connections.incrementAndGet();
      open.add(client);
      Thread t = new Thread(() -> handle(client), "fault-proxy-conn");
      t.setDaemon(true);
      t.start();
    }
  }

  private void handle(Socket client) {
    try {
      if (down || take(drop)) {
        if (!down) {
          faultsFired.incrementAndGet();
        }
        reset(client);
        return;
      }
      if (take(http500)) {
        faultsFired.incrementAndGet();
        cannedAnswer(client, "500 Internal Server Error");
        return;
      }
      if (take(http503)) {
        faultsFired.incrementAndGet();
        cannedAnswer(client, "503 Service Unavailable");
        return;
      }
      if (take(stall)) {
        faultsFired.incrementAndGet();
        drainUntilClosed(client.getInputStream());
        return;
      }
      Socket upstream = new Socket();
      open.add(upstream);
      upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2000);
      Thread up = new Thread(() -> pump(client, upstream, true), "fault-proxy-up");
      up.setDaemon(true);
      up.start();
      pump(upstream, client, false);
    } catch (IOException e) {
      closeQuietly(client);
    }
  }

  /** Copies one direction, counting bytes and firing the byte-threshold faults. */
  private void pump(Socket from, Socket to, boolean upwards) {
    long count = 0;
    byte[] buf = new byte[16 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buf)) >= 0) {
        long threshold = upwards ? resetUpAfter : resetDownAfter;
        // each fault fires at the moment a connection crosses its threshold, if still armed
        if (count <= threshold && count + n > threshold && take(upwards ? resetUp : resetDown)) {
          faultsFired.incrementAndGet();
          int part = (int) Math.max(0, threshold - count);
          out.write(buf, 0, part);
          (upwards ? bytesUp : bytesDown).addAndGet(part);
          out.flush();
          reset(upwards ? from : to);
          reset(upwards ? to : from);
          return;
        }
        if (!upwards && count <= stallDownAfter && count + n > stallDownAfter && take(stallDown)) {
          faultsFired.incrementAndGet();
          drainUntilClosed(in); // keep the connection open, forward nothing more
          return;
        }
        out.write(buf, 0, n);
        count += n;
        (upwards ? bytesUp : bytesDown).addAndGet(n);
      }
      to.shutdownOutput();
    } catch (IOException e) {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private void cannedAnswer(Socket client, String status) throws IOException {
    // read the request head first, so the client is not reset before it reads the answer
    InputStream in = client.getInputStream();
    int matched = 0;
    byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    client.setSoTimeout(2000);
    try {
      for (int i = 0; i < 64 * 1024 && matched < 4; i++) {
        int b = in.read();
        if (b < 0) {
          break;
        }
        matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
      }
    } catch (IOException ignored) {
      // answer anyway
    }
    String body = "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"injected " + status + "\"}]}";
    String response = "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
        + "\r\nConnection: close\r\n\r\n" + body;
    client.getOutputStream().write(response.getBytes(StandardCharsets.US_ASCII));
    client.getOutputStream().flush();
    client.shutdownOutput();
    drainUntilClosed(in);
  }

  private void drainUntilClosed(InputStream in) {
    byte[] buf = new byte[16 * 1024];
    try {
      while (!closed && in.read(buf) >= 0) {
        // discard
      }
    } catch (IOException ignored) {
      // closed
    }
  }

  private void reset(Socket s) {
    try {
      s.setSoLinger(true, 0); // RST instead of FIN: a "connection reset by peer"
    } catch (IOException ignored) {
      // already closed
    }
    closeQuietly(s);
  }

  private void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing to do
    }
    open.remove(s);
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (Socket s : open) {
      closeQuietly(s);
    }
  }
}
