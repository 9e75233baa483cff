package io.jbuild.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A response body as an InputStream that gives up when no bytes arrive for {@code timeout}.
 * java.net.http's own timeout ends when the headers arrive, so a registry (or a proxy) that stalls
 * half-way through a blob would otherwise block a pull forever. It asks for one buffer list at a
 * time, so a slow reader never makes the client buffer a whole layer in memory.
 */
final class StreamingBody extends InputStream implements Flow.Subscriber<List<ByteBuffer>> {
  private static final Object END = new Object();
  private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final long timeoutMillis;
  private volatile Flow.Subscription subscription;
  private Iterator<ByteBuffer> current;
  private ByteBuffer buffer;
  private boolean eof;
  private boolean closed;

  StreamingBody(long timeoutMillis) {
    this.timeoutMillis = timeoutMillis;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    s.request(1);
  }

  @Override
  public void onNext(List<ByteBuffer> item) {
    queue.add(item);
  }

  @Override
  public void onError(Throwable t) {
    queue.add(t);
  }

  @Override
  public void onComplete() {
    queue.add(END);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(len, buffer.remaining());
    buffer.get(b, off, n);
    return n;
  }

  private boolean fill() throws IOException {
    while (buffer == null || !buffer.hasRemaining()) {
      if (closed) {
        throw new IOException("response body already closed");
      }
      if (eof) {
        return false;
      }
      if (current != null && current.hasNext()) {
        buffer = current.next();
        continue;
      }
      if (current != null) {
        current = null;
        subscription.request(1);
      }
      Object next;
      try {
        next = queue.poll(timeoutMillis, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        throw new java.io.InterruptedIOException("interrupted while reading a response body");
      }
      if (next == null) {
        close();
        throw new HttpTimeoutException("no data from the registry for " + timeoutMillis + " ms");
      }
      if (next == END) {
        eof = true;
        return false;
      }
      if (next instanceof Throwable t) {
        eof = true;
        throw t instanceof IOException io ? io : new IOException(t.getMessage(), t);
      }
      @SuppressWarnings("unchecked")
      List<ByteBuffer> list = (List<ByteBuffer>) next;
      current = list.iterator();
    }
    return true;
  }

  /**
   * The next bytes of the body as the client delivered them, or null at the end: lets a caller
   * write a blob straight from the client's buffers instead of copying them into its own first.
   * The buffer is consumed (its position moved to its limit) by this call.
   */
  ByteBuffer nextBuffer() throws IOException {
    if (!fill()) {
      return null;
    }
    ByteBuffer b = buffer.slice();
    buffer.position(buffer.limit());
    return b;
  }

  /** Reads the whole body, refusing more than {@code limit} bytes (manifests, error documents). */
  byte[] readLimited(int limit, String what) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    while ((n = read(buf, 0, buf.length)) >= 0) {
      if (out.size() + n > limit) {
        close();
        throw new IOException(what + " is larger than " + limit + " bytes");
      }
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      Flow.Subscription s = subscription;
      if (s != null && !eof) {
        s.cancel();
      }
    }
  }
}
