package io.jbuild.api;

import io.jbuild.builder.sys.NativeSha256;

/**
 * SHA-256 through libcrypto for this whole JVM (see {@link NativeSha256}): what lets the
 * {@code jbuild} launcher run its JVM with the C1 compiler alone. For programs that own their
 * JVM, like the CLI; a library user who calls nothing here keeps the JDK's providers.
 */
public final class NativeDigests {
  private NativeDigests() {}

  /** Installs it; false when libjbuild.so or libcrypto is missing (the JDK's SHA-256 stays). */
  public static boolean install() {
    return NativeSha256.install();
  }
}
