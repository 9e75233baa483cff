package io.jbuild.cli;

import io.jbuild.api.BuildException;
import io.jbuild.api.RegistryLogin;
import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jbuild login}: like {@code docker login}. The password comes from standard input
 * ({@code --password-stdin}) or from the terminal without echo; there is deliberately no
 * {@code --password} flag, which would leave it in the shell history and in {@code ps}.
 */
@Command(name = "login", description = "Log in to a registry (stores the credentials in Docker's config.json).",
    mixinStandardHelpOptions = true,
    footer = {"", "Examples:", "  echo \"$TOKEN\" | jbuild login -u ci --password-stdin registry.example.com",
        "  jbuild login -u me 127.0.0.1:5000"})
final class LoginCommand implements Callable<Integer> {
  @Parameters(arity = "0..1", paramLabel = "REGISTRY", description = "host[:port] (default: docker.io)")
  String registry;

  @Option(names = {"-u", "--username"}, paramLabel = "USER")
  String username;

  @Option(names = "--password-stdin", description = "read the password from standard input (one line)")
  boolean passwordStdin;

  @Override
  public Integer call() {
    String reg = RegistryLogin.registryOrDefault(registry);
    Console console = System.console();
    char[] password = null;
    try {
      if (username == null && console != null && !passwordStdin) {
        username = console.readLine("Username: ");
      }
      if (passwordStdin) {
        password = readLine(System.in);
      } else if (console != null) {
        password = console.readPassword("Password: ");
      } else {
        System.err.println("error: login: no terminal to ask for the password: use --password-stdin");
        return Main.USAGE;
      }
      String where = RegistryLogin.fromEnvironment().login(reg, username, password);
      System.out.println("Login Succeeded (credentials stored in " + where + ")");
      return Main.OK;
    } catch (IOException e) {
      System.err.println("error: login: cannot read the password from standard input: " + e.getMessage());
      return Main.BUILD_FAILED;
    } catch (BuildException e) {
      return Errors.report(e);
    } finally {
      if (password != null) {
        Arrays.fill(password, '\0');
      }
    }
  }

  /** The first line of {@code in}, without its line end (as docker login --password-stdin trims it). */
  static char[] readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      b.write(c);
    }
    byte[] bytes = b.toByteArray();
    int n = bytes.length;
    if (n > 0 && bytes[n - 1] == '\r') {
      n--;
    }
    CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes, 0, n));
    Arrays.fill(bytes, (byte) 0);
    char[] out = new char[chars.remaining()];
    chars.get(out);
    return out;
  }
}
