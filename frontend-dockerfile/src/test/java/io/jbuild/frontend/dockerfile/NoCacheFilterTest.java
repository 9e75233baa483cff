package io.jbuild.frontend.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.graph.ImageTarget;
import io.jbuild.graph.Vertex;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** --no-cache-filter: which vertices the frontend marks to run even when cached. */
class NoCacheFilterTest {
  static final String TWO_STAGES = """
      FROM busybox AS deps
      WORKDIR /deps
      RUN echo deps > /deps/a
      COPY a.txt /deps/
      FROM busybox AS app
      RUN echo app > /app
      ADD b.txt /app.d/
      COPY --from=deps /deps /deps
      """;

  static ImageTarget convert(String dockerfile, Set<String> filter) throws DockerfileException {
    return DockerfileFrontend.convert(new ConvertRequest(dockerfile.getBytes(StandardCharsets.UTF_8),
        "Dockerfile", Map.of(), null, ConvertTest.AMD64, ConvertTest.AMD64, List.of(),
        new FakeResolver(), null, filter));
  }

  /** The names of the vertices marked to ignore the cache, sorted. */
  static List<String> marked(ImageTarget t) {
    Set<String> out = new TreeSet<>();
    Deque<Vertex> todo = new ArrayDeque<>(List.of(t.root()));
    while (!todo.isEmpty()) {
      Vertex v = todo.pop();
      if (v.ignoreCache()) {
        out.add(v.name());
      }
      v.inputs().forEach(todo::push);
    }
    return List.copyOf(out);
  }

  /** BuildKit puts llb.IgnoreCache on RUN and COPY/ADD; WORKDIR and FROM keep the cache. */
  @Test
  void filter_namedStage_marksItsRunCopyAndAddOnly() throws Exception {
    assertEquals(List.of("[deps 3/4] RUN echo deps > /deps/a", "[deps 4/4] COPY a.txt /deps/"),
        marked(convert(TWO_STAGES, Set.of("deps"))));
  }

  @Test
  void filter_stageNameInOtherCase_matchesLikeFromAs() throws Exception {
    assertEquals(List.of("[app 2/4] RUN echo app > /app", "[app 3/4] ADD b.txt /app.d/",
        "[app 4/4] COPY --from=deps /deps /deps"), marked(convert(TWO_STAGES, Set.of("APP"))));
  }

  @Test
  void filter_none_marksNothing() throws Exception {
    assertEquals(List.of(), marked(convert(TWO_STAGES, Set.of())));
    assertEquals(List.of(), marked(convert(TWO_STAGES, null)));
  }

  /** The mark is for the solver only: a later build without the flag finds the same keys. */
  @Test
  void filter_leavesEveryDigestAsItWas() throws Exception {
    assertEquals(convert(TWO_STAGES, Set.of()).root().digest(),
        convert(TWO_STAGES, Set.of("deps", "app")).root().digest());
  }

  @Test
  void filter_onbuildTriggersOfTheStage_areMarkedToo() throws Exception {
    assertEquals(List.of("[b 2/3] RUN echo triggered", "[b 3/3] RUN echo mine"),
        marked(convert("FROM onbuild-image AS b\nRUN echo mine\n", Set.of("b"))));
  }

  @Test
  void filter_unknownStage_isAnErrorNamingTheFlagTheStageAndTheStages() {
    DockerfileException e = assertThrows(DockerfileException.class,
        () -> convert(TWO_STAGES, Set.of("dpes")));
    assertTrue(e.getMessage().contains("--no-cache-filter: stage \"dpes\" could not be found (did you mean deps?)"),
        e.getMessage());
    assertTrue(e.formatted().contains("hint: stages: deps, app"), e.formatted());
  }

  /** BuildKit compares the names only: an unnamed stage cannot be filtered by its index. */
  @Test
  void filter_stageIndex_isNotAStageName() {
    DockerfileException e = assertThrows(DockerfileException.class,
        () -> convert("FROM busybox\nRUN echo 0\nFROM busybox AS named\n", Set.of("0")));
    assertTrue(e.getMessage().contains("--no-cache-filter: stage \"0\" could not be found"), e.getMessage());
    assertTrue(e.formatted().contains("only a named stage, FROM ... AS NAME, can be filtered"), e.formatted());
  }

  @Test
  void filter_stageTheTargetDoesNotReach_isAcceptedAndChangesNothing() throws Exception {
    assertEquals(List.of(), marked(convert("FROM busybox AS unused\nRUN echo u\nFROM busybox\nRUN echo t\n",
        Set.of("unused"))));
  }
}
