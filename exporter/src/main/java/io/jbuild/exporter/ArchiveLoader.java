package io.jbuild.exporter;

import io.jbuild.cache.ContentStore;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.GzipInput;
import io.jbuild.oci.ImageConfig;
import io.jbuild.oci.ImageIndex;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.InvalidContentException;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads an image archive, as {@code docker load} and {@code podman load} do: an OCI image layout in
 * a tar (image-layout.md: {@code oci-layout}, {@code index.json}, {@code blobs/ALG/HEX}) or a
 * docker-archive ({@code manifest.json} with {@code Config}, {@code RepoTags}, {@code Layers}, as
 * {@code docker save} writes it), plain or gzip-compressed, read once front to back.
 *
 * <p>An archive is untrusted. Entry names must stay inside the archive (no absolute names, no
 * "..", no NUL); a link is accepted only when it names another file of the archive (the archive
 * is never unpacked to disk, so a link is read as that file) and refused when absolute or leading
 * out of it; devices and FIFOs are refused; every blob is verified against its name, every
 * docker-archive layer against the config's diff id, every manifest, config and layer an index
 * names must be present with its size. Blobs go through {@link ContentStore.Writer}, so none lands
 * unverified; {@link #read} returns the images and tags nothing: the caller tags only after the
 * whole archive proved good, so a bad archive leaves no name behind.
 */
public final class ArchiveLoader {
  /** JSON documents of an archive (index, manifests, configs) larger than this are refused. */
  static final int MAX_JSON = 4 * 1024 * 1024;

  private final ContentStore store;
  private final String source;
  /** Small JSON files by entry name. */
  private final Map<String, byte[]> json = new HashMap<>();
  /** Every regular file by entry name: its sha256 in the store. */
  private final Map<String, Digest> stored = new HashMap<>();
  /** Link entries: name to the entry name they point at. */
  private final Map<String, String> links = new LinkedHashMap<>();

  private ArchiveLoader(ContentStore store, String source) {
    this.store = store;
    this.source = source;
  }

  /**
   * An image found in an archive.
   *
   * @param names the names the archive gives it (may be empty)
   * @param manifest its manifest (or index) in the content store
   * @param generated true when jbuild wrote the manifest (docker-archive), whose layers are
   *     then the archive's uncompressed tars
   */
  public record LoadedImage(List<ImageReference> names, Descriptor manifest, boolean generated) {}

  /** Reads {@code archive} (named {@code source} in errors) into the content store. */
  public static List<LoadedImage> read(ContentStore store, InputStream archive, String source) throws IOException {
    ArchiveLoader loader = new ArchiveLoader(store, source);
    loader.readEntries(archive);
    if (loader.json.containsKey("index.json") && loader.json.containsKey("oci-layout")) {
      return loader.ociLayout();
    }
    if (loader.json.containsKey("manifest.json")) {
      return loader.dockerArchive();
    }
    throw loader.invalid(null, "neither an OCI image layout (oci-layout and index.json) nor a docker-archive"
        + " (manifest.json)");
  }

  private void readEntries(InputStream archive) throws IOException {
    BufferedInputStream in = new BufferedInputStream(archive, 256 * 1024);
    in.mark(2);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    InputStream tarBytes = b1 == 0x1f && b2 == 0x8b ? GzipInput.open(in, 256 * 1024) : in;
    TarArchiveInputStream tar = new TarArchiveInputStream(tarBytes, "UTF-8");
    TarArchiveEntry e;
    int entries = 0;
    try {
      while ((e = tar.getNextEntry()) != null) {
        entries++;
        String name = clean(e.getName());
        if (e.isDirectory()) {
          continue;
        }
        if (e.isSymbolicLink() || e.isLink()) {
          links.put(name, linkTarget(e, name));
          continue;
        }
        if (!e.isFile()) {
          throw invalid(e.getName(), "entry of type '" + (char) typeOf(e) + "': only files and directories belong in an"
              + " image archive");
        }
        if (stored.containsKey(name) || links.containsKey(name)) {
          throw invalid(e.getName(), "appears twice in the archive");
        }
        if (isJson(name)) {
          if (e.getSize() > MAX_JSON) {
            throw invalid(e.getName(), e.getSize() + " bytes is too large for a JSON document (limit " + MAX_JSON + ")");
          }
          byte[] bytes = tar.readNBytes((int) e.getSize());
          json.put(name, bytes);
          Digest expected = blobDigest(name);
          if (expected != null) {
            try (ContentStore.Writer w = store.writer()) {
              w.write(bytes);
              stored.put(name, commit(w, expected, e.getName()));
            }
          } else {
            stored.put(name, Digest.sha256(bytes));
          }
          continue;
        }
        try (ContentStore.Writer w = store.writer()) {
          tar.transferTo(w);
          if (w.size() != e.getSize()) {
            throw invalid(e.getName(), "truncated: " + w.size() + " of " + e.getSize() + " bytes");
          }
          stored.put(name, commit(w, blobDigest(name), e.getName()));
        }
      }
    } catch (java.io.EOFException ex) {
      throw invalid(null, "the archive ends in the middle of an entry (truncated?)");
    } catch (IOException ex) {
      String m = String.valueOf(ex.getMessage());
      if (entries == 0 || m.contains("header") || m.contains("Truncated") || m.contains("truncated")) {
        throw invalid(null, "not a readable tar archive: " + m);
      }
      throw new IOException(source + ": " + m, ex);
    }
    if (entries == 0) {
      throw invalid(null, "not a tar archive, or an empty one");
    }
    resolveLinks();
  }

  /**
   * Where a link entry points, as an entry name. containers/image (podman save, skopeo) writes
   * docker-archive layers as {@code ID/layer.tar -> ../DIFFID.tar}; such a link, relative and
   * inside the archive, is read as the file it names. Absolute targets and targets that climb out
   * of the archive are refused: they can only be meant for an extraction to disk.
   */
  private String linkTarget(TarArchiveEntry e, String name) {
    String target = e.getLinkName();
    String kind = e.isSymbolicLink() ? "symbolic" : "hard";
    if (target.isEmpty() || target.startsWith("/")) {
      throw invalid(e.getName(), kind + " link to \"" + target + "\": only links to other entries of the archive"
          + " are accepted");
    }
    // a symlink is relative to its directory, a hard link names an entry from the archive's root
    int slash = name.lastIndexOf('/');
    String base = e.isSymbolicLink() && slash >= 0 ? name.substring(0, slash + 1) : "";
    List<String> parts = new ArrayList<>();
    for (String p : (base + target).split("/")) {
      if (p.isEmpty() || p.equals(".")) {
        continue;
      }
      if (p.equals("..")) {
        if (parts.isEmpty()) {
          throw invalid(e.getName(), kind + " link to \"" + target + "\" leads out of the archive");
        }
        parts.remove(parts.size() - 1);
        continue;
      }
      parts.add(p);
    }
    return String.join("/", parts);
  }

  /** Gives each link the content of the file it names (through at most 8 links). */
  private void resolveLinks() {
    for (Map.Entry<String, String> l : links.entrySet()) {
      String target = l.getValue();
      for (int hops = 0; links.containsKey(target); hops++) {
        if (hops == 8) {
          throw invalid(l.getKey(), "too many levels of links");
        }
        target = links.get(target);
      }
      Digest d = stored.get(target);
      if (d == null) {
        throw invalid(l.getKey(), "link to \"" + target + "\", which is not a file of the archive");
      }
      if (stored.containsKey(l.getKey())) {
        throw invalid(l.getKey(), "appears twice in the archive");
      }
      stored.put(l.getKey(), d);
      if (json.containsKey(target)) {
        json.put(l.getKey(), json.get(target));
      }
    }
  }

  private static int typeOf(TarArchiveEntry e) {
    if (e.isCharacterDevice()) {
      return '3';
    }
    if (e.isBlockDevice()) {
      return '4';
    }
    if (e.isFIFO()) {
      return '6';
    }
    return '?';
  }

  private Digest commit(ContentStore.Writer w, Digest expected, String entry) throws IOException {
    try {
      return w.commit(expected);
    } catch (InvalidContentException mismatch) {
      throw invalid(entry, "the content does not match its name: " + mismatch.getMessage());
    }
  }

  /** JSON documents are kept in memory; everything else streams to the content store. */
  private static boolean isJson(String name) {
    return name.endsWith(".json") || name.equals("oci-layout") || name.equals("repositories");
  }

  /** {@code blobs/ALG/HEX}: the digest the file must have; null for other names. */
  private Digest blobDigest(String name) {
    if (!name.startsWith("blobs/")) {
      return null;
    }
    String[] p = name.split("/");
    if (p.length != 3) {
      throw invalid(name, "not of the form blobs/ALGORITHM/ENCODED");
    }
    if (!p[1].equals("sha256")) {
      throw invalid(name, "digest algorithm " + p[1] + " is not supported (sha256 only)");
    }
    try {
      return new Digest(p[1], p[2]);
    } catch (RuntimeException e) {
      throw invalid(name, "not a valid digest: " + e.getMessage());
    }
  }

  /** The entry name inside the archive: "./" and "/" leading parts dropped; ".." and NUL refused. */
  private String clean(String name) {
    if (name.indexOf('\0') >= 0) {
      throw invalid(name, "NUL byte in the name");
    }
    if (name.startsWith("/")) {
      throw invalid(name, "absolute name");
    }
    List<String> parts = new ArrayList<>();
    for (String p : name.split("/")) {
      if (p.isEmpty() || p.equals(".")) {
        continue;
      }
      if (p.equals("..")) {
        throw invalid(name, "\"..\" in the name would leave the archive");
      }
      parts.add(p);
    }
    return String.join("/", parts);
  }

  // ---- OCI image layout ------------------------------------------------------------------------

  private List<LoadedImage> ociLayout() throws IOException {
    Object layout = parse("oci-layout", Object.class, true);
    if (!(Json.field(layout, "imageLayoutVersion") instanceof String)) {
      throw invalid("oci-layout", "no imageLayoutVersion");
    }
    ImageIndex index = parse("index.json", ImageIndex.class);
    if (index.manifests() == null || index.manifests().isEmpty()) {
      throw invalid("index.json", "names no image (\"manifests\" is empty)");
    }
    // one image per manifest digest, with every name the index gives it
    Map<Digest, Descriptor> manifests = new LinkedHashMap<>();
    Map<Digest, List<ImageReference>> names = new LinkedHashMap<>();
    for (Descriptor d : index.manifests()) {
      if (d.digest() == null || d.mediaType() == null) {
        throw invalid("index.json", "a manifest entry without digest or mediaType");
      }
      if (!MediaTypes.isManifest(d.mediaType()) && !MediaTypes.isIndex(d.mediaType())) {
        throw invalid("index.json", "entry " + d.digest() + " has media type " + d.mediaType()
            + ", not an image manifest or index");
      }
      Descriptor plain = d.withAnnotations(null);
      manifests.putIfAbsent(d.digest(), plain);
      List<ImageReference> n = names.computeIfAbsent(d.digest(), k -> new ArrayList<>());
      ImageReference ref = nameOf(d);
      if (ref != null && !n.contains(ref)) {
        n.add(ref);
      }
    }
    List<LoadedImage> out = new ArrayList<>();
    for (Descriptor d : manifests.values()) {
      try {
        ImageContent.closure(store, d);
        checkManifests(d, 0);
      } catch (java.nio.file.NoSuchFileException e) {
        throw invalid("index.json", e.getMessage() + " (the archive lacks blobs/" + "sha256/... for it)");
      } catch (InvalidContentException e) {
        throw invalid("index.json", "image " + d.digest() + ": " + e.getMessage());
      }
      out.add(new LoadedImage(names.get(d.digest()), d, false));
    }
    return out;
  }

  /** Parses each manifest and config an image needs, so that malformed JSON is found now. */
  private void checkManifests(Descriptor d, int depth) throws IOException {
    if (MediaTypes.isIndex(d.mediaType())) {
      for (Descriptor c : ImageContent.index(store, d).manifests()) {
        if (depth < 4) {
          checkManifests(c, depth + 1);
        }
      }
      return;
    }
    ImageManifest m = ImageContent.manifest(store, d);
    if (m.config() == null || m.layers() == null) {
      throw new InvalidContentException("manifest " + d.digest() + " has no config or layers");
    }
    ImageConfig c = Json.read(store.read(m.config().digest()), ImageConfig.class, "config " + m.config().digest());
    if (c.diffIds().size() != m.layers().size()) {
      throw new InvalidContentException("manifest " + d.digest() + " has " + m.layers().size() + " layers but its config "
          + c.diffIds().size() + " diff ids");
    }
  }

  /**
   * The name an index entry gives: containerd's {@code io.containerd.image.name}, else
   * {@code org.opencontainers.image.ref.name} when it is a whole reference (annotations.md allows a
   * bare tag there, which names nothing without a repository).
   */
  private ImageReference nameOf(Descriptor d) {
    Map<String, String> a = d.annotations();
    if (a == null) {
      return null;
    }
    for (String key : List.of(OciArchiveWriter.CONTAINERD_NAME, OciArchiveWriter.REF_NAME)) {
      String v = a.get(key);
      if (v == null || v.isEmpty() || (key.equals(OciArchiveWriter.REF_NAME) && !v.contains("/") && !v.contains(":"))) {
        continue;
      }
      try {
        ImageReference r = ImageReference.parse(v);
        if (r.tag() != null) {
          return r;
        }
      } catch (InvalidContentException e) {
        throw invalid("index.json", "annotation " + key + "=\"" + v + "\" is not a valid image name: " + e.getMessage());
      }
    }
    return null;
  }

  // ---- docker-archive --------------------------------------------------------------------------

  /** One manifest.json entry (Docker's image/tarexport manifestItem). */
  record DockerManifestItem(
      @com.fasterxml.jackson.annotation.JsonProperty("Config") String config,
      @com.fasterxml.jackson.annotation.JsonProperty("RepoTags") List<String> repoTags,
      @com.fasterxml.jackson.annotation.JsonProperty("Layers") List<String> layers) {}

  private List<LoadedImage> dockerArchive() throws IOException {
    DockerManifestItem[] items = parse("manifest.json", DockerManifestItem[].class);
    if (items.length == 0) {
      throw invalid("manifest.json", "lists no image");
    }
    List<LoadedImage> out = new ArrayList<>();
    for (int i = 0; i < items.length; i++) {
      DockerManifestItem item = items[i];
      String where = "manifest.json";
      String at = "image " + (i + 1);
      if (item == null || item.config() == null || item.layers() == null) {
        throw invalid(where, at + " has no Config or Layers");
      }
      String configName = clean(item.config());
      byte[] configBytes = json.get(configName);
      if (configBytes == null && stored.containsKey(configName)) {
        // Docker 25+ writes the config as blobs/sha256/HEX beside an OCI layout
        if (store.size(stored.get(configName)) > MAX_JSON) {
          throw invalid(item.config(), "too large for an image config (limit " + MAX_JSON + " bytes)");
        }
        configBytes = store.read(stored.get(configName));
      }
      if (configBytes == null) {
        throw invalid(where, at + ": config " + item.config() + " is not in the archive");
      }
      ImageConfig config;
      try {
        config = Json.read(configBytes, ImageConfig.class, "config " + item.config());
      } catch (InvalidContentException e) {
        throw invalid(item.config(), "malformed image config: " + e.getMessage());
      }
      Digest configDigest = Digest.sha256(configBytes);
      String hex = configName.replaceFirst("^blobs/sha256/", "").replaceFirst("\\.json$", "");
      if (hex.matches("[0-9a-f]{64}") && !hex.equals(configDigest.encoded())) {
        throw invalid(item.config(), "the config's digest is " + configDigest + ", not the one its name says");
      }
      store.put(configBytes);
      List<Digest> diffIds = config.diffIds();
      if (diffIds.size() != item.layers().size()) {
        throw invalid(where, at + " lists " + item.layers().size() + " layers but its config has " + diffIds.size()
            + " diff ids");
      }
      List<Descriptor> layers = new ArrayList<>();
      for (int l = 0; l < item.layers().size(); l++) {
        String layerName = clean(item.layers().get(l));
        Digest digest = stored.get(layerName);
        if (digest == null) {
          throw invalid(where, at + ": layer " + item.layers().get(l) + " is not in the archive");
        }
        layers.add(layerDescriptor(item.layers().get(l), digest, diffIds.get(l)));
      }
      Descriptor configDesc = Descriptor.of(MediaTypes.OCI_CONFIG, configDigest, configBytes.length);
      byte[] manifest = Json.write(ImageManifest.oci(configDesc, layers));
      Descriptor manifestDesc = Descriptor.of(MediaTypes.OCI_MANIFEST, store.put(manifest), manifest.length);
      List<ImageReference> names = new ArrayList<>();
      for (String t : item.repoTags() == null ? List.<String>of() : item.repoTags()) {
        try {
          names.add(ImageReference.parse(t));
        } catch (InvalidContentException e) {
          throw invalid(where, at + ": RepoTags entry \"" + t + "\" is not a valid image name: " + e.getMessage());
        }
      }
      out.add(new LoadedImage(names, manifestDesc, true));
    }
    return out;
  }

  /**
   * A docker-archive layer is an uncompressed tar whose digest is its diff id; newer writers may
   * store it compressed, then its uncompressed bytes must hash to the diff id.
   */
  private Descriptor layerDescriptor(String entry, Digest digest, Digest diffId) throws IOException {
    long size = store.size(digest);
    if (digest.equals(diffId)) {
      return Descriptor.of(MediaTypes.OCI_LAYER, digest, size);
    }
    String compression;
    try (InputStream in = new BufferedInputStream(store.open(digest))) {
      in.mark(4);
      int b1 = in.read();
      int b2 = in.read();
      int b3 = in.read();
      int b4 = in.read();
      in.reset();
      InputStream raw;
      if (b1 == 0x1f && b2 == 0x8b) {
        compression = MediaTypes.OCI_LAYER_GZIP;
        raw = GzipInput.open(in, 256 * 1024);
      } else if (b1 == 0x28 && b2 == 0xb5 && b3 == 0x2f && b4 == 0xfd) {
        compression = MediaTypes.OCI_LAYER_ZSTD;
        raw = new io.airlift.compress.zstd.ZstdInputStream(in);
      } else {
        throw invalid(entry, "its digest " + digest + " is not the config's diff id " + diffId);
      }
      DigestInputStream d = new DigestInputStream(raw, Digest.newSha256());
      d.transferTo(java.io.OutputStream.nullOutputStream());
      Digest actual = Digest.ofSha256(d.getMessageDigest().digest());
      if (!actual.equals(diffId)) {
        throw invalid(entry, "uncompresses to " + actual + ", not the config's diff id " + diffId);
      }
    }
    return Descriptor.of(compression, digest, size);
  }

  private <T> T parse(String name, Class<T> type) {
    return parse(name, type, false);
  }

  /** {@code nullable}: JSON null is a value (a tree's null), not "empty". */
  private <T> T parse(String name, Class<T> type, boolean nullable) {
    byte[] bytes = json.get(name);
    if (bytes == null) {
      throw invalid(name, "missing");
    }
    try {
      T value = Json.read(bytes, type, name);
      if (value == null && !nullable) {
        throw invalid(name, "empty JSON document");
      }
      return value;
    } catch (InvalidContentException e) {
      throw invalid(name, "malformed JSON: " + e.getMessage());
    }
  }

  private InvalidArchiveException invalid(String entry, String what) {
    return new InvalidArchiveException(source + (entry == null ? "" : ", entry " + entry) + ": " + what);
  }

  /** An archive that is not a well-formed image archive; the message names archive and entry. */
  public static final class InvalidArchiveException extends InvalidContentException {
    private static final long serialVersionUID = 1L;

    InvalidArchiveException(String message) {
      super(message);
    }
  }
}
