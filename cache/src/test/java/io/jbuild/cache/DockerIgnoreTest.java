package io.jbuild.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** moby patternmatcher semantics, case by case (pattern | path | excluded). */
class DockerIgnoreTest {
  @ParameterizedTest(name = "{0} on {1} -> {2}")
  @CsvSource(delimiter = '|', value = {
    "*.md | README.md | true",
    "*.md | docs/README.md | false",
    "**/*.md | docs/README.md | true",
    "**/*.md | README.md | true",
    "docs | docs/a/b.txt | true",
    "/docs | docs/x | true",
    "docs/ | docs/x | true",
    "./docs | docs/x | true",
    "a/../b | b/c | true",
    "target/** | target/x/y | true",
    "target/** | target | false",
    "? | a | true",
    "? | ab | false",
    "[a-c].txt | b.txt | true",
    "[!a-c].txt | b.txt | false",
    "**/temp* | x/y/tempfile | true",
    "**/temp* | tempfile | true",
    "foo/**/bar | foo/bar | true",
    "foo/**/bar | foo/a/b/bar | true",
    "** | anything/at/all | true",
    "\\*star | *star | true",
  })
  void matcher_followsPatternMatcher(String pattern, String path, boolean excluded) {
    Predicate<String> m = DockerIgnore.matcher(DockerIgnore.parse(pattern));
    assertEquals(excluded, m.test(path));
  }

  @Test
  void matcher_lastMatchWins_withExceptions() {
    Predicate<String> m = DockerIgnore.matcher(DockerIgnore.parse("*.txt\n!keep.txt\n# comment\n\n  spaced.log  \n"));
    assertEquals(true, m.test("a.txt"));
    assertEquals(false, m.test("keep.txt"));
    assertEquals(true, m.test("spaced.log"));
    assertEquals(false, m.test("# comment"));
  }

  @Test
  void parse_dropsCommentsAndCleansPaths() {
    assertEquals(List.of("a", "!b/c", "d"), DockerIgnore.parse("# x\na\n! b/./c\n/d/\n"));
  }

  @Test
  void read_prefersDockerfileSpecificIgnoreFile(@TempDir Path ctx) throws Exception {
    Files.writeString(ctx.resolve(".dockerignore"), "general\n");
    Path df = Files.writeString(ctx.resolve("app.Dockerfile"), "FROM scratch\n");
    assertEquals(List.of("general"), DockerIgnore.read(ctx, df));
    Files.writeString(ctx.resolve("app.Dockerfile.dockerignore"), "specific\n");
    assertEquals(List.of("specific"), DockerIgnore.read(ctx, df));
    assertEquals(List.of(), DockerIgnore.read(ctx.resolve("nonexistent"), null));
  }
}
