package io.jbuild.cli;

import io.jbuild.api.BuildException;
import io.jbuild.api.LocalImages;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jbuild load}: like {@code docker load}, an image archive into the local store. */
@Command(name = "load", description = "Load images from an OCI layout or docker-archive tar (plain or gzip).",
    mixinStandardHelpOptions = true,
    footer = {"", "Examples:", "  jbuild load -i app.tar", "  jbuild save -o - app:1.0 | jbuild load --root /other/root"})
final class LoadCommand implements Callable<Integer> {
  @Option(names = {"-i", "--input"}, paramLabel = "FILE", description = "the archive; '-' or none reads stdin")
  String input;

  @Option(names = {"-q", "--quiet"}, description = "print nothing but errors")
  boolean quiet;

  @Mixin
  RootOption root;

  @Override
  public Integer call() {
    boolean stdin = input == null || input.equals("-");
    String source = stdin ? "standard input" : input;
    try (InputStream in = stdin ? System.in : Files.newInputStream(Path.of(input))) {
      List<LocalImages.Loaded> loaded = LocalImages.open(root.get()).load(in, source);
      if (!quiet) {
        for (LocalImages.Loaded l : loaded) {
          if (l.names().isEmpty()) {
            System.out.println("Loaded image: " + l.manifest());
          }
          for (String n : l.names()) {
            System.out.println("Loaded image: " + n);
          }
        }
      }
      return Main.OK;
    } catch (NoSuchFileException e) {
      System.err.println("error: load: " + input + ": no such file");
      return Main.USAGE;
    } catch (IOException e) {
      System.err.println("error: load: cannot read " + source + ": " + e.getMessage());
      return Main.BUILD_FAILED;
    } catch (BuildException e) {
      return Errors.report(e);
    }
  }
}
