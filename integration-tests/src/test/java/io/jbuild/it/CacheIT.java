package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache from the user's side (issue 6, acceptance 4): an mtime-only change rebuilds
 * nothing; a changed byte rebuilds from the first step that reads it; a change in an ignored
 * file rebuilds nothing; --explain-cache names the changed file; an unchanged rebuild gives
 * the same image id. --no-cache-filter STAGE runs that stage's steps again and takes the other
 * stages from the cache.
 */
class CacheIT {
  @TempDir
  static Path shared;

  private static Path root;

  @TempDir
  Path ctx;

  @BeforeAll
  static void busyboxBase() throws Exception {
    Prerequisites.requireRoot();
    root = shared.resolve("root");
    Path rootfs = BusyboxRootfs.create(shared.resolve("rootfs"));
    Exec.jbuild(root, "import", "-q", rootfs.toString(), "busybox:latest").assertOk("import busybox");
  }

  @BeforeEach
  void context() throws Exception {
    Files.createDirectories(ctx.resolve("src"));
    Files.writeString(ctx.resolve("src/a.txt"), "a");
    Files.writeString(ctx.resolve("src/b.txt"), "b");
    Files.writeString(ctx.resolve("other.txt"), "o");
    Files.writeString(ctx.resolve("debug.log"), "1");
    Files.writeString(ctx.resolve(".dockerignore"), "*.log\n");
    Files.writeString(ctx.resolve("Dockerfile"), """
        FROM busybox
        COPY other.txt /other.txt
        RUN echo one > /one.txt
        COPY src/ /app/
        RUN cat /app/a.txt /app/b.txt > /both.txt
        COPY . /all/
        """);
  }

  private Exec build(String... extra) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of("build", "--progress=plain", "--explain-cache", "-t", "cache-it"));
    args.addAll(List.of(extra));
    args.add(ctx.toString());
    return Exec.jbuild(root, args.toArray(String[]::new)).assertOk("build");
  }

  private static List<String> ran(Exec e) {
    return e.stderr().lines().filter(l -> l.startsWith("#   ")).map(String::trim).toList();
  }

  @Test
  void rebuild_unchanged_runsNothingAndGivesTheSameImage() throws Exception {
    String first = Exec.jbuild(root, "build", "-q", "-t", "cache-it", ctx.toString()).assertOk("first").stdout();
    Exec again = build();
    assertEquals(List.of(), ran(again), again.stderr());
    assertTrue(again.stderr().contains("every step came from the cache"));
    String second = Exec.jbuild(root, "build", "-q", "-t", "cache-it", ctx.toString()).assertOk("third").stdout();
    assertEquals(first, second, "an unchanged rebuild gives the same image id");
  }

  @Test
  void rebuild_mtimeOnlyAndIgnoredFileChanges_runsNothing() throws Exception {
    build();
    Files.setLastModifiedTime(ctx.resolve("src/a.txt"), FileTime.fromMillis(System.currentTimeMillis() + 60_000));
    Files.writeString(ctx.resolve("debug.log"), "2");
    Exec again = build();
    assertEquals(List.of(), ran(again), again.stderr());
  }

  @Test
  void rebuild_changedByte_runsFromTheFirstStepThatReadsIt_andNamesTheFile() throws Exception {
    build();
    Files.writeString(ctx.resolve("src/b.txt"), "B");
    Exec again = build();
    List<String> ran = ran(again);
    assertEquals(3, ran.size(), again.stderr());
    assertTrue(ran.get(0).contains("COPY src/ /app/") && ran.get(0).endsWith("src/b.txt changed"), ran.toString());
    assertTrue(ran.get(1).contains("RUN cat") && ran.get(1).endsWith("parent changed"), ran.toString());
    assertTrue(ran.get(2).contains("COPY . /all/"), ran.toString());
    // the steps before the first reader of src/ come from the cache
    assertTrue(ran.stream().noneMatch(l -> l.contains("RUN echo one") || l.contains("COPY other.txt")), ran.toString());
  }

  @Test
  void builds_threeProcessesOnOneRoot_allSucceedWithTheSameImage() throws Exception {
    Path fresh = shared.resolve("concurrent-root");
    Exec.jbuild(fresh, "import", "-q", shared.resolve("rootfs").toString(), "busybox:latest").assertOk("import");
    List<java.util.concurrent.CompletableFuture<Exec>> runs = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      runs.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return Exec.jbuild(fresh, "build", "-q", "--build-arg", "SOURCE_DATE_EPOCH=0", "-t", "concurrent", ctx.toString());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (java.util.concurrent.CompletableFuture<Exec> r : runs) {
      ids.add(r.get().assertOk("concurrent build").stdout().trim());
    }
    assertEquals(1, ids.size(), "the same inputs give the same image in every process: " + ids);
    assertEquals(ids.iterator().next(),
        Exec.jbuild(fresh, "build", "-q", "--build-arg", "SOURCE_DATE_EPOCH=0", "-t", "concurrent", ctx.toString())
            .assertOk("rebuild").stdout().trim());
  }

  /*
   * A rebuild whose request and context are unchanged is answered from its shortcut record
   * (api.BuildShortcut) without parsing or solving: these check that the record never answers
   * when something it stands for changed.
   */

  @Test
  void rebuild_unchanged_isAnsweredFromTheShortcutRecordWithTheSameImage() throws Exception {
    String first = Exec.jbuild(root, "build", "-q", "-t", "cache-it", ctx.toString()).assertOk("first").stdout();
    try (var records = Files.list(root.resolve("cache/shortcuts"))) {
      assertTrue(records.findAny().isPresent(), "a build leaves a shortcut record");
    }
    Exec again = build();
    assertEquals(List.of(), ran(again), again.stderr());
    assertTrue(again.stderr().contains("0 steps run, 5 cached"), again.stderr());
    assertTrue(again.stderr().contains("[stage-0 5/6] RUN cat /app/a.txt /app/b.txt > /both.txt\n#4 CACHED"), again.stderr());
    assertEquals(first, Exec.jbuild(root, "build", "-q", "-t", "cache-it", ctx.toString()).assertOk("third").stdout());
  }

  @Test
  void rebuild_contentChangedWithTheOldMtime_runsTheStepsThatReadIt() throws Exception {
    build();
    build();
    Path b = ctx.resolve("src/b.txt");
    FileTime mtime = Files.getLastModifiedTime(b);
    Files.writeString(b, "c"); // same size, same mtime afterwards: only ctime tells
    Files.setLastModifiedTime(b, mtime);
    Exec again = build();
    assertEquals(3, ran(again).size(), again.stderr());
    assertTrue(ran(again).get(0).endsWith("src/b.txt changed"), again.stderr());
  }

  @Test
  void rebuild_afterPruneAll_runsEveryStepAgain() throws Exception {
    build();
    build();
    Exec.jbuild(root, "prune", "--all").assertOk("prune");
    Exec again = build();
    assertEquals(5, ran(again).size(), again.stderr());
  }

  @Test
  void rebuild_baseImageRetagged_runsEveryStepOnTheNewBase() throws Exception {
    Path fresh = shared.resolve("retag-root");
    Exec.jbuild(fresh, "import", "-q", shared.resolve("rootfs").toString(), "busybox:latest").assertOk("import");
    Exec.jbuild(fresh, "build", "-q", "-t", "retag", ctx.toString()).assertOk("first");
    Exec.jbuild(fresh, "build", "-q", "-t", "retag", ctx.toString()).assertOk("second");
    Path other = shared.resolve("rootfs-other");
    BusyboxRootfs.create(other);
    Files.writeString(other.resolve("etc/other-base"), "x");
    Exec.jbuild(fresh, "import", "-q", other.toString(), "busybox:latest").assertOk("import another base");
    Exec again = Exec.jbuild(fresh, "build", "--progress=plain", "--explain-cache", "-t", "retag", ctx.toString())
        .assertOk("build on the new base");
    assertEquals(5, ran(again).size(), again.stderr());
  }

  @Test
  void rebuild_otherLabelOrBuildArg_isNotAnsweredFromAnotherRequestsRecord() throws Exception {
    String one = Exec.jbuild(root, "build", "-q", "--label", "l=1", "-t", "cache-it", ctx.toString()).assertOk("l=1").stdout();
    Exec.jbuild(root, "build", "-q", "--label", "l=1", "-t", "cache-it", ctx.toString()).assertOk("l=1 again");
    String two = Exec.jbuild(root, "build", "-q", "--label", "l=2", "-t", "cache-it", ctx.toString()).assertOk("l=2").stdout();
    String arg = Exec.jbuild(root, "build", "-q", "--label", "l=1", "--build-arg", "UNUSED=1", "-t", "cache-it",
        ctx.toString()).assertOk("arg").stdout();
    assertTrue(!one.equals(two), "another label, another image");
    assertEquals(one, arg, "an unused build arg changes no step");
    assertEquals(one, Exec.jbuild(root, "build", "-q", "--label", "l=1", "-t", "cache-it", ctx.toString())
        .assertOk("l=1 third").stdout());
  }

  @Test
  void rebuild_noCache_runsEveryStepAndSaysWhy() throws Exception {
    build();
    Exec again = build("--no-cache");
    assertEquals(5, ran(again).size(), again.stderr());
    assertTrue(ran(again).stream().allMatch(l -> l.endsWith("--no-cache")), again.stderr());
  }

  /** Two stages and a final one copying from both; {@code word} keeps each test's keys its own. */
  private void twoStages(String word) throws Exception {
    Files.writeString(ctx.resolve("Dockerfile"), """
        FROM busybox AS a
        RUN echo a-%1$s > /a.txt
        RUN cat /a.txt > /a2.txt
        FROM busybox AS b
        RUN echo b-%1$s > /b.txt
        RUN cat /b.txt > /b2.txt
        FROM busybox
        COPY --from=a /a2.txt /a2.txt
        COPY --from=b /b2.txt /b2.txt
        """.formatted(word));
  }

  /** {@link #ran} without the "#", sorted: "[b 2/3] RUN echo b: --no-cache-filter". */
  private static List<String> ranSorted(Exec e) {
    return ran(e).stream().map(l -> l.substring(1).strip()).sorted().toList();
  }

  @Test
  void rebuild_noCacheFilterB_runsBsStepsAgainAndTakesAsFromTheCache() throws Exception {
    twoStages("one");
    build();
    // layers keep whole-second mtimes: a rebuild within the same second as the first one would
    // give b byte-identical layers, and the copy of its file would rightly stay cached
    Thread.sleep(1000 - System.currentTimeMillis() % 1000 + 50);
    Exec again = build("--no-cache-filter", "B");
    assertEquals(List.of(
        "[b 2/3] RUN echo b-one > /b.txt: --no-cache-filter",
        "[b 3/3] RUN cat /b.txt > /b2.txt: --no-cache-filter",
        // b's new layers have new mtimes: the copy of its file would be stale, it runs too
        "[stage-2 3/3] COPY --from=b /b2.txt /b2.txt: source changed (run again by --no-cache-filter)"),
        ranSorted(again), again.stderr());

    // the marks never entered a key: a normal build finds what the filtered one stored
    Exec third = build();
    assertEquals(List.of(), ran(third), third.stderr());
  }

  /** SOURCE_DATE_EPOCH makes b's layers come out the same: what reads b keeps its cache. */
  @Test
  void rebuild_noCacheFilterStageGivingTheSameLayers_stepsReadingItKeepTheCache() throws Exception {
    twoStages("two");
    build("--build-arg", "SOURCE_DATE_EPOCH=0");
    Exec again = build("--build-arg", "SOURCE_DATE_EPOCH=0", "--no-cache-filter=b");
    assertEquals(List.of(
        "[b 2/3] RUN echo b-two > /b.txt: --no-cache-filter",
        "[b 3/3] RUN cat /b.txt > /b2.txt: --no-cache-filter"),
        ranSorted(again), again.stderr());
  }

  @Test
  void build_noCacheFilterUnknownStage_failsBeforeBuildingNamingTheFlagAndTheStage() throws Exception {
    twoStages("three");
    Exec r = Exec.jbuild(root, "build", "--progress=plain", "--no-cache-filter", "a,c", ctx.toString());
    assertEquals(2, r.exitCode(), r.stderr());
    assertTrue(r.stderr().contains("--no-cache-filter: stage \"c\" could not be found"), r.stderr());
    assertTrue(r.stderr().contains("stages: a, b"), r.stderr());
    assertTrue(!r.stderr().contains("RUN echo"), "nothing ran: " + r.stderr());
  }
}
