package io.jbuild.oci;

/** Content that is not what it claims to be: malformed JSON, a digest mismatch, a bad reference. */
public class InvalidContentException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidContentException(String message) {
    super(message);
  }

  public InvalidContentException(String message, Throwable cause) {
    super(message, cause);
  }
}
