package io.jbuild.cli;

import io.jbuild.api.BuildResult;
import io.jbuild.oci.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * --metadata-file: the keys buildx writes (containerimage.digest, containerimage.config.digest,
 * containerimage.descriptor, image.name) plus jbuild.tags and jbuild.pushed as arrays, so a
 * script written for buildx reads it unchanged.
 */
final class Metadata {
  private Metadata() {}

  static String json(BuildResult r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("containerimage.config.digest", r.imageId().toString());
    Map<String, Object> descriptor = new LinkedHashMap<>();
    descriptor.put("mediaType", r.manifest().mediaType());
    descriptor.put("digest", r.manifest().digest().toString());
    descriptor.put("size", r.manifest().size());
    m.put("containerimage.descriptor", descriptor);
    m.put("containerimage.digest", r.manifest().digest().toString());
    if (!r.tags().isEmpty()) {
      m.put("image.name", String.join(",", r.tags()));
    }
    m.put("jbuild.tags", r.tags());
    m.put("jbuild.pushed", r.pushed());
    return Json.writeUnsorted(m, true) + "\n";
  }
}
