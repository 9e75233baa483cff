package io.jbuild.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/** SSL contexts: the JDK's trust store plus configured CA files; and the unverified one for insecure registries. */
final class TlsContexts {
  private TlsContexts() {}

  /** Trusts the JDK's CAs and every certificate in the PEM files {@code caFiles}, with host name checks. */
  static SSLContext verifying(List<Path> caFiles) throws IOException {
    try {
      X509ExtendedTrustManager system = trustManager(null);
      if (caFiles.isEmpty()) {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {system}, null);
        return ctx;
      }
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      int n = 0;
      for (Path file : caFiles) {
        try (InputStream in = Files.newInputStream(file)) {
          for (var cert : cf.generateCertificates(in)) {
            ks.setCertificateEntry("ca-" + n++, cert);
          }
        } catch (CertificateException e) {
          throw new IOException("cannot read CA certificates from " + file + ": " + e.getMessage(), e);
        }
      }
      X509ExtendedTrustManager extra = trustManager(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {new Either(system, extra)}, null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS: " + e.getMessage(), e);
    }
  }

  /** Accepts any certificate and host: only for registries the user named insecure, like Docker's insecure-registries. */
  static SSLContext unverified() throws IOException {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {new AcceptAll()}, null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS: " + e.getMessage(), e);
    }
  }

  private static X509ExtendedTrustManager trustManager(KeyStore ks) throws GeneralSecurityException {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509ExtendedTrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("no X509 trust manager");
  }

  /** Trusted when either manager trusts the chain (each also checks the host name). */
  private static final class Either extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager a;
    private final X509ExtendedTrustManager b;

    Either(X509ExtendedTrustManager a, X509ExtendedTrustManager b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      try {
        a.checkServerTrusted(chain, authType, engine);
      } catch (CertificateException e) {
        b.checkServerTrusted(chain, authType, engine);
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      try {
        a.checkServerTrusted(chain, authType, socket);
      } catch (CertificateException e) {
        b.checkServerTrusted(chain, authType, socket);
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      try {
        a.checkServerTrusted(chain, authType);
      } catch (CertificateException e) {
        b.checkServerTrusted(chain, authType);
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      a.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      a.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      a.checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      X509Certificate[] x = a.getAcceptedIssuers();
      X509Certificate[] y = b.getAcceptedIssuers();
      X509Certificate[] all = java.util.Arrays.copyOf(x, x.length + y.length);
      System.arraycopy(y, 0, all, x.length, y.length);
      return all;
    }
  }

  private static final class AcceptAll extends X509ExtendedTrustManager {
    @Override public void checkClientTrusted(X509Certificate[] c, String a, Socket s) {}
    @Override public void checkServerTrusted(X509Certificate[] c, String a, Socket s) {}
    @Override public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {}
    @Override public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) {}
    @Override public void checkClientTrusted(X509Certificate[] c, String a) {}
    @Override public void checkServerTrusted(X509Certificate[] c, String a) {}
    @Override public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
