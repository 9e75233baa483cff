package io.jbuild.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Compares two images the way a user would see them: the merged filesystem tree (path, type,
 * permission bits, uid/gid, content hash, link target; never timestamps) and the runtime
 * config fields that change what a container does. Each difference is one line
 * {@code KEY: left != right}, where KEY is {@code config.Field} or {@code path:/a/b}.
 */
final class ImageComparison {
  static final List<String> CONFIG_FIELDS = List.of("Env", "Cmd", "Entrypoint", "WorkingDir", "User",
      "ExposedPorts", "Labels", "Volumes", "StopSignal", "Healthcheck");

  private ImageComparison() {}

  /** Reads an OCI image-layout tarball (one manifest) into a tree. */
  static ImageTree readOciArchive(Path tar, Path scratch) throws IOException {
    Files.createDirectories(scratch);
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(tar));
         TarArchiveInputStream in = new TarArchiveInputStream(raw)) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        Path out = scratch.resolve(e.getName().replaceFirst("^\\./", "")).normalize();
        if (!out.startsWith(scratch)) {
          throw new IOException("entry outside the layout: " + e.getName());
        }
        if (e.isDirectory()) {
          Files.createDirectories(out);
        } else if (e.isFile()) {
          Files.createDirectories(out.getParent());
          Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    JsonNode index = new com.fasterxml.jackson.databind.ObjectMapper().readTree(scratch.resolve("index.json").toFile());
    return ImageTree.read(scratch.resolve("blobs"), index.get("manifests").get(0).get("digest").asText());
  }

  static List<String> differences(ImageTree left, ImageTree right) {
    List<String> out = new ArrayList<>();
    JsonNode lc = left.config().path("config");
    JsonNode rc = right.config().path("config");
    for (String f : CONFIG_FIELDS) {
      JsonNode l = normalize(withoutBuildahLabel(lc.get(f)));
      JsonNode r = normalize(withoutBuildahLabel(rc.get(f)));
      if (!Objects.equals(l, r)) {
        out.add("config." + f + ": " + l + " != " + r);
      }
    }
    TreeSet<String> paths = new TreeSet<>(left.nodes().keySet());
    paths.addAll(right.nodes().keySet());
    for (String p : paths) {
      ImageTree.Node l = left.nodes().get(p);
      ImageTree.Node r = right.nodes().get(p);
      String key = "path:/" + p;
      if (l == null || r == null) {
        out.add(key + ": " + (l == null ? "missing" : describe(l)) + " != " + (r == null ? "missing" : describe(r)));
      } else if (!describe(l).equals(describe(r))) {
        out.add(key + ": " + describe(l) + " != " + describe(r));
      }
    }
    return out;
  }

  private static String describe(ImageTree.Node n) {
    return n.type() + " " + Integer.toOctalString(n.mode()) + " " + n.uid() + ":" + n.gid()
        + (n.type() == 'f' ? " sha256:" + n.sha256().substring(0, 12) : "")
        + (n.type() == 'l' ? " -> " + n.linkTarget() : "");
  }

  /** Buildah stamps every image with its version label; it says nothing about the build. */
  private static JsonNode withoutBuildahLabel(JsonNode n) {
    if (n != null && n.isObject() && n.has("io.buildah.version")) {
      com.fasterxml.jackson.databind.node.ObjectNode copy = ((com.fasterxml.jackson.databind.node.ObjectNode) n).deepCopy();
      copy.remove("io.buildah.version");
      return copy;
    }
    return n;
  }

  /** Absent, JSON null, "" and empty objects/arrays all mean "not set". */
  private static JsonNode normalize(JsonNode n) {
    if (n == null || n.isNull() || n.isTextual() && n.asText().isEmpty() || n.isContainerNode() && n.isEmpty()) {
      return null;
    }
    return n;
  }

  /** Whether a difference line is explained by a listed key (exact key or a key prefix ending in '*'). */
  static boolean explained(String difference, Map<String, String> listed) {
    String key = difference.substring(0, difference.indexOf(": "));
    for (String k : listed.keySet()) {
      if (k.endsWith("*") ? key.startsWith(k.substring(0, k.length() - 1)) : key.equals(k)) {
        return true;
      }
    }
    return false;
  }
}
