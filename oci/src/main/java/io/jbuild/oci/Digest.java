package io.jbuild.oci;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest, {@code algorithm:encoded}, as defined by the OCI image spec
 * (descriptor.md#digests). Only sha256 and sha512 are accepted for content we verify.
 */
public record Digest(String algorithm, String encoded) implements Comparable<Digest> {
  private static final Pattern SHA256 = Pattern.compile("[a-f0-9]{64}");
  private static final Pattern SHA512 = Pattern.compile("[a-f0-9]{128}");

  public Digest {
    switch (algorithm) {
      case "sha256" -> {
        if (!SHA256.matcher(encoded).matches()) {
          throw new IllegalArgumentException("invalid sha256 digest: " + algorithm + ":" + encoded);
        }
      }
      case "sha512" -> {
        if (!SHA512.matcher(encoded).matches()) {
          throw new IllegalArgumentException("invalid sha512 digest: " + algorithm + ":" + encoded);
        }
      }
      default -> throw new IllegalArgumentException("unsupported digest algorithm: " + algorithm);
    }
  }

  /** Parses {@code sha256:<64 hex>}; throws IllegalArgumentException with the bad text. */
  @JsonCreator
  public static Digest parse(String text) {
    int colon = text == null ? -1 : text.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("invalid digest: " + text);
    }
    return new Digest(text.substring(0, colon), text.substring(colon + 1));
  }

  public static Digest sha256(byte[] content) {
    return new Digest("sha256", HexFormat.of().formatHex(newSha256().digest(content)));
  }

  public static Digest sha256(String utf8) {
    return sha256(utf8.getBytes(StandardCharsets.UTF_8));
  }

  /** Wraps the result of a finished {@link MessageDigest} of SHA-256. */
  public static Digest ofSha256(byte[] rawDigest) {
    return new Digest("sha256", HexFormat.of().formatHex(rawDigest));
  }

  /** Where {@link #newSha256} gets its digests: the JDK's, unless {@link #useSha256} said otherwise. */
  private static volatile java.util.function.Supplier<MessageDigest> sha256Factory = Digest::jdkSha256;

  /**
   * Makes {@link #newSha256} (every SHA-256 jbuild computes) come from {@code factory}: the CLI
   * installs libcrypto's (builder's NativeSha256) this way, without touching the JVM's security
   * providers (inserting one loads all of them: 60 ms of every start).
   */
  public static void useSha256(java.util.function.Supplier<MessageDigest> factory) {
    sha256Factory = java.util.Objects.requireNonNull(factory);
  }

  public static MessageDigest newSha256() {
    return sha256Factory.get();
  }

  private static MessageDigest jdkSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first 12 hex characters, as docker shows image ids. */
  public String shortHex() {
    return encoded.substring(0, 12);
  }

  @JsonValue
  @Override
  public String toString() {
    return algorithm + ":" + encoded;
  }

  @Override
  public int compareTo(Digest o) {
    return toString().compareTo(o.toString());
  }

  // equals and hashCode written out: a record's generated ones are bootstrapped through
  // invokedynamic (java.lang.runtime.ObjectMethods) on first use, ~20 ms of a 0.5 s cold build
  @Override
  public boolean equals(Object o) {
    return o instanceof Digest d && algorithm.equals(d.algorithm) && encoded.equals(d.encoded);
  }

  @Override
  public int hashCode() {
    return 31 * algorithm.hashCode() + encoded.hashCode();
  }
}
