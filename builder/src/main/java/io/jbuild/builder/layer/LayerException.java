package io.jbuild.builder.layer;

import java.io.IOException;

/** A layer that cannot be written or unpacked; the message names the layer and the entry. */
public class LayerException extends IOException {
  private static final long serialVersionUID = 1L;

  public LayerException(String message) {
    super(message);
  }

  public LayerException(String message, Throwable cause) {
    super(message, cause);
  }
}
