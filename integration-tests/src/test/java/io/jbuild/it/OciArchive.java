package io.jbuild.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Reads an OCI image-layout tarball independently of jbuild's own code: index.json, the
 * manifest, the config, and each layer's entries with their content (small files only).
 */
final class OciArchive {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Map<String, byte[]> files = new HashMap<>();

  private OciArchive() {}

  static OciArchive open(Path tar) throws IOException {
    OciArchive a = new OciArchive();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(tar)))) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        if (e.isFile()) {
          a.files.put(e.getName().replaceFirst("^\\./", ""), in.readAllBytes());
        }
      }
    }
    return a;
  }

  JsonNode index() throws IOException {
    return json("index.json");
  }

  JsonNode manifest() throws IOException {
    return blobJson(index().get("manifests").get(0).get("digest").asText());
  }

  JsonNode config() throws IOException {
    return blobJson(manifest().get("config").get("digest").asText());
  }

  /** Layer i's entries: name to content (directories and links map to an empty array). */
  Map<String, TarEntry> layer(int i) throws IOException {
    String digest = manifest().get("layers").get(i).get("digest").asText();
    Map<String, TarEntry> out = new LinkedHashMap<>();
    try (InputStream raw = new java.io.ByteArrayInputStream(blob(digest));
         TarArchiveInputStream in = new TarArchiveInputStream(new GzipCompressorInputStream(raw, true))) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        out.put(e.getName().replaceFirst("^\\./", ""), new TarEntry(e.getName(), e.getMode(),
            e.getLongUserId(), e.getLongGroupId(), e.isDirectory(), e.isSymbolicLink(), e.getLinkName(),
            e.isFile() ? new String(in.readAllBytes(), StandardCharsets.UTF_8) : ""));
      }
    }
    return out;
  }

  int layerCount() throws IOException {
    return manifest().get("layers").size();
  }

  /** The merged content of a file: the last layer that has it wins. */
  String fileContent(String path) throws IOException {
    String found = null;
    for (int i = 0; i < layerCount(); i++) {
      TarEntry e = layer(i).get(path);
      if (e != null) {
        found = e.content();
      }
    }
    return found;
  }

  List<String> layerNames(int i) throws IOException {
    return new ArrayList<>(layer(i).keySet());
  }

  record TarEntry(String name, int mode, long uid, long gid, boolean directory, boolean symlink, String linkName, String content) {}

  private JsonNode json(String name) throws IOException {
    byte[] b = files.get(name);
    if (b == null) {
      throw new AssertionError("no " + name + " in the archive; entries: " + files.keySet());
    }
    return JSON.readTree(b);
  }

  private byte[] blob(String digest) {
    byte[] b = files.get("blobs/" + digest.replace(':', '/'));
    if (b == null) {
      throw new AssertionError("blob " + digest + " missing from the archive");
    }
    return b;
  }

  private JsonNode blobJson(String digest) throws IOException {
    return JSON.readTree(blob(digest));
  }
}
