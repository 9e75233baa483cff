package io.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LazySslContextTest {
  @Test
  void context_isMadeOnFirstUseOnly_andOnce() {
    AtomicInteger made = new AtomicInteger();
    LazySslContext ctx = new LazySslContext(() -> {
      made.incrementAndGet();
      return TlsContexts.unverified();
    });
    java.net.http.HttpClient.newBuilder().sslContext(ctx).sslParameters(new javax.net.ssl.SSLParameters()).build();
    assertEquals(0, made.get(), "building a client does not set up TLS");
    assertNotNull(ctx.createSSLEngine("example.com", 443));
    assertNotNull(ctx.createSSLEngine());
    assertEquals(1, made.get());
  }

  @Test
  void factoryFailure_surfacesWithItsMessage() {
    LazySslContext ctx = new LazySslContext(() -> {
      throw new IOException("cannot read CA certificates from /x.pem");
    });
    UncheckedIOException e = assertThrows(UncheckedIOException.class, ctx::createSSLEngine);
    assertTrue(e.getMessage().contains("/x.pem"), e.getMessage());
  }
}
