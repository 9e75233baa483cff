package io.jbuild.registry;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Timer;
import java.util.TimerTask;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A blocking HTTP/1.1 client for the distribution API: one socket an exchange, kept alive and
 * reused per host, bodies streamed in both directions with Content-Length or chunked coding.
 *
 * <p>It replaced java.net.http in the registry client. That client's first request in a fresh
 * JVM cost about 0.25 s (its selector thread, the CompletableFuture and Flow machinery, all
 * interpreted), more than the rest of a small cold build; a pull is a handful of sequential
 * requests, which plain sockets serve in a few milliseconds. TLS is made on the first https
 * request only ({@code tls} is a factory), with SNI and host name checks (RFC 2818) on.
 *
 * <p>Timeouts: connecting has its own; waiting for an answer ends after {@code answerMillis}
 * (for an upload, counted from the first byte sent, by a watchdog that closes the socket: a
 * blocking write has no timeout of its own); reading a body gives up after {@code readMillis}
 * without a byte. A timeout is a {@link SocketTimeoutException}.
 */
final class HttpWire {
  private static final int MAX_HEAD_BYTES = 256 * 1024;
  private static final int MAX_IDLE_PER_HOST = 8;
  /** Closing a body with at most this much left reads it to the end to keep the connection. */
  private static final long DRAIN_ON_CLOSE = 64 * 1024;
  private static final int IO_BUFFER = 64 * 1024;
  private static volatile Timer watchdog;

  /** Makes the SSL context for https, once, on first use. */
  @FunctionalInterface
  interface TlsFactory {
    SSLContext make() throws IOException;
  }

  /** A request body of a known length; {@code content} is asked again for each attempt. */
  record Body(long length, IOSupplier<InputStream> content) {
    static Body of(byte[] bytes) {
      return new Body(bytes.length, () -> new ByteArrayInputStream(bytes));
    }
  }

  private final int connectMillis;
  private final TlsFactory tls;
  private volatile SSLSocketFactory sslFactory;
  private final Map<String, ArrayDeque<Conn>> idle = new HashMap<>();

  HttpWire(int connectMillis, TlsFactory tls) {
    this.connectMillis = connectMillis;
    this.tls = tls;
  }

  /**
   * Sends one request and reads the answer's head; the body is left to read from the returned
   * exchange (close it). A connection kept from an earlier exchange that turns out to be closed
   * by the server before it answered is replaced by a new one, once.
   */
  Exchange send(String method, URI uri, Map<String, String> headers, Body body, int answerMillis, int readMillis)
      throws IOException {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new ProtocolException("not an http(s) URL: " + uri);
    }
    String host = uri.getHost();
    if (host == null) {
      throw new ProtocolException("URL without a host: " + uri);
    }
    int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
    String key = scheme + "://" + host + ":" + port;
    byte[] head = requestHead(method, uri, headers, body);
    for (int attempt = 0; ; attempt++) {
      Conn c = attempt == 0 ? takeIdle(key) : null;
      if (c == null) {
        c = open(key, scheme, host, port, answerMillis);
      }
      TimerTask guard = null;
      try {
        c.socket.setSoTimeout(answerMillis);
        if (body != null && body.length() > 0) {
          guard = guard(c, answerMillis);
        }
        c.out.write(head);
        if (body != null && body.length() > 0) {
          writeBody(c.out, body);
        }
        c.out.flush();
        Exchange ex = readAnswer(c, method, uri);
        c.socket.setSoTimeout(readMillis);
        return ex;
      } catch (IOException e) {
        c.close();
        if (guard != null && c.timedOut) {
          throw new SocketTimeoutException("no answer from " + host + ":" + port + " within " + answerMillis + " ms");
        }
        if (c.reused && !c.answered && attempt == 0 && !(e instanceof SocketTimeoutException)) {
          continue; // a kept connection the server had closed meanwhile
        }
        throw e;
      } finally {
        if (guard != null) {
          guard.cancel();
        }
      }
    }
  }

  private static byte[] requestHead(String method, URI uri, Map<String, String> headers, Body body) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String target = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    String authority = uri.getRawAuthority();
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      authority = authority.substring(at + 1);
    }
    StringBuilder b = new StringBuilder(256);
    b.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    b.append("Host: ").append(authority).append("\r\n");
    boolean hasLength = false;
    for (Map.Entry<String, String> h : headers.entrySet()) {
      checkHeader(h.getKey(), h.getValue());
      hasLength |= h.getKey().equalsIgnoreCase("Content-Length");
      b.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
    }
    if (!hasLength && (body != null || method.equals("POST") || method.equals("PUT") || method.equals("PATCH"))) {
      b.append("Content-Length: ").append(body == null ? 0 : body.length()).append("\r\n");
    }
    b.append("\r\n");
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A header that would end the head early (CR, LF) is refused: it could smuggle a request. */
  private static void checkHeader(String name, String value) {
    for (int i = 0; i < name.length(); i++) {
      char ch = name.charAt(i);
      if (ch <= ' ' || ch == ':' || ch >= 0x7f) {
        throw new IllegalArgumentException("invalid HTTP header name \"" + name + "\"");
      }
    }
    if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("HTTP header " + name + " holds a line break");
    }
  }

  private static void writeBody(OutputStream out, Body body) throws IOException {
    long left = body.length();
    byte[] buf = new byte[256 * 1024];
    try (InputStream in = body.content().get()) {
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw new Transport.NotRetryable(new EOFException(
              "request body ended " + left + " bytes before its length of " + body.length()));
        }
        out.write(buf, 0, n);
        left -= n;
      }
    }
  }

  private static TimerTask guard(Conn c, int millis) {
    Timer t = watchdog;
    if (t == null) {
      synchronized (HttpWire.class) {
        t = watchdog;
        if (t == null) {
          watchdog = t = new Timer("jbuild-http-watchdog", true);
        }
      }
    }
    TimerTask task = new TimerTask() {
      @Override
      public void run() {
        c.timedOut = true;
        c.close();
      }
    };
    t.schedule(task, Math.max(1, millis));
    return task;
  }

  private Conn takeIdle(String key) {
    synchronized (idle) {
      ArrayDeque<Conn> q = idle.get(key);
      Conn c = q == null ? null : q.pollLast();
      if (c != null) {
        c.reused = true;
        c.answered = false;
      }
      return c;
    }
  }

  private void release(Conn c) {
    synchronized (idle) {
      ArrayDeque<Conn> q = idle.computeIfAbsent(c.key, k -> new ArrayDeque<>());
      if (q.size() < MAX_IDLE_PER_HOST) {
        q.addLast(c);
        return;
      }
    }
    c.close();
  }

  /** Closes the connections kept for reuse. */
  void closeIdle() {
    List<Conn> all = new ArrayList<>();
    synchronized (idle) {
      idle.values().forEach(all::addAll);
      idle.clear();
    }
    all.forEach(Conn::close);
  }

  private Conn open(String key, String scheme, String host, int port, int handshakeMillis) throws IOException {
    String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    // a direct connection: java.net's SOCKS-capable default socket asks the default ProxySelector
    // first, whose set-up (net.properties and more) cost a fresh JVM ~10 ms before the first byte
    Socket s = new Socket(java.net.Proxy.NO_PROXY);
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(bare, port), connectMillis);
      if (scheme.equals("https")) {
        SSLSocket ssl = (SSLSocket) sslFactory().createSocket(s, bare, port, true);
        SSLParameters p = ssl.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(p);
        ssl.setSoTimeout(handshakeMillis);
        ssl.startHandshake();
        s = ssl;
      }
      return new Conn(key, s);
    } catch (IOException | RuntimeException e) {
      try {
        s.close();
      } catch (IOException ignored) {
        // already failing
      }
      throw e;
    }
  }

  private SSLSocketFactory sslFactory() throws IOException {
    SSLSocketFactory f = sslFactory;
    if (f == null) {
      synchronized (this) {
        f = sslFactory;
        if (f == null) {
          sslFactory = f = tls.make().getSocketFactory();
        }
      }
    }
    return f;
  }

  private Exchange readAnswer(Conn c, String method, URI uri) throws IOException {
    while (true) {
      List<String> lines = readHead(c);
      String status = lines.get(0);
      // HTTP/1.x NNN reason
      if (!status.startsWith("HTTP/1.") || status.length() < 12 || status.charAt(8) != ' ') {
        throw new ProtocolException("not an HTTP/1.x answer from " + uri.getAuthority() + ": \""
            + status.substring(0, Math.min(status.length(), 80)) + "\"");
      }
      int code;
      try {
        code = Integer.parseInt(status.substring(9, 12));
      } catch (NumberFormatException e) {
        throw new ProtocolException("bad status line from " + uri.getAuthority() + ": \"" + status + "\"");
      }
      Map<String, List<String>> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.size(); i++) {
        String l = lines.get(i);
        int colon = l.indexOf(':');
        if (colon <= 0) {
          throw new ProtocolException("bad header line from " + uri.getAuthority() + ": \""
              + l.substring(0, Math.min(l.length(), 80)) + "\"");
        }
        headers.computeIfAbsent(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>(1))
            .add(l.substring(colon + 1).trim());
      }
      if (code >= 100 && code < 200) {
        continue; // 100 Continue and other interim answers
      }
      boolean http10 = status.startsWith("HTTP/1.0");
      String connection = first(headers, "connection").orElse("").toLowerCase(Locale.ROOT);
      boolean keep = http10 ? connection.contains("keep-alive") : !connection.contains("close");
      ResponseBody body;
      if (method.equals("HEAD") || code == 204 || code == 304) {
        body = new ResponseBody(c, 0, false, keep);
      } else if (first(headers, "transfer-encoding").map(t -> t.toLowerCase(Locale.ROOT).endsWith("chunked")).orElse(false)) {
        body = new ResponseBody(c, -1, true, keep);
      } else if (first(headers, "content-length").isPresent()) {
        long len;
        try {
          len = Long.parseLong(first(headers, "content-length").get());
        } catch (NumberFormatException e) {
          throw new ProtocolException("bad Content-Length from " + uri.getAuthority());
        }
        if (len < 0) {
          throw new ProtocolException("negative Content-Length from " + uri.getAuthority());
        }
        body = new ResponseBody(c, len, false, keep);
      } else {
        body = new ResponseBody(c, -1, false, false); // until the server closes
      }
      return new Exchange(uri, code, headers, body);
    }
  }

  /** The lines of an answer's head, without the empty line that ends it. */
  private static List<String> readHead(Conn c) throws IOException {
    List<String> lines = new ArrayList<>(12);
    ByteArrayOutputStream line = new ByteArrayOutputStream(128);
    int total = 0;
    while (true) {
      int b = c.in.read();
      if (b < 0) {
        throw new EOFException(c.answered ? "connection closed in the middle of an answer's head"
            : "connection closed before an answer");
      }
      c.answered = true;
      if (++total > MAX_HEAD_BYTES) {
        throw new ProtocolException("an answer's head is longer than " + MAX_HEAD_BYTES + " bytes");
      }
      if (b == '\n') {
        String s = line.toString(StandardCharsets.ISO_8859_1);
        if (s.endsWith("\r")) {
          s = s.substring(0, s.length() - 1);
        }
        line.reset();
        if (s.isEmpty()) {
          if (lines.isEmpty()) {
            continue; // a stray CRLF before the status line
          }
          return lines;
        }
        lines.add(s);
      } else {
        line.write(b);
      }
    }
  }

  private static Optional<String> first(Map<String, List<String>> headers, String lowerName) {
    List<String> v = headers.get(lowerName);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
  }

  /** An answer: status and head read, the body to read (or close unread). */
  static final class Exchange implements AutoCloseable {
    private final URI uri;
    private final int status;
    private final Map<String, List<String>> headers;
    private final ResponseBody body;

    Exchange(URI uri, int status, Map<String, List<String>> headers, ResponseBody body) {
      this.uri = uri;
      this.status = status;
      this.headers = headers;
      this.body = body;
    }

    int status() {
      return status;
    }

    URI uri() {
      return uri;
    }

    Optional<String> header(String name) {
      return first(headers, name.toLowerCase(Locale.ROOT));
    }

    ResponseBody body() {
      return body;
    }

    @Override
    public void close() {
      body.close();
    }
  }

  /** A connection; closed at most once, from any thread (the watchdog's too). */
  private static final class Conn {
    final String key;
    final Socket socket;
    final InputStream in;
    final OutputStream out;
    volatile boolean reused;
    volatile boolean answered;
    volatile boolean timedOut;
    private volatile boolean closed;

    Conn(String key, Socket socket) throws IOException {
      this.key = key;
      this.socket = socket;
      this.in = new BufferedInputStream(socket.getInputStream(), IO_BUFFER);
      this.out = new BufferedOutputStream(socket.getOutputStream(), IO_BUFFER);
    }

    void close() {
      if (!closed) {
        closed = true;
        try {
          socket.close();
        } catch (IOException ignored) {
          // nothing to keep
        }
      }
    }
  }

  /**
   * An answer's body: {@code length} bytes, chunks, or everything up to the end of the
   * connection (length -1, not chunked). Read to its end, the connection is kept for the next
   * exchange with the host.
   */
  final class ResponseBody extends InputStream {
    private final Conn conn;
    private final boolean chunked;
    private final boolean keep;
    private long left; // in the body (length-delimited) or in the current chunk; -1: unknown
    private boolean done;
    private boolean closed;

    ResponseBody(Conn conn, long length, boolean chunked, boolean keep) {
      this.conn = conn;
      this.chunked = chunked;
      this.keep = keep;
      this.left = chunked ? 0 : length;
      if (!chunked && length == 0) {
        finish();
      }
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (closed) {
        throw new IOException("response body already closed");
      }
      if (len == 0) {
        return 0;
      }
      if (done) {
        return -1;
      }
      if (chunked && left == 0) {
        left = nextChunk();
        if (left == 0) {
          readTrailers();
          finish();
          return -1;
        }
      }
      int want = left < 0 ? len : (int) Math.min(len, left);
      int n;
      try {
        n = conn.in.read(b, off, want);
      } catch (IOException e) {
        fail();
        throw e;
      }
      if (n < 0) {
        if (left < 0 && !chunked) {
          finish();
          return -1;
        }
        fail();
        throw new EOFException("connection closed with " + left + " bytes of the answer still to come");
      }
      if (left > 0) {
        left -= n;
        if (left == 0 && !chunked) {
          finish();
        }
      }
      return n;
    }

    private long nextChunk() throws IOException {
      String line = chunkLine();
      int semi = line.indexOf(';');
      String hex = (semi >= 0 ? line.substring(0, semi) : line).trim();
      try {
        long n = Long.parseLong(hex, 16);
        if (n < 0) {
          throw new NumberFormatException();
        }
        return n;
      } catch (NumberFormatException e) {
        fail();
        throw new ProtocolException("bad chunk size \"" + hex + "\"");
      }
    }

    /** A CRLF-ended line; before each chunk after the first, the CRLF that ended the last one is skipped. */
    private String chunkLine() throws IOException {
      StringBuilder s = new StringBuilder();
      while (true) {
        int ch = conn.in.read();
        if (ch < 0) {
          fail();
          throw new EOFException("connection closed inside a chunked answer");
        }
        if (ch == '\n') {
          String l = s.toString().trim();
          if (l.isEmpty()) {
            s.setLength(0);
            continue; // the CRLF after a chunk's data
          }
          return l;
        }
        if (s.length() > 4096) {
          fail();
          throw new ProtocolException("chunk header line too long");
        }
        s.append((char) ch);
      }
    }

    private void readTrailers() throws IOException {
      int total = 0;
      int lineLength = 0;
      while (true) {
        int ch = conn.in.read();
        if (ch < 0) {
          fail();
          throw new EOFException("connection closed in a chunked answer's trailer");
        }
        if (++total > MAX_HEAD_BYTES) {
          fail();
          throw new ProtocolException("chunked trailer too long");
        }
        if (ch == '\n') {
          if (lineLength == 0) {
            return;
          }
          lineLength = 0;
        } else if (ch != '\r') {
          lineLength++;
        }
      }
    }

    private void finish() {
      if (!done) {
        done = true;
        if (keep && !conn.timedOut) {
          release(conn);
        } else {
          conn.close();
        }
      }
    }

    private void fail() {
      done = true;
      conn.close();
    }

    /** The whole body, refusing more than {@code limit} bytes (manifests, error documents, tokens). */
    byte[] readLimited(int limit, String what) throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
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
      if (closed) {
        return;
      }
      if (!done) {
        if (!chunked && left >= 0 && left <= DRAIN_ON_CLOSE) {
          try {
            byte[] buf = new byte[8192];
            while (!done && read(buf, 0, buf.length) >= 0) {
              // drained: the connection goes back to the pool
            }
          } catch (IOException e) {
            fail();
          }
        } else {
          fail();
        }
      }
      closed = true;
    }
  }
}
