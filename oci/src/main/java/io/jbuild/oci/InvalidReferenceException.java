package io.jbuild.oci;

/** A malformed image reference; the message quotes the reference and what is wrong with it. */
public class InvalidReferenceException extends InvalidContentException {
  private static final long serialVersionUID = 1L;

  public InvalidReferenceException(String reference, String why) {
    super("invalid image reference \"" + reference + "\": " + why);
  }
}
