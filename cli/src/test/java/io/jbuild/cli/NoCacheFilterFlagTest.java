package io.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jbuild.oci.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --no-cache-filter on the command line, seen through `jbuild debug graph` (no root needed). */
class NoCacheFilterFlagTest {
  @TempDir
  Path dir;

  private Path ctx;

  @BeforeEach
  void threeStages() throws Exception {
    ctx = Files.createDirectories(dir.resolve("ctx"));
    Files.writeString(ctx.resolve("a.txt"), "a");
    Files.writeString(ctx.resolve("Dockerfile"), """
        FROM scratch AS one
        COPY a.txt /1
        FROM scratch AS two
        COPY a.txt /2
        FROM scratch AS three
        COPY a.txt /3
        FROM scratch
        COPY --from=one /1 /1
        COPY --from=two /2 /2
        COPY --from=three /3 /3
        """);
  }

  private CommandLineTest.Run graph(String... flags) {
    String[] args = new String[flags.length + 5];
    args[0] = "debug";
    args[1] = "graph";
    args[2] = "--root";
    args[3] = dir.resolve("root").toString();
    System.arraycopy(flags, 0, args, 4, flags.length);
    args[args.length - 1] = ctx.toString();
    return CommandLineTest.run(args);
  }

  /** The names of the vertices the solver is told to run even when cached, sorted. */
  private static List<String> marked(CommandLineTest.Run r) throws Exception {
    assertEquals(0, r.code(), r.err());
    List<String> out = new ArrayList<>();
    for (JsonNode v : Json.mapper().readTree(r.out()).get("vertices")) {
      if (v.path("ignoreCache").asBoolean(false)) {
        out.add(v.get("name").asText());
      }
    }
    return out.stream().sorted().toList();
  }

  @Test
  void noCacheFilter_repeatedAndCommaSeparated_marksTheStepsOfEveryNamedStage() throws Exception {
    assertEquals(List.of("[one 2/2] COPY a.txt /1", "[three 2/2] COPY a.txt /3", "[two 2/2] COPY a.txt /2"),
        marked(graph("--no-cache-filter", "ONE", "--no-cache-filter=two,three")));
  }

  @Test
  void noCacheFilter_oneStage_leavesTheOthersToTheCache() throws Exception {
    assertEquals(List.of("[two 2/2] COPY a.txt /2"), marked(graph("--no-cache-filter", "two")));
  }

  @Test
  void noCacheFilter_unknownStage_usageErrorNamingTheFlagAndTheStage() {
    CommandLineTest.Run r = graph("--no-cache-filter", "one,fourth");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--no-cache-filter: stage \"fourth\" could not be found"), r.err());
    assertTrue(r.err().contains("stages: one, two, three"), r.err());
  }

  @Test
  void noCacheFilter_emptyName_usageError() {
    CommandLineTest.Run r = graph("--no-cache-filter", "one,,two");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("invalid --no-cache-filter: an empty stage name"), r.err());
  }

  /** It used to be refused as a docker flag jbuild lacks; it is a real option now. */
  @Test
  void noCacheFilter_isInTheBuildHelp() {
    CommandLineTest.Run r = CommandLineTest.run("build", "--help");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("--no-cache-filter=STAGE"), r.out());
  }
}
