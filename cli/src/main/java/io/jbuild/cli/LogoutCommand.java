package io.jbuild.cli;

import io.jbuild.api.BuildException;
import io.jbuild.api.RegistryLogin;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jbuild logout}: like {@code docker logout}. */
@Command(name = "logout", description = "Remove the stored credentials of a registry.", mixinStandardHelpOptions = true,
    footer = {"", "Example:", "  jbuild logout registry.example.com"})
final class LogoutCommand implements Callable<Integer> {
  @Parameters(arity = "0..1", paramLabel = "REGISTRY", description = "host[:port] (default: docker.io)")
  String registry;

  @Override
  public Integer call() {
    String reg = RegistryLogin.registryOrDefault(registry);
    try {
      if (RegistryLogin.fromEnvironment().logout(reg)) {
        System.out.println("Removed login credentials for " + reg);
      } else {
        System.out.println("Not logged in to " + reg);
      }
      return Main.OK;
    } catch (BuildException e) {
      return Errors.report(e);
    }
  }
}
