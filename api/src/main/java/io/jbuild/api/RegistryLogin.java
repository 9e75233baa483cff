package io.jbuild.api;

import io.jbuild.registry.CredentialStore;
import io.jbuild.registry.RegistryAccess;
import io.jbuild.registry.RegistryConfig;
import io.jbuild.registry.RegistryCredential;
import io.jbuild.registry.RegistryException;
import java.io.IOException;

/**
 * {@code jbuild login} and {@code logout}: credentials checked against the registry, then kept
 * where Docker keeps them ({@code $DOCKER_CONFIG/config.json}, through its credential helper when
 * one is configured), so that jbuild, docker, podman and skopeo share one login.
 */
public final class RegistryLogin {
  private final RegistryConfig config;

  private RegistryLogin(RegistryConfig config) {
    this.config = config;
  }

  /** Logins for this process's environment (DOCKER_CONFIG, HOME). */
  public static RegistryLogin fromEnvironment() {
    return new RegistryLogin(RegistryConfig.defaults());
  }

  /** Docker Hub when {@code registry} is null or empty, as {@code docker login} does. */
  public static String registryOrDefault(String registry) {
    return registry == null || registry.isBlank() ? "docker.io" : registry.trim();
  }

  /** Checks the credential with the registry, then stores it; returns where it was stored. */
  public String login(String registry, String username, char[] password) throws BuildException {
    if (username == null || username.isEmpty()) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT, "login: a username is needed (-u USER)", null);
    }
    if (password == null || password.length == 0) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT, "login: the password is empty", null);
    }
    RegistryCredential credential = new RegistryCredential(username, new String(password));
    RegistryConfig withCredential = config.withCredential(registry, credential);
    try {
      new RegistryAccess(withCredential).checkLogin(registry);
    } catch (RegistryException e) {
      throw new BuildException(e.status() == 401 || e.status() == 403 ? BuildException.Kind.INVALID_INPUT
          : BuildException.Kind.ENVIRONMENT, "login to " + registry + " failed: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new BuildException(BuildException.Kind.ENVIRONMENT, "login to " + registry + " failed: " + e.getMessage(), e);
    }
    try {
      return new CredentialStore(config).login(registry, credential);
    } catch (IOException | RuntimeException e) {
      throw new BuildException(BuildException.Kind.ENVIRONMENT, "login to " + registry
          + " succeeded but the credentials could not be stored: " + e.getMessage(), e);
    }
  }

  /** Removes the stored credential; false when there was none. */
  public boolean logout(String registry) throws BuildException {
    try {
      return new CredentialStore(config).logout(registry);
    } catch (IOException | RuntimeException e) {
      throw new BuildException(BuildException.Kind.ENVIRONMENT, "logout from " + registry + " failed: " + e.getMessage(), e);
    }
  }
}
