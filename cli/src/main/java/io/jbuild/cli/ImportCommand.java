package io.jbuild.cli;

import io.jbuild.api.BuildException;
import io.jbuild.api.ImageImport;
import io.jbuild.oci.Descriptor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "import", description = "Create an image of one layer from a directory (like docker import).",
    mixinStandardHelpOptions = true,
    footer = {"", "Example:", "  jbuild import --change 'CMD [\"sh\"]' ./rootfs mybase:1.0"})
final class ImportCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "DIR", description = "the directory that becomes the image's filesystem")
  Path dir;

  @Parameters(index = "1", paramLabel = "NAME[:TAG]", description = "the name to store the image under")
  String name;

  @Option(names = {"-c", "--change"}, paramLabel = "INSTRUCTION",
      description = "a Dockerfile instruction applied to the config: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR, STOPSIGNAL")
  List<String> changes = new ArrayList<>();

  @Option(names = {"-m", "--message"}, description = "the history comment")
  String message;

  @Option(names = {"-q", "--quiet"}, description = "print nothing but errors")
  boolean quiet;

  @Mixin
  RootOption root;

  @Override
  public Integer call() {
    try {
      Descriptor manifest = ImageImport.fromDirectory(root.get(), dir, name, changes, message);
      if (!quiet) {
        System.out.println(manifest.digest());
      }
      return Main.OK;
    } catch (BuildException e) {
      System.err.println("error: " + e.getMessage());
      return e.kind() == BuildException.Kind.INVALID_INPUT ? Main.USAGE : Main.BUILD_FAILED;
    }
  }
}
