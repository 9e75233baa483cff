package io.jbuild.cli;

import io.jbuild.api.BuildException;
import io.jbuild.api.Maintenance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** prune and du: the storage root's size. */
final class MaintenanceCommands {
  private MaintenanceCommands() {}

  @Command(name = "prune", description = "Remove build cache and blobs no image needs.", mixinStandardHelpOptions = true,
      footer = {"", "Examples:", "  jbuild prune", "  jbuild prune --all", "  jbuild prune --keep-storage 10GB",
          "  jbuild prune --filter until=24h",
          "", "Images in `jbuild images` and their layers are never removed; `jbuild rmi` first."})
  static final class Prune implements Callable<Integer> {
    @Option(names = {"-a", "--all"}, description = "remove the whole build cache, not only old or broken entries")
    boolean all;

    @Option(names = "--keep-storage", paramLabel = "SIZE", description = "remove least recently used cache until the root is at most SIZE (e.g. 10GB)")
    String keepStorage;

    @Option(names = "--filter", paramLabel = "until=DURATION", description = "remove cache unused for longer than DURATION (e.g. until=24h)")
    List<String> filters = new ArrayList<>();

    @Mixin
    RootOption root;

    @Override
    public Integer call() {
      Long keep = null;
      Duration until = null;
      try {
        if (keepStorage != null) {
          keep = Maintenance.parseSize(keepStorage);
        }
        for (String f : filters) {
          if (!f.startsWith("until=")) {
            throw new IllegalArgumentException("invalid --filter \"" + f + "\": only until=DURATION is supported");
          }
          until = Maintenance.parseDuration(f.substring(6));
        }
      } catch (IllegalArgumentException e) {
        System.err.println("error: " + e.getMessage());
        return Main.USAGE;
      }
      try {
        Maintenance.PruneReport r = Maintenance.prune(root.get(), all, keep, until);
        System.out.println("Deleted " + r.records() + " cache records, " + r.blobs() + " blobs, " + r.snapshots() + " snapshots");
        System.out.println("Total reclaimed space: " + ProgressView.human(r.bytesFreed()) + "; left: " + ProgressView.human(r.bytesLeft()));
        return Main.OK;
      } catch (BuildException e) {
        return Errors.report(e);
      }
    }
  }

  @Command(name = "du", description = "Show the disk use of jbuild's root.", mixinStandardHelpOptions = true,
      footer = {"", "Example:", "  jbuild du"})
  static final class Du implements Callable<Integer> {
    @Mixin
    RootOption root;

    @Override
    public Integer call() {
      try {
        Maintenance.DiskUsage u = Maintenance.usage(root.get());
        String fmt = "%-22s %8s %12s%n";
        System.out.printf(fmt, "WHAT", "COUNT", "SIZE");
        System.out.printf(fmt, "blobs", u.blobs(), ProgressView.human(u.blobBytes()));
        System.out.printf(fmt, "snapshots (unpacked)", u.snapshots(), ProgressView.human(u.snapshotBytes()));
        System.out.printf(fmt, "cache records", u.records(), ProgressView.human(u.recordBytes()));
        System.out.printf(fmt, "total", "", ProgressView.human(u.total()));
        System.out.println("root: " + root.get());
        return Main.OK;
      } catch (BuildException e) {
        return Errors.report(e);
      }
    }
  }
}
