package io.jbuild.cli;

import io.jbuild.api.BuildException;
import io.jbuild.api.LocalImages;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "images", description = "List the images in the local store.", mixinStandardHelpOptions = true,
    footer = {"", "Example:", "  jbuild images -q"})
final class ImagesCommand implements Callable<Integer> {
  @Option(names = {"-q", "--quiet"}, description = "print image ids only")
  boolean quiet;

  @Mixin
  RootOption root;

  @Override
  public Integer call() {
    try {
      List<LocalImages.Summary> rows = LocalImages.open(root.get()).list();
      if (quiet) {
        rows.stream().map(r -> r.imageId().shortHex()).distinct().forEach(System.out::println);
        return Main.OK;
      }
      String fmt = "%-40s %-16s %-14s %-16s %s%n";
      System.out.printf(fmt, "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
      for (LocalImages.Summary r : rows) {
        System.out.printf(fmt, r.repository(), r.tag() == null ? "<none>" : r.tag(),
            r.imageId() == null ? "<unknown>" : r.imageId().shortHex(), ago(r.created()), PlainProgress.human(r.size()));
      }
      return Main.OK;
    } catch (BuildException e) {
      return Errors.report(e);
    }
  }

  static String ago(Instant t) {
    if (t == null) {
      return "N/A";
    }
    Duration d = Duration.between(t, Instant.now());
    if (d.isNegative() || d.toMinutes() < 1) {
      return "seconds ago";
    }
    if (d.toHours() < 1) {
      return d.toMinutes() + " minutes ago";
    }
    if (d.toDays() < 2) {
      return d.toHours() + " hours ago";
    }
    return d.toDays() + " days ago";
  }
}
