package io.jbuild.registry.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A throw-away CA and a server certificate for 127.0.0.1/localhost, made with openssl (EC P-256
 * keys: fast to generate). {@code certDir} holds {@code ca.crt} as skopeo's --cert-dir expects.
 */
public record TestCertificates(Path dir, Path caCertificate, Path serverCertificate, Path serverKey, Path certDir) {

  public static TestCertificates create(Path dir) throws IOException {
    String openssl = Prerequisites.require("openssl").toString();
    Files.createDirectories(dir);
    Path caKey = dir.resolve("ca.key");
    Path ca = dir.resolve("ca.crt");
    Tools.run(dir, openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", caKey.toString(), "-out", ca.toString(), "-days", "2", "-subj", "/CN=jbuild test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    Path key = dir.resolve("server.key");
    Path csr = dir.resolve("server.csr");
    Tools.run(dir, openssl, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=127.0.0.1");
    Path ext = dir.resolve("server.ext");
    Files.writeString(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
        + "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
    Path cert = dir.resolve("server.crt");
    Tools.run(dir, openssl, "x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(),
        "-CAcreateserial", "-out", cert.toString(), "-days", "2", "-extfile", ext.toString());
    Path certDir = dir.resolve("certs.d");
    Files.createDirectories(certDir);
    Files.copy(ca, certDir.resolve("ca.crt"));
    return new TestCertificates(dir, ca, cert, key, certDir);
  }
}
