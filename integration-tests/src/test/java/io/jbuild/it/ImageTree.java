package io.jbuild.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.CompressorStreamFactory;

/**
 * The root filesystem of an image as a runtime would see it, read independently of jbuild's
 * code: the layers of an image manifest (from an OCI blob directory) applied in order with OCI
 * whiteouts ({@code .wh.NAME}) and opaque directories ({@code .wh..wh..opq}), hardlinks
 * sharing an inode number. What {@code --output type=local} would give, as a map.
 */
final class ImageTree {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One entry: its type ('f' file, 'd' dir, 'l' symlink, 'o' other), metadata and content. */
  record Node(char type, int mode, long uid, long gid, byte[] content, String linkTarget, long inode) {
    String sha256() {
      try {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content == null ? new byte[0] : content));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private final TreeMap<String, Node> nodes = new TreeMap<>();
  private final JsonNode manifest;
  private final JsonNode config;
  private long nextInode = 1;

  private ImageTree(JsonNode manifest, JsonNode config) {
    this.manifest = manifest;
    this.config = config;
    nodes.put("", new Node('d', 0755, 0, 0, null, null, nextInode++));
  }

  /** Reads the image whose manifest is {@code manifestDigest} from {@code blobs} (sha256/HEX layout). */
  static ImageTree read(Path blobs, String manifestDigest) throws IOException {
    JsonNode manifest = JSON.readTree(blob(blobs, manifestDigest));
    JsonNode config = JSON.readTree(blob(blobs, manifest.get("config").get("digest").asText()));
    ImageTree t = new ImageTree(manifest, config);
    for (JsonNode layer : manifest.get("layers")) {
      t.apply(blobs.resolve(layer.get("digest").asText().replace(':', '/')));
    }
    return t;
  }

  private static byte[] blob(Path blobs, String digest) throws IOException {
    return Files.readAllBytes(blobs.resolve(digest.replace(':', '/')));
  }

  JsonNode manifest() {
    return manifest;
  }

  JsonNode config() {
    return config;
  }

  Map<String, Node> nodes() {
    return nodes;
  }

  private void apply(Path layerBlob) throws IOException {
    List<TarArchiveEntry> entries = new ArrayList<>();
    List<byte[]> contents = new ArrayList<>();
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(layerBlob));
         InputStream un = decompress(raw);
         TarArchiveInputStream in = new TarArchiveInputStream(un)) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        entries.add(e);
        contents.add(e.isFile() && !e.isLink() ? in.readAllBytes() : null);
      }
    }
    // opaque markers first: they hide what lower layers have, not this layer's own entries
    for (TarArchiveEntry e : entries) {
      String name = clean(e.getName());
      if (base(name).equals(".wh..wh..opq")) {
        String dir = parent(name);
        nodes.subMap(dir.isEmpty() ? "" : dir + "/", false, dir.isEmpty() ? "\uffff" : dir + "/\uffff", false).clear();
        if (dir.isEmpty()) {
          nodes.keySet().removeIf(k -> !k.isEmpty());
        }
      }
    }
    for (int i = 0; i < entries.size(); i++) {
      TarArchiveEntry e = entries.get(i);
      String name = clean(e.getName());
      String base = base(name);
      if (base.equals(".wh..wh..opq")) {
        continue;
      }
      if (base.startsWith(".wh.")) {
        String victim = join(parent(name), base.substring(4));
        remove(victim);
        continue;
      }
      if (name.isEmpty()) {
        continue;
      }
      Node old = nodes.get(name);
      if (old != null && !(old.type() == 'd' && e.isDirectory())) {
        remove(name);
      }
      Node n;
      if (e.isLink()) {
        Node target = nodes.get(clean(e.getLinkName()));
        if (target == null) {
          throw new IOException("hardlink " + name + " to missing " + e.getLinkName());
        }
        n = target;
      } else if (e.isDirectory()) {
        n = new Node('d', e.getMode() & 07777, e.getLongUserId(), e.getLongGroupId(), null, null, old != null ? old.inode() : nextInode++);
      } else if (e.isSymbolicLink()) {
        n = new Node('l', e.getMode() & 07777, e.getLongUserId(), e.getLongGroupId(), null, e.getLinkName(), nextInode++);
      } else if (e.isFile()) {
        n = new Node('f', e.getMode() & 07777, e.getLongUserId(), e.getLongGroupId(), contents.get(i), null, nextInode++);
      } else {
        n = new Node('o', e.getMode() & 07777, e.getLongUserId(), e.getLongGroupId(), null, null, nextInode++);
      }
      nodes.put(name, n);
    }
  }

  private static InputStream decompress(InputStream raw) throws IOException {
    raw.mark(8);
    int b0 = raw.read();
    int b1 = raw.read();
    raw.reset();
    if (b0 == 0x1f && b1 == 0x8b || b0 == 0x28 && b1 == 0xb5) {
      try {
        return new CompressorStreamFactory(true).createCompressorInputStream(raw);
      } catch (org.apache.commons.compress.compressors.CompressorException ex) {
        throw new IOException(ex);
      }
    }
    return raw;
  }

  private void remove(String path) {
    nodes.remove(path);
    nodes.subMap(path + "/", true, path + "/\uffff", false).clear();
  }

  /** The entry at an absolute path, following symlinks (also in the last component when follow). */
  Node lookup(String path, boolean follow) {
    String resolved = resolve(path, follow);
    return resolved == null ? null : nodes.get(resolved);
  }

  /** Like the kernel inside a chroot: symlinks resolved relative to the root, '..' stops at '/'. */
  String resolve(String path, boolean followLast) {
    Deque<String> todo = new ArrayDeque<>();
    for (String p : path.split("/")) {
      if (!p.isEmpty() && !p.equals(".")) {
        todo.addLast(p);
      }
    }
    Deque<String> done = new ArrayDeque<>();
    int links = 0;
    while (!todo.isEmpty()) {
      String part = todo.pollFirst();
      if (part.equals("..")) {
        done.pollLast();
        continue;
      }
      done.addLast(part);
      if (todo.isEmpty() && !followLast) {
        break;
      }
      Node n = nodes.get(String.join("/", done));
      if (n == null) {
        return null;
      }
      if (n.type() == 'l') {
        if (++links > 40) {
          return null;
        }
        done.pollLast();
        String target = n.linkTarget();
        if (target.startsWith("/")) {
          done.clear();
        }
        String[] parts = target.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
          if (!parts[i].isEmpty() && !parts[i].equals(".")) {
            todo.addFirst(parts[i]);
          }
        }
      }
    }
    return String.join("/", done);
  }

  private static String clean(String name) {
    String n = name.startsWith("./") ? name.substring(2) : name;
    while (n.startsWith("/")) {
      n = n.substring(1);
    }
    while (n.endsWith("/")) {
      n = n.substring(0, n.length() - 1);
    }
    return n.equals(".") ? "" : n;
  }

  private static String base(String name) {
    return name.substring(name.lastIndexOf('/') + 1);
  }

  private static String parent(String name) {
    int i = name.lastIndexOf('/');
    return i < 0 ? "" : name.substring(0, i);
  }

  private static String join(String dir, String name) {
    return dir.isEmpty() ? name : dir + "/" + name;
  }
}
