package io.jbuild.api;

import io.jbuild.builder.sys.NativeSha256;
import io.jbuild.oci.Digest;

/**
 * SHA-256 through libcrypto for all that jbuild hashes (see {@link NativeSha256}): what lets the
 * {@code jbuild} launcher run its JVM with the C1 compiler alone. For programs that own their
 * JVM, like the CLI; a library user who calls nothing here keeps the JDK's providers.
 */
public final class NativeDigests {
  private NativeDigests() {}

  /**
   * Makes it the SHA-256 of {@link Digest#newSha256} (everything jbuild hashes); false when
   * libjbuild.so or libcrypto is missing (the JDK's SHA-256 stays).
   */
  public static boolean install() {
    if (!NativeSha256.available()) {
      return false;
    }
    Digest.useSha256(NativeSha256::new);
    return true;
  }
}
