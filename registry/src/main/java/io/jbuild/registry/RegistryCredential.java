package io.jbuild.registry;

/**
 * A user name and secret for one registry. Docker stores OAuth2 refresh tokens with the user name
 * {@code <token>} ("identitytoken"); {@link #isIdentityToken()} tells that case.
 */
public record RegistryCredential(String username, String secret) {
  static final String IDENTITY_TOKEN_USER = "<token>";

  public RegistryCredential {
    if (username == null || secret == null) {
      throw new IllegalArgumentException("a registry credential needs a user name and a secret");
    }
  }

  public static RegistryCredential identityToken(String token) {
    return new RegistryCredential(IDENTITY_TOKEN_USER, token);
  }

  public boolean isIdentityToken() {
    return IDENTITY_TOKEN_USER.equals(username);
  }

  @Override
  public String toString() {
    return "RegistryCredential[" + username + ", ****]";
  }
}
