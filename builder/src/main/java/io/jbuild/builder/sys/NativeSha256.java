package io.jbuild.builder.sys;

import java.security.MessageDigest;

/**
 * SHA-256 through OpenSSL's libcrypto (builder/src/main/c/jbuild_sha256.c), as a {@link
 * MessageDigest}. It runs at the speed of the JDK's SHA-256 after C2 has compiled it (both use
 * the CPU's SHA extensions), but from the first byte and with the C1 compiler alone: the CLI
 * makes it what {@code io.jbuild.oci.Digest.newSha256()} returns (api's NativeDigests), and its
 * launcher then runs the JVM without C2, whose compiler thread would otherwise take a
 * core-second of a 4 s build on two cores. Where libjbuild.so or libcrypto is missing, {@link
 * #available()} is false and the JDK's SHA-256 stays.
 */
public final class NativeSha256 extends MessageDigest implements Cloneable {
  private static final int CTX_BYTES = 128;
  private static final int SMALL = 256;
  private static final boolean AVAILABLE = LibCJni.loaded() && open();

  private byte[] ctx = new byte[CTX_BYTES];
  /** Short updates (a byte, a header) gather here: one JNI call for many. */
  private byte[] small = new byte[SMALL];
  private int smallLength;

  public NativeSha256() {
    super("SHA-256");
    if (!AVAILABLE) {
      throw new IllegalStateException("libcrypto's SHA-256 is not available");
    }
    check(init(ctx));
  }

  /** Whether libjbuild.so and libcrypto are here. */
  public static boolean available() {
    return AVAILABLE;
  }

  @Override
  protected int engineGetDigestLength() {
    return 32;
  }

  @Override
  protected void engineUpdate(byte input) {
    small[smallLength++] = input;
    if (smallLength == SMALL) {
      flush();
    }
  }

  @Override
  protected void engineUpdate(byte[] input, int offset, int len) {
    if (len <= 0) {
      return;
    }
    java.util.Objects.checkFromIndexSize(offset, len, input.length);
    if (len < 64 && smallLength + len < SMALL) {
      System.arraycopy(input, offset, small, smallLength, len);
      smallLength += len; // stays below SMALL: a single byte always has room
      return;
    }
    flush();
    check(update(ctx, input, offset, len));
  }

  @Override
  protected byte[] engineDigest() {
    flush();
    byte[] out = new byte[32];
    check(finish(ctx, out));
    check(init(ctx));
    return out;
  }

  @Override
  protected void engineReset() {
    smallLength = 0;
    check(init(ctx));
  }

  @Override
  public Object clone() throws CloneNotSupportedException {
    NativeSha256 copy = (NativeSha256) super.clone();
    copy.ctx = ctx.clone();
    copy.small = small.clone();
    return copy;
  }

  private void flush() {
    if (smallLength > 0) {
      check(update(ctx, small, 0, smallLength));
      smallLength = 0;
    }
  }

  private static void check(int rc) {
    if (rc != 0) {
      throw new IllegalStateException("libcrypto's SHA-256 failed");
    }
  }

  private static native boolean open();

  private static native int init(byte[] ctx);

  private static native int update(byte[] ctx, byte[] data, int off, int len);

  private static native int finish(byte[] ctx, byte[] out);
}
