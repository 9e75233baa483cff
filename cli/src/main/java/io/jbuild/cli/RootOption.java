package io.jbuild.cli;

import io.jbuild.api.DockerfileBuild;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** --root, shared by every command that touches the store. */
final class RootOption {
  @Option(names = "--root", paramLabel = "DIR",
      description = "jbuild's storage root (default: $JBUILD_ROOT, /var/lib/jbuild as root, else ~/.local/share/jbuild)")
  Path root;

  Path get() {
    return root != null ? root : DockerfileBuild.defaultRoot();
  }
}
