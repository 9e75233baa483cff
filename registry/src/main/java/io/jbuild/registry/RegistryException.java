package io.jbuild.registry;

import java.io.IOException;

/**
 * A registry operation that failed. The message names the registry, the repository, the HTTP
 * status (0 when no answer came) and which credential source was used, so that a 401 says what was
 * tried and a 404 says where.
 */
public class RegistryException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String registry;
  private final String repository;
  private final int status;
  private final String credentialSource;
  private final transient boolean retryable;

  public RegistryException(String registry, String repository, int status, String credentialSource,
      String detail, Throwable cause) {
    this(registry, repository, status, credentialSource, detail, false, cause);
  }

  RegistryException(String registry, String repository, int status, String credentialSource,
      String detail, boolean retryable, Throwable cause) {
    super(message(registry, repository, status, credentialSource, detail), cause);
    this.registry = registry;
    this.repository = repository;
    this.status = status;
    this.credentialSource = credentialSource;
    this.retryable = retryable;
  }

  private static String message(String registry, String repository, int status, String source, String detail) {
    StringBuilder b = new StringBuilder("registry ").append(registry);
    if (repository != null) {
      b.append(", repository ").append(repository);
    }
    b.append(": ").append(detail);
    if (status > 0) {
      b.append(" (HTTP ").append(status).append(')');
    }
    if (source != null) {
      b.append("; credentials: ").append(source);
    }
    return b.toString();
  }

  public String registry() {
    return registry;
  }

  public String repository() {
    return repository;
  }

  /** The HTTP status, or 0 when the registry gave no answer (connection refused, timeout). */
  public int status() {
    return status;
  }

  /** Which credential source was used or looked for; null when the registry asked for none. */
  public String credentialSource() {
    return credentialSource;
  }

  boolean retryable() {
    return retryable;
  }
}
