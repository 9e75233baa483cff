package io.jbuild.cli;

import io.jbuild.api.BuildException;
import io.jbuild.api.LocalImages;
import io.jbuild.oci.ImageConfig;
import io.jbuild.oci.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** tag, rmi, inspect, history, save, push, pull: the local store's commands. */
final class StoreCommands {
  private StoreCommands() {}

  @Command(name = "tag", description = "Give an image another name.", mixinStandardHelpOptions = true,
      footer = {"", "Example:", "  jbuild tag app:1.0 registry.example.com/app:1.0"})
  static final class Tag implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SOURCE") String source;
    @Parameters(index = "1", paramLabel = "TARGET") String target;
    @Mixin RootOption root;

    @Override
    public Integer call() {
      try {
        LocalImages.open(root.get()).tag(source, target);
        return Main.OK;
      } catch (BuildException e) {
        return Errors.report(e);
      }
    }
  }

  @Command(name = "rmi", description = "Remove image names (blobs go with `jbuild prune`).", mixinStandardHelpOptions = true,
      footer = {"", "Example:", "  jbuild rmi app:1.0"})
  static final class Rmi implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "NAME") List<String> names;
    @Mixin RootOption root;

    @Override
    public Integer call() {
      try {
        LocalImages images = LocalImages.open(root.get());
        for (String n : names) {
          images.remove(n);
          System.out.println("Untagged: " + n);
        }
        return Main.OK;
      } catch (BuildException e) {
        return Errors.report(e);
      }
    }
  }

  @Command(name = "inspect", description = "Show an image's config as JSON (like docker image inspect).",
      mixinStandardHelpOptions = true, footer = {"", "Examples:", "  jbuild inspect app:1.0", "  jbuild inspect --format '{{.Size}}' app:1.0"})
  static final class Inspect implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "NAME") List<String> names;
    @Option(names = {"-f", "--format"}, description = "print one field, Go-template style: {{.Size}}, {{.Config.Env}}") String format;
    @Mixin RootOption root;

    @Override
    public Integer call() {
      try {
        LocalImages images = LocalImages.open(root.get());
        List<Map<String, Object>> out = new ArrayList<>();
        for (String n : names) {
          out.add(images.inspect(n));
        }
        if (format == null) {
          System.out.println(Json.writePretty(out));
          return Main.OK;
        }
        String path = format.trim();
        if (!path.matches("\\{\\{\\s*(\\.[A-Za-z0-9_]+)+\\s*}}")) {
          System.err.println("error: invalid --format \"" + format + "\": only {{.Field.Sub}} is supported");
          return Main.USAGE;
        }
        for (Map<String, Object> o : out) {
          // the value as JSON, as a tree (what databind's valueToTree gave)
          Object node = Json.readTree(Json.write(o));
          for (String part : path.replaceAll("[{} ]", "").substring(1).split("\\.")) {
            node = Json.field(node, part);
          }
          System.out.println(node == null ? "<no value>"
              : node instanceof Map<?, ?> || node instanceof List<?> ? Json.writeUnsorted(node, false) : Json.text(node, ""));
        }
        return Main.OK;
      } catch (BuildException e) {
        return Errors.report(e);
      } catch (java.io.IOException | IllegalStateException e) {
        System.err.println("error: " + e.getMessage());
        return Main.BUILD_FAILED;
      }
    }
  }

  @Command(name = "history", description = "Show an image's history.", mixinStandardHelpOptions = true,
      footer = {"", "Example:", "  jbuild history app:1.0"})
  static final class History implements Callable<Integer> {
    @Parameters(paramLabel = "NAME") String name;
    @Mixin RootOption root;

    @Override
    public Integer call() {
      try {
        Map<String, Object> info = LocalImages.open(root.get()).inspect(name);
        List<?> history = (List<?>) info.get("History");
        System.out.printf("%-24s %-8s %s%n", "CREATED", "LAYER", "CREATED BY");
        for (int i = history.size() - 1; i >= 0; i--) {
          ImageConfig.History h = (ImageConfig.History) history.get(i);
          System.out.printf("%-24s %-8s %s%n", h.created() == null ? "" : h.created(),
              h.isEmptyLayer() ? "-" : "yes", h.createdBy() == null ? "" : h.createdBy());
        }
        return Main.OK;
      } catch (BuildException e) {
        return Errors.report(e);
      }
    }
  }

  @Command(name = "save", description = "Write an image to a tar archive.", mixinStandardHelpOptions = true,
      footer = {"", "Examples:", "  jbuild save -o app.tar app:1.0", "  jbuild save --format docker -o app.tar app:1.0"})
  static final class Save implements Callable<Integer> {
    @Parameters(paramLabel = "NAME") String name;
    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE") Path output;
    @Option(names = "--format", paramLabel = "oci|docker", description = "archive format (default: oci)") String format = "oci";
    @Mixin RootOption root;

    @Override
    public Integer call() {
      try {
        LocalImages.open(root.get()).save(name, format, output);
        return Main.OK;
      } catch (BuildException e) {
        return Errors.report(e);
      }
    }
  }

  @Command(name = "push", description = "Push a local image to a registry.", mixinStandardHelpOptions = true,
      footer = {"", "Examples:", "  jbuild push registry.example.com/app:1.0", "  jbuild push app:1.0 127.0.0.1:5000/app:1.0"})
  static final class Push implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Parameters(index = "1", arity = "0..1", paramLabel = "TARGET", description = "where to push (default: NAME)") String target;
    @Mixin RootOption root;

    @Override
    public Integer call() {
      try {
        System.out.println(LocalImages.open(root.get()).push(name, target));
        return Main.OK;
      } catch (BuildException e) {
        return Errors.report(e);
      }
    }
  }

  @Command(name = "pull", description = "Pull an image into the local store.", mixinStandardHelpOptions = true,
      footer = {"", "Example:", "  jbuild pull 127.0.0.1:5000/library/busybox:latest"})
  static final class Pull implements Callable<Integer> {
    @Parameters(paramLabel = "NAME") String name;
    @Mixin RootOption root;

    @Override
    public Integer call() {
      try {
        System.out.println(LocalImages.open(root.get()).pull(name));
        return Main.OK;
      } catch (BuildException e) {
        return Errors.report(e);
      }
    }
  }
}
