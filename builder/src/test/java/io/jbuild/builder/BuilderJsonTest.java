package io.jbuild.builder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.Json;
import io.jbuild.oci.JsonEquivalence;
import io.jbuild.oci.MediaTypes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The builder's own records (cache index entries, download records, build records) against databind. */
class BuilderJsonTest {
  private static final Digest D = Digest.sha256("layer");

  @Test
  void cacheRecords_readAndWriteAsDatabind() {
    List<Solver.CachedStep> steps = List.of(
        new Solver.CachedStep(false, D, Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256("blob"), 123),
            "2024-01-01T00:00:00.123456789Z"),
        new Solver.CachedStep(true, null, null, "2024-01-01T00:00:00Z"),
        new Solver.CachedStep(false, null, null, null));
    for (Solver.CachedStep s : steps) {
      JsonEquivalence.assertSameRoundTrip(JsonEquivalence.assertSameWrite(s), Solver.CachedStep.class);
    }
    JsonEquivalence.assertSameRoundTrip("{\"empty\":true,\"unknown\":[1],\"blob\":null}", Solver.CachedStep.class);
    JsonEquivalence.assertSameRoundTrip("{}", Solver.CachedStep.class);
    // a RUN's mounts key (Solver.mountsKey)
    JsonEquivalence.assertSameWrite(List.of("1:" + D, "2:" + Digest.sha256("x")));
  }

  @Test
  void downloadRecords_readAndWriteAsDatabind() {
    for (DownloadUrl.Remembered r : List.of(new DownloadUrl.Remembered("\"etag-1\"", "Wed, 21 Oct 2015 07:28:00 GMT",
        D.toString()), new DownloadUrl.Remembered(null, null, null))) {
      JsonEquivalence.assertSameRoundTrip(JsonEquivalence.assertSameWrite(r), DownloadUrl.Remembered.class);
    }
  }

  @Test
  void buildRecords_roundTrip_andExplainDifferences() throws IOException {
    Object run = Json.readTree(Json.write(Map.of("args", List.of("sh", "-c", "make"), "env", List.of("A=1", "B=2"),
        "cwd", "/src", "mounts", List.of(Map.of("size", 5L)))));
    Map<String, String> sources = new LinkedHashMap<>();
    sources.put("src/Main.java", "100644 3 abc");
    sources.put("pom.xml", "100644 9 def");
    CacheExplainer.BuildRecord record = new CacheExplainer.BuildRecord(List.of(
        new CacheExplainer.StepRecord("[1/2] RUN make", D.toString(), null, run, CacheExplainer.pack(sources)),
        new CacheExplainer.StepRecord("[2/2] COPY", D.toString(), D.toString(), null, CacheExplainer.pack(Map.of()))));
    CacheExplainer.BuildRecord back = JsonEquivalence.assertSameRoundTrip(JsonEquivalence.assertSameWrite(record),
        CacheExplainer.BuildRecord.class);
    assertEquals(record, back);
    assertEquals(sources, CacheExplainer.unpack(back.steps().get(0).sources()));
    assertEquals(Map.of(), CacheExplainer.unpack(back.steps().get(1).sources()));

    Map<String, Object> now = new LinkedHashMap<>();
    now.put("args", List.of("sh", "-c", "make"));
    now.put("env", List.of("A=1", "B=3"));
    now.put("cwd", "/src");
    assertEquals("B: 2 → 3", CacheExplainer.opDifference(run, now));
    now.put("env", List.of("A=1"));
    assertEquals("B: 2 → (unset)", CacheExplainer.opDifference(run, now));
    now.put("env", List.of("A=1", "B=2"));
    now.put("cwd", "/other");
    assertEquals("cwd changed: /src → /other", CacheExplainer.opDifference(run, now));
    now.put("cwd", "/src");
    now.put("args", List.of("sh"));
    assertEquals("args changed: [\"sh\",\"-c\",\"make\"] → [\"sh\"]", CacheExplainer.opDifference(run, now));
    now.put("args", List.of("sh", "-c", "make"));
    now.put("user", null);
    assertEquals("user changed: (none) → null", CacheExplainer.opDifference(run, now));
    now.remove("user");
    assertEquals("the instruction changed", CacheExplainer.opDifference(run, now));
    List<Object> none = new ArrayList<>();
    assertEquals("the instruction changed", CacheExplainer.opDifference(none, none));
  }
}
