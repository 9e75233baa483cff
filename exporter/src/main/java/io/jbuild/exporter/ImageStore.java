package io.jbuild.exporter;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.jbuild.cache.ContentStore;
import io.jbuild.cache.StorageRoot;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageConfig;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.InvalidContentException;
import io.jbuild.oci.Json;
import io.jbuild.oci.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The local image store, {@code <root>/images/}: one small JSON file per name:tag, named by the
 * SHA-256 of the reference, holding the manifest descriptor. A tag is changed by writing a new
 * file in tmp/ and renaming it over the old one, so concurrent jbuild processes never see a torn
 * file and need no lock (the last tag wins, as with Docker). Blobs stay in the content store.
 */
public final class ImageStore {
  private final StorageRoot root;
  private final Path refs;

  public ImageStore(StorageRoot root) {
    this.root = root;
    this.refs = root.images().resolve("refs");
  }

  /** One tag file. */
  record Entry(@JsonProperty("reference") String reference, @JsonProperty("manifest") Descriptor manifest) {}

  /**
   * The manifest a reference names: by digest when the reference has one and the manifest is in
   * the content store, else by tag.
   */
  public Optional<Descriptor> resolve(ImageReference ref) {
    ContentStore store = root.content();
    try {
      if (ref.digest() != null) {
        if (!store.contains(ref.digest())) {
          return Optional.empty();
        }
        byte[] bytes = store.read(ref.digest());
        return Optional.of(Descriptor.of(ImageContent.mediaTypeOf(bytes, ref.digest()), ref.digest(), bytes.length));
      }
      Path file = file(ref);
      if (!Files.isRegularFile(file)) {
        return Optional.empty();
      }
      return Optional.of(read(file).manifest());
    } catch (NoSuchFileException gone) {
      return Optional.empty(); // removed concurrently
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read the image store entry of " + ref + ": " + e.getMessage(), e);
    }
  }

  /**
   * Points {@code ref}'s tag at {@code manifest}. Refuses when a blob the image needs is not in
   * the content store, so a tag never names a half-present image.
   */
  public void tag(ImageReference ref, Descriptor manifest) throws IOException {
    if (ref.tag() == null) {
      throw new IllegalArgumentException("cannot tag " + ref + ": a tag is needed");
    }
    ImageContent.closure(root.content(), manifest);
    ImageReference name = ref.withTag(ref.tag());
    writeEntry(name, entryBytes(name.toString(), new String(Json.write(manifest), StandardCharsets.UTF_8)));
  }

  /**
   * A tag file's bytes: the reference and the manifest's descriptor as JSON ({@code
   * descriptorJson}, as {@link Json#write} gives it). Written without the JSON mapper so that a
   * rebuild answered whole from its record ({@code api.BuildShortcut}) can compare and write
   * tags without starting one.
   */
  public static byte[] entryBytes(String reference, String descriptorJson) {
    StringBuilder b = new StringBuilder(reference.length() + descriptorJson.length() + 32).append("{\"reference\":\"");
    for (int i = 0; i < reference.length(); i++) {
      char c = reference.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append("\",\"manifest\":").append(descriptorJson).append('}').toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The tag file of a tagged reference, as stored (null when there is none). */
  public byte[] entryFile(ImageReference tagged) throws IOException {
    try {
      return Files.readAllBytes(file(tagged.withTag(tagged.tag())));
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /**
   * Writes a tag file made by {@link #entryBytes} unless it holds those bytes already. The
   * caller has checked that every blob of the image is in the content store.
   */
  public void writeEntry(ImageReference tagged, byte[] entry) throws IOException {
    ImageReference name = tagged.withTag(tagged.tag());
    if (java.util.Arrays.equals(entryFile(name), entry)) {
      return;
    }
    io.jbuild.cache.AtomicFiles.write(file(name), root.tmp(), entry);
  }

  /** Removes a tag; false when it did not exist. The blobs stay until garbage collection. */
  public boolean remove(ImageReference ref) throws IOException {
    if (ref.tag() == null) {
      return false;
    }
    return Files.deleteIfExists(file(ref.withTag(ref.tag())));
  }

  /** Every tagged image, grouped by manifest, newest first. */
  public List<StoredImage> list() throws IOException {
    Map<Digest, List<ImageReference>> names = new LinkedHashMap<>();
    Map<Digest, Descriptor> manifests = new LinkedHashMap<>();
    if (!Files.isDirectory(refs)) {
      return List.of();
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(refs, "*.json")) {
      for (Path f : files) {
        Entry e;
        try {
          e = read(f);
        } catch (NoSuchFileException gone) {
          continue;
        }
        names.computeIfAbsent(e.manifest().digest(), k -> new ArrayList<>()).add(ImageReference.parse(e.reference()));
        manifests.putIfAbsent(e.manifest().digest(), e.manifest());
      }
    }
    List<StoredImage> out = new ArrayList<>();
    ContentStore store = root.content();
    for (Map.Entry<Digest, Descriptor> m : manifests.entrySet()) {
      List<ImageReference> refsOf = names.get(m.getKey());
      refsOf.sort(Comparator.comparing(ImageReference::toString));
      Digest configDigest = null;
      Instant created = null;
      long size = 0;
      try {
        Descriptor platform = ImageContent.platformManifest(store, m.getValue(), Platform.host());
        ImageManifest manifest = ImageContent.manifest(store, platform);
        configDigest = manifest.config().digest();
        size = manifest.config().size() + manifest.layers().stream().mapToLong(Descriptor::size).sum();
        ImageConfig config = Json.read(store.read(configDigest), ImageConfig.class, "config " + configDigest);
        created = parseTime(config.created());
      } catch (IOException | InvalidContentException e) {
        // a damaged image still lists, without details: `jbuild fsck` reports it
      }
      out.add(new StoredImage(List.copyOf(refsOf), m.getValue(), configDigest, created, size));
    }
    out.sort(Comparator.comparing(StoredImage::created, Comparator.nullsLast(Comparator.reverseOrder()))
        .thenComparing(s -> s.references().get(0).toString()));
    return out;
  }

  private static Instant parseTime(String s) {
    try {
      return s == null ? null : Instant.parse(s);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private Path file(ImageReference tagged) {
    return refs.resolve(Digest.sha256(tagged.toString().getBytes(StandardCharsets.UTF_8)).encoded() + ".json");
  }

  private static Entry read(Path f) throws IOException {
    return Json.read(Files.readAllBytes(f), Entry.class, "image store entry " + f);
  }
}
