package io.jbuild.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * An SSL context made on its first use. {@code java.net.http.HttpClient} asks for its context
 * when it is built; setting up JSSE (the JDK's trust store, providers, cipher tables) costs a
 * fifth of a second of a short run, which a pull from a plain-HTTP registry never needs. Give
 * the client explicit {@link SSLParameters} too, or it asks the context for its defaults.
 */
final class LazySslContext extends SSLContext {
  /** Makes the real context; an IOException names what is wrong (a CA file, say). */
  @FunctionalInterface
  interface Factory {
    SSLContext make() throws IOException;
  }

  LazySslContext(Factory factory) {
    super(new Spi(factory), null, "TLS");
  }

  private static final class Spi extends SSLContextSpi {
    private final Factory factory;
    private volatile SSLContext real;

    Spi(Factory factory) {
      this.factory = factory;
    }

    private SSLContext real() {
      SSLContext r = real;
      if (r == null) {
        synchronized (this) {
          r = real;
          if (r == null) {
            try {
              real = r = factory.make();
            } catch (IOException e) {
              throw new UncheckedIOException(e.getMessage(), e);
            }
          }
        }
      }
      return r;
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
      throw new KeyManagementException("a lazily made SSL context is initialised by its factory");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      return real().getSocketFactory();
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      return real().getServerSocketFactory();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      return real().createSSLEngine();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      return real().createSSLEngine(host, port);
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return real().getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return real().getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      return real().getDefaultSSLParameters();
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      return real().getSupportedSSLParameters();
    }
  }
}
