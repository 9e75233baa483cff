package io.jbuild.exporter;

import io.jbuild.cache.ContentStore;
import io.jbuild.oci.Digest;
import io.jbuild.registry.testing.TestImage;
import java.io.IOException;
import java.util.Map;

/** Test helper: puts a {@link TestImage} into a content store. */
final class Images {
  private Images() {}

  static TestImage store(ContentStore store, TestImage image) throws IOException {
    for (Map.Entry<Digest, byte[]> e : image.blobs().entrySet()) {
      try (ContentStore.Writer w = store.writer()) {
        w.write(e.getValue());
        w.commit(e.getKey());
      }
    }
    return image;
  }
}
