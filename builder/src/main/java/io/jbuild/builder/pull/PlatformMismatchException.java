package io.jbuild.builder.pull;

import java.io.IOException;

/** The image has no manifest for the wanted platform; the message names the image and the platforms it has. */
public final class PlatformMismatchException extends IOException {
  private static final long serialVersionUID = 1L;

  public PlatformMismatchException(String message) {
    super(message);
  }
}
