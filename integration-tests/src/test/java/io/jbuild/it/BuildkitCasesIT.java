package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jbuild.api.BuildEvent;
import io.jbuild.api.BuildException;
import io.jbuild.api.BuildResult;
import io.jbuild.api.DockerfileBuild;
import io.jbuild.api.PullPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * BuildKit's own Dockerfile integration cases (transcribed in
 * {@code shared/conformance/buildkit-cases}, schema in its README): every run of every case is
 * built in-process through {@link DockerfileBuild} on one shared root, with a local
 * {@code busybox:latest} built by jbuild first, and checked in two tiers: the semantic checks
 * ({@code success}, {@code files}, {@code config}, {@code image}) and BuildKit's error wording
 * ({@code error_*}). Runs listed in {@code testdata/buildkit-cases.skip} (with a reason each) may
 * fail their tier; every other run must pass. Prints {@code buildkit-cases: passed/total}.
 */
class BuildkitCasesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> semanticFailures = new ConcurrentHashMap<>();
  private static final Map<String, String> errorFailures = new ConcurrentHashMap<>();
  private static final List<String> runs = Collections.synchronizedList(new ArrayList<>());
  private static final List<String> errorTierRuns = Collections.synchronizedList(new ArrayList<>());
  private static Map<String, String[]> skips;
  private static JsonNode baseConfig;

  @TempDir
  static Path shared;

  static Path casesDir() {
    String p = System.getProperty("jbuild.buildkitCases", System.getenv("JBUILD_BUILDKIT_CASES"));
    if (p != null) {
      return Path.of(p);
    }
    Path repo = Path.of(System.getProperty("jbuild.repo", ".."));
    Path sibling = repo.toAbsolutePath().normalize().resolve("../shared/conformance/buildkit-cases").normalize();
    return Files.isDirectory(sibling) ? sibling : Path.of("/work/shared/conformance/buildkit-cases");
  }

  static Path root() {
    return shared.resolve("root");
  }

  @BeforeAll
  static void buildBusyboxBase() throws Exception {
    Prerequisites.requireRoot();
    Prerequisites.require(Files.isDirectory(casesDir()), "the buildkit cases at " + casesDir()
        + " (-Djbuild.buildkitCases=DIR)");
    Prerequisites.require(Prerequisites.onPath("runc") || Prerequisites.onPath("crun"), "runc or crun");
    skips = readSkips(Path.of(System.getProperty("jbuild.repo", "..")).resolve("testdata/buildkit-cases.skip"));
    Path ctx = Files.createDirectories(shared.resolve("busybox-ctx"));
    BuildkitBusybox.create(ctx.resolve("rootfs"));
    Files.writeString(ctx.resolve("Dockerfile"), """
        FROM scratch
        COPY rootfs/ /
        ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        CMD ["sh"]
        """);
    BuildResult r = DockerfileBuild.context(ctx).root(root()).tag("busybox:latest").pull(PullPolicy.NEVER).build();
    baseConfig = ImageTree.read(root().resolve("blobs"), r.manifest().digest().toString()).config();
  }

  /** Skip file: {@code CASE[#RUN] all|error REASON}; '#' starts a comment line. */
  static Map<String, String[]> readSkips(Path file) throws IOException {
    Map<String, String[]> m = new TreeMap<>();
    if (!Files.exists(file)) {
      return m;
    }
    for (String line : Files.readAllLines(file)) {
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      String[] parts = t.split("\\s+", 3);
      if (parts.length < 3 || !(parts[1].equals("all") || parts[1].equals("error"))) {
        throw new IllegalArgumentException("bad skip line (CASE[#RUN] all|error REASON): " + line);
      }
      m.put(parts[0], new String[] {parts[1], parts[2]});
    }
    return m;
  }

  @TestFactory
  Stream<DynamicTest> buildkitCases_eachRun_passesItsChecks() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    List<Path> cases;
    try (Stream<Path> s = Files.list(casesDir())) {
      cases = s.filter(p -> Files.isRegularFile(p.resolve("expect.json"))).sorted().toList();
    }
    for (Path c : cases) {
      JsonNode expect = JSON.readTree(c.resolve("expect.json").toFile());
      JsonNode runList = expect.get("runs");
      for (int i = 0; i < runList.size(); i++) {
        JsonNode run = runList.get(i);
        String id = c.getFileName() + (runList.size() > 1 ? "#" + (run.has("name") ? run.get("name").asText() : i) : "");
        int index = i;
        tests.add(DynamicTest.dynamicTest(id, () -> runCase(id, c, expect, index)));
      }
    }
    return tests.stream();
  }

  private void runCase(String id, Path caseDir, JsonNode expect, int index) throws Exception {
    runs.add(id);
    JsonNode run = expect.get("runs").get(index);
    JsonNode ex = run.get("expect");
    Path work = Files.createTempDirectory(shared, "case-");
    Path ctx = work.resolve("context");
    copyTree(caseDir.resolve("context"), ctx);
    applyExtras(ctx, expect.get("context_extra"));
    String df = run.has("dockerfile") ? run.get("dockerfile").asText() : "Dockerfile";
    Path dockerfile = df.startsWith("context/") ? ctx.resolve(df.substring("context/".length())) : caseDir.resolve(df);
    DockerfileBuild b = DockerfileBuild.context(ctx).dockerfile(dockerfile).root(root()).pull(PullPolicy.NEVER);
    StringBuilder log = new StringBuilder();
    b.listener(e -> {
      if (e instanceof BuildEvent.StepLog l) {
        synchronized (log) {
          log.append(l.line()).append('\n');
        }
      }
    });
    fields(run.get("build_args")).forEach(b::buildArg);
    fields(run.get("labels")).forEach(b::label);
    if (run.has("target")) {
      b.target(run.get("target").asText());
    }
    for (Map.Entry<String, String> s : fields(run.get("secrets")).entrySet()) {
      Path f = Files.writeString(work.resolve("secret-" + s.getKey()), s.getValue());
      b.secret(s.getKey(), f);
    }
    BuildResult result = null;
    BuildException error = null;
    try {
      result = b.build();
    } catch (BuildException e) {
      error = e;
    }
    List<String> problems = new ArrayList<>();
    List<String> errorProblems = new ArrayList<>();
    boolean wantSuccess = ex.get("success").asBoolean();
    if (wantSuccess && error != null) {
      problems.add("build failed: " + error.getMessage() + (log.length() > 0 ? "\n--- output ---\n" + tail(log.toString()) : ""));
    } else if (!wantSuccess && error == null) {
      problems.add("build succeeded but must fail");
    }
    if (result != null && problems.isEmpty()) {
      ImageTree tree = ImageTree.read(root().resolve("blobs"), result.manifest().digest().toString());
      checkFiles(ex.get("files"), tree, ctx, problems);
      checkConfig(ex.get("config"), tree.config().get("config"), problems);
      checkImage(ex.get("image"), tree.config(), problems);
    }
    boolean errorTier = ex.has("error_contains") || ex.has("error_equals") || ex.has("error_regex") || ex.has("error_lines");
    if (errorTier) {
      errorTierRuns.add(id);
      if (error == null) {
        errorProblems.add("no error to check");
      } else {
        checkError(ex, error, errorProblems);
      }
    }
    if (!problems.isEmpty()) {
      semanticFailures.put(id, String.join("\n", problems));
    }
    if (!errorProblems.isEmpty()) {
      errorFailures.put(id, String.join("\n", errorProblems));
    }
    String[] skip = skips.get(id);
    boolean skipAll = skip != null && skip[0].equals("all");
    boolean skipError = skip != null;
    if (!problems.isEmpty() && !skipAll) {
      fail(id + ":\n" + String.join("\n", problems));
    }
    if (!errorProblems.isEmpty() && !skipError) {
      fail(id + " (error message tier):\n" + String.join("\n", errorProblems));
    }
    assertTrue(problems.isEmpty() || skipAll, id);
  }

  @AfterAll
  static void printSummary() {
    if (runs.isEmpty()) {
      return;
    }
    int total = runs.size();
    int passed = total - semanticFailures.size();
    int errTotal = errorTierRuns.size();
    int errPassed = errTotal - errorFailures.size();
    StringBuilder b = new StringBuilder();
    b.append("\n==== buildkit-cases ====\n");
    for (Map.Entry<String, String> e : new TreeMap<>(semanticFailures).entrySet()) {
      String[] skip = skips.get(e.getKey());
      b.append("FAIL ").append(e.getKey()).append(skip != null ? " [skipped: " + skip[1] + "]" : "").append('\n')
          .append(indent(e.getValue())).append('\n');
    }
    for (Map.Entry<String, String> e : new TreeMap<>(errorFailures).entrySet()) {
      String[] skip = skips.get(e.getKey());
      b.append("ERROR-TIER ").append(e.getKey()).append(skip != null ? " [skipped: " + skip[1] + "]" : "").append('\n')
          .append(indent(e.getValue())).append('\n');
    }
    for (String s : skips.keySet()) {
      if (runs.contains(s) && !semanticFailures.containsKey(s) && !errorFailures.containsKey(s)) {
        b.append("STALE SKIP (passes now) ").append(s).append('\n');
      }
    }
    b.append("buildkit-cases: ").append(passed).append('/').append(total).append('\n');
    b.append("buildkit-cases error messages (error_*): ").append(errPassed).append('/').append(errTotal).append('\n');
    System.out.println(b);
  }

  private static String indent(String s) {
    return "    " + s.replace("\n", "\n    ");
  }

  private static String tail(String s) {
    String[] lines = s.split("\n");
    return String.join("\n", Arrays.asList(lines).subList(Math.max(0, lines.length - 20), lines.length));
  }

  // ---- checks ----

  private static void checkFiles(JsonNode files, ImageTree tree, Path ctx, List<String> problems) throws IOException {
    if (files == null) {
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> f = it.next();
      String path = f.getKey();
      JsonNode c = f.getValue();
      boolean wantSymlink = c.has("type") && c.get("type").asText().equals("symlink");
      ImageTree.Node n = tree.lookup(path, !wantSymlink);
      if (c.has("exists")) {
        boolean want = c.get("exists").asBoolean();
        if (want != (n != null)) {
          problems.add(path + ": exists=" + (n != null) + ", want " + want);
          continue;
        }
      }
      if (n == null) {
        if (!c.has("exists") || c.get("exists").asBoolean()) {
          problems.add(path + ": missing");
        }
        continue;
      }
      String content = n.content() == null ? null : new String(n.content(), StandardCharsets.UTF_8);
      if (c.has("content") && !c.get("content").asText().equals(content)) {
        problems.add(path + ": content " + quote(content) + ", want " + quote(c.get("content").asText()));
      }
      for (JsonNode s : iter(c.get("contains"))) {
        if (content == null || !content.contains(s.asText())) {
          problems.add(path + ": content " + quote(content) + " lacks " + quote(s.asText()));
        }
      }
      for (JsonNode s : iter(c.get("not_contains"))) {
        if (content != null && content.contains(s.asText())) {
          problems.add(path + ": content " + quote(content) + " contains " + quote(s.asText()));
        }
      }
      if (c.has("content_from_context")) {
        byte[] want = Files.readAllBytes(ctx.resolve(c.get("content_from_context").asText()));
        if (n.content() == null || !Arrays.equals(want, n.content())) {
          problems.add(path + ": content differs from context file " + c.get("content_from_context").asText());
        }
      }
      if (c.has("type")) {
        String t = switch (n.type()) {
          case 'f' -> "file";
          case 'd' -> "dir";
          case 'l' -> "symlink";
          default -> "other";
        };
        if (!t.equals(c.get("type").asText())) {
          problems.add(path + ": type " + t + ", want " + c.get("type").asText());
        }
      }
      if (c.has("uid") && c.get("uid").asLong() != n.uid()) {
        problems.add(path + ": uid " + n.uid() + ", want " + c.get("uid").asLong());
      }
      if (c.has("gid") && c.get("gid").asLong() != n.gid()) {
        problems.add(path + ": gid " + n.gid() + ", want " + c.get("gid").asLong());
      }
      if (c.has("mode")) {
        int want = Integer.parseInt(c.get("mode").asText(), 8);
        if ((n.mode() & 07777) != want) {
          problems.add(path + ": mode " + Integer.toOctalString(n.mode() & 07777) + ", want " + c.get("mode").asText());
        }
      }
      if (c.has("same_file_as")) {
        ImageTree.Node other = tree.lookup(c.get("same_file_as").asText(), true);
        if (other == null || other.inode() != n.inode()) {
          problems.add(path + ": not the same file as " + c.get("same_file_as").asText());
        }
      }
    }
  }

  private static void checkConfig(JsonNode want, JsonNode config, List<String> problems) {
    if (want == null) {
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      JsonNode w = e.getValue();
      if (key.endsWith("_contains_prefix")) {
        JsonNode have = config.get(key.substring(0, key.length() - "_contains_prefix".length()));
        for (JsonNode p : w) {
          boolean found = false;
          for (JsonNode h : iter(have)) {
            found |= h.asText().startsWith(p.asText());
          }
          if (!found) {
            problems.add("config." + key + ": no element starts with " + quote(p.asText()) + " in " + have);
          }
        }
      } else if (key.endsWith("_contains")) {
        JsonNode have = config.get(key.substring(0, key.length() - "_contains".length()));
        if (w.isArray()) {
          for (JsonNode x : w) {
            boolean found = false;
            for (JsonNode h : iter(have)) {
              found |= h.equals(x);
            }
            if (!found) {
              problems.add("config." + key + ": " + x + " not in " + have);
            }
          }
        } else {
          for (Iterator<Map.Entry<String, JsonNode>> f = w.fields(); f.hasNext(); ) {
            Map.Entry<String, JsonNode> kv = f.next();
            if (have == null || !kv.getValue().equals(have.get(kv.getKey()))) {
              problems.add("config." + key + ": " + kv.getKey() + "=" + kv.getValue() + " not in " + have);
            }
          }
        }
      } else if (key.endsWith("_nonempty")) {
        JsonNode have = config.get(key.substring(0, key.length() - "_nonempty".length()));
        if (have == null || have.isNull() || have.isEmpty() && !have.isValueNode() || have.asText().isEmpty() && have.isTextual()) {
          problems.add("config." + key + ": empty: " + have);
        }
      } else {
        JsonNode have = config.get(key);
        boolean haveNull = have == null || have.isNull();
        if (w.isNull() ? !haveNull : !w.equals(have)) {
          problems.add("config." + key + ": " + have + ", want " + w);
        }
      }
    }
  }

  private static void checkImage(JsonNode want, JsonNode config, List<String> problems) {
    if (want == null) {
      return;
    }
    JsonNode diffIds = config.get("rootfs").get("diff_ids");
    JsonNode history = config.has("history") ? config.get("history") : JSON.createArrayNode();
    int baseLayers = prefixLength(baseConfig.get("rootfs").get("diff_ids"), diffIds);
    int baseHistory = baseLayers > 0 ? baseConfig.get("history").size() : 0;
    if (want.path("os_nonempty").asBoolean() && config.path("os").asText().isEmpty()) {
      problems.add("image.os is empty");
    }
    if (want.path("architecture_nonempty").asBoolean() && config.path("architecture").asText().isEmpty()) {
      problems.add("image.architecture is empty");
    }
    if (want.has("rootfs_type") && !want.get("rootfs_type").asText().equals(config.get("rootfs").path("type").asText())) {
      problems.add("image.rootfs.type " + config.get("rootfs").path("type") + ", want " + want.get("rootfs_type"));
    }
    if (want.has("diff_ids") && want.get("diff_ids").asInt() != diffIds.size()) {
      problems.add("image: " + diffIds.size() + " diff_ids, want " + want.get("diff_ids").asInt());
    }
    if (want.has("diff_ids_added") && want.get("diff_ids_added").asInt() != diffIds.size() - baseLayers) {
      problems.add("image: " + (diffIds.size() - baseLayers) + " diff_ids added, want " + want.get("diff_ids_added").asInt());
    }
    if (want.has("history")) {
      checkHistory(want.get("history"), history, 0, problems);
    }
    if (want.has("history_added")) {
      checkHistory(want.get("history_added"), history, baseHistory, problems);
    }
  }

  private static int prefixLength(JsonNode base, JsonNode all) {
    if (base == null || base.size() > all.size()) {
      return 0;
    }
    for (int i = 0; i < base.size(); i++) {
      if (!base.get(i).equals(all.get(i))) {
        return 0;
      }
    }
    return base.size();
  }

  private static void checkHistory(JsonNode want, JsonNode history, int from, List<String> problems) {
    List<String> have = new ArrayList<>();
    for (int i = from; i < history.size(); i++) {
      have.add(history.get(i).path("created_by").asText() + (history.get(i).path("empty_layer").asBoolean() ? " (empty)" : ""));
    }
    if (want.size() != history.size() - from) {
      problems.add("history: " + (history.size() - from) + " entries, want " + want.size() + ": " + have);
      return;
    }
    for (int i = 0; i < want.size(); i++) {
      JsonNode w = want.get(i);
      JsonNode h = history.get(from + i);
      String by = h.path("created_by").asText();
      if (w.has("created_by") && !w.get("created_by").asText().equals(by)) {
        problems.add("history[" + i + "].created_by " + quote(by) + ", want " + quote(w.get("created_by").asText()));
      }
      JsonNode contains = w.get("created_by_contains");
      for (JsonNode s : contains == null ? List.<JsonNode>of() : contains.isArray() ? iter(contains) : List.of(contains)) {
        if (!by.contains(s.asText())) {
          problems.add("history[" + i + "].created_by " + quote(by) + " lacks " + quote(s.asText()));
        }
      }
      for (JsonNode s : iter(w.get("created_by_not_contains"))) {
        if (by.contains(s.asText())) {
          problems.add("history[" + i + "].created_by " + quote(by) + " contains " + quote(s.asText()));
        }
      }
      if (w.has("empty_layer") && w.get("empty_layer").asBoolean() != h.path("empty_layer").asBoolean()) {
        problems.add("history[" + i + "] " + quote(by) + ": empty_layer " + h.path("empty_layer").asBoolean()
            + ", want " + w.get("empty_layer").asBoolean());
      }
    }
  }

  private static void checkError(JsonNode ex, BuildException error, List<String> problems) {
    String message = error.getMessage();
    for (JsonNode s : iter(ex.get("error_contains"))) {
      if (!message.contains(s.asText())) {
        problems.add("error lacks " + quote(s.asText()) + ": " + message);
      }
    }
    if (ex.has("error_equals")) {
      String reason = reason(error);
      if (!ex.get("error_equals").asText().equals(reason)) {
        problems.add("error is " + quote(reason) + ", want exactly " + quote(ex.get("error_equals").asText()));
      }
    }
    if (ex.has("error_regex") && !Pattern.compile(ex.get("error_regex").asText()).matcher(message).find()) {
      problems.add("error does not match /" + ex.get("error_regex").asText() + "/: " + message);
    }
    if (ex.has("error_lines")) {
      List<Integer> want = new ArrayList<>();
      for (JsonNode l : ex.get("error_lines")) {
        want.add(l.asInt());
      }
      List<Integer> have = errorLines(error);
      if (!have.equals(want)) {
        problems.add("error attributed to lines " + have + ", want " + want + ": " + message);
      }
    }
  }

  /** The message without jbuild's location prefix and source excerpt, as BuildKit's bare error. */
  private static String reason(BuildException error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof io.jbuild.frontend.dockerfile.DockerfileException d) {
        return d.reason();
      }
    }
    String m = error.getMessage();
    int i = m.lastIndexOf("failed to solve: ");
    return i >= 0 ? m.substring(i + "failed to solve: ".length()) : m;
  }

  /** The Dockerfile lines an error names: a Dockerfile error's line, or a failed step's range. */
  private static List<Integer> errorLines(BuildException error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof io.jbuild.frontend.dockerfile.DockerfileException d) {
        return List.of(d.line());
      }
      if (t instanceof io.jbuild.builder.StepFailedException s && s.vertex() != null && s.vertex().location() != null) {
        List<Integer> lines = new ArrayList<>();
        for (int l = s.vertex().location().startLine(); l <= Math.max(s.vertex().location().startLine(), s.vertex().location().endLine()); l++) {
          lines.add(l);
        }
        return lines;
      }
    }
    Matcher m = Pattern.compile("Dockerfile[^:\\s]*:(\\d+)").matcher(error.getMessage());
    return m.find() ? List.of(Integer.parseInt(m.group(1))) : List.of();
  }

  // ---- context ----

  private static void applyExtras(Path ctx, JsonNode extra) throws IOException {
    if (extra == null) {
      return;
    }
    for (JsonNode d : iter(extra.get("dirs"))) {
      Files.createDirectories(ctx.resolve(d.asText()));
    }
    for (Map.Entry<String, String> s : fields(extra.get("symlinks")).entrySet()) {
      Path link = ctx.resolve(s.getKey());
      Files.createDirectories(link.getParent());
      Files.deleteIfExists(link);
      Files.createSymbolicLink(link, Path.of(s.getValue()));
    }
    for (Map.Entry<String, String> m : fields(extra.get("modes")).entrySet()) {
      String p = m.getKey().endsWith("/") ? m.getKey().substring(0, m.getKey().length() - 1) : m.getKey();
      Path f = ctx.resolve(p);
      if (Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
        Files.setAttribute(f, "unix:mode", Integer.parseInt(m.getValue(), 8));
      }
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    if (!Files.isDirectory(from)) {
      Files.createDirectories(to);
      return;
    }
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isSymbolicLink(p)) {
          Files.createSymbolicLink(t, Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  private static Map<String, String> fields(JsonNode n) {
    Map<String, String> m = new LinkedHashMap<>();
    if (n != null) {
      n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
    }
    return m;
  }

  private static List<JsonNode> iter(JsonNode n) {
    List<JsonNode> l = new ArrayList<>();
    if (n != null && n.isArray()) {
      n.forEach(l::add);
    } else if (n != null && n.isTextual()) {
      l.add(n);
    }
    return l;
  }

  private static String quote(String s) {
    return s == null ? "null" : "\"" + s.replace("\n", "\\n") + "\"";
  }
}
