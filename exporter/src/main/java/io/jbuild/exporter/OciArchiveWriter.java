package io.jbuild.exporter;

import io.jbuild.cache.ContentStore;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.ImageIndex;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes an image as an OCI image layout in a tar (image-layout.md), like BuildKit's
 * {@code type=oci}: {@code oci-layout}, {@code index.json}, then {@code blobs/sha256/...}. Each
 * name gets an index entry with {@code org.opencontainers.image.ref.name} (the tag, as the spec's
 * annotations.md suggests) and containerd's {@code io.containerd.image.name} (the full name).
 * Streams forward only: {@code out} may be stdout; it is flushed, not closed.
 */
public final class OciArchiveWriter {
  static final String REF_NAME = "org.opencontainers.image.ref.name";
  static final String CONTAINERD_NAME = "io.containerd.image.name";

  private OciArchiveWriter() {}

  public static void write(ContentStore store, Descriptor manifest, List<ImageReference> names, OutputStream out)
      throws IOException {
    List<Descriptor> blobs = ImageContent.closure(store, manifest);
    List<Descriptor> entries = new ArrayList<>();
    if (names.isEmpty()) {
      entries.add(manifest);
    }
    for (ImageReference name : names) {
      Map<String, String> annotations = new LinkedHashMap<>();
      if (manifest.annotations() != null) {
        annotations.putAll(manifest.annotations());
      }
      annotations.put(CONTAINERD_NAME, name.toString());
      annotations.put(REF_NAME, name.tag() != null ? name.tag() : name.digest().toString());
      entries.add(manifest.withAnnotations(annotations));
    }
    TarArchiveOutputStream tar = Tars.open(out);
    Tars.file(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
    Tars.file(tar, "index.json", Json.write(ImageIndex.oci(entries)));
    Tars.directory(tar, "blobs");
    Tars.directory(tar, "blobs/sha256");
    for (Descriptor d : blobs) {
      Tars.blob(tar, "blobs/" + d.digest().algorithm() + "/" + d.digest().encoded(), store, d);
    }
    tar.finish();
    out.flush();
  }
}
