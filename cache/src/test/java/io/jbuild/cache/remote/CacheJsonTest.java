package io.jbuild.cache.remote;

import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.JsonEquivalence;
import io.jbuild.oci.MediaTypes;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The remote cache's description (its digest names the cache image's config) against databind. */
class CacheJsonTest {
  @Test
  void cacheGraph_readsAndWritesAsDatabind() {
    CacheRecord layer = new CacheRecord(Digest.sha256("k1"), false, Digest.sha256("diff"),
        Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256("blob"), 4096), "2024-01-01T00:00:00Z");
    CacheRecord empty = new CacheRecord(Digest.sha256("k2"), true, null, null, null);
    for (CacheGraph g : List.of(CacheGraph.of(List.of(layer, empty)), CacheGraph.of(List.of()),
        new CacheGraph(0, null, null))) {
      JsonEquivalence.assertSameRoundTrip(JsonEquivalence.assertSameWrite(g), CacheGraph.class);
    }
    JsonEquivalence.assertSameRoundTrip("{\"schemaVersion\":1,\"records\":null,\"extra\":{\"a\":[]}}", CacheGraph.class);
    JsonEquivalence.assertSameRoundTrip(JsonEquivalence.assertSameWrite(layer), CacheRecord.class);
  }
}
