package io.jbuild.api;

import io.jbuild.builder.pull.ImagePuller;
import io.jbuild.cache.ContentStore;
import io.jbuild.cache.StorageRoot;
import io.jbuild.exporter.ArchiveLoader;
import io.jbuild.exporter.DockerArchiveWriter;
import io.jbuild.exporter.ImagePusher;
import io.jbuild.exporter.ImageStore;
import io.jbuild.exporter.OciArchiveWriter;
import io.jbuild.exporter.StoredImage;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageConfig;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.InvalidContentException;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import io.jbuild.registry.RegistryAccess;
import io.jbuild.registry.RegistryConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The local image store as the CLI's {@code images}, {@code tag}, {@code rmi}, {@code inspect},
 * {@code history}, {@code save} and {@code push} see it.
 */
public final class LocalImages {
  private final StorageRoot root;
  private final ImageStore images;

  private LocalImages(StorageRoot root) {
    this.root = root;
    this.images = new ImageStore(root);
  }

  public static LocalImages open(Path rootDir) throws BuildException {
    try {
      return new LocalImages(StorageRoot.open(rootDir));
    } catch (UncheckedIOException e) {
      throw new BuildException(BuildException.Kind.ENVIRONMENT, e.getMessage(), e);
    }
  }

  /** One row of {@code jbuild images}. */
  public record Summary(String repository, String tag, Digest imageId, Instant created, long size) {}

  public List<Summary> list() throws BuildException {
    try {
      List<Summary> out = new ArrayList<>();
      for (StoredImage s : images.list()) {
        for (ImageReference r : s.references()) {
          out.add(new Summary(r.familiar().substring(0, r.familiar().length() - (r.tag() == null ? 0 : r.tag().length() + 1)),
              r.tag(), s.configDigest(), s.created(), s.size()));
        }
      }
      return out;
    } catch (IOException e) {
      throw new BuildException(BuildException.Kind.ENVIRONMENT, "cannot read the image store: " + e.getMessage(), e);
    }
  }

  public void tag(String source, String target) throws BuildException {
    Descriptor d = require(source);
    try {
      images.tag(parse(target), d);
    } catch (IOException e) {
      throw new BuildException(BuildException.Kind.ENVIRONMENT, "tag failed: " + e.getMessage(), e);
    }
  }

  /** Removes a name; the blobs stay until prune. */
  public void remove(String name) throws BuildException {
    try {
      if (!images.remove(parse(name))) {
        throw new BuildException(BuildException.Kind.INVALID_INPUT, "no such image: " + name, null);
      }
    } catch (IOException e) {
      throw new BuildException(BuildException.Kind.ENVIRONMENT, "rmi failed: " + e.getMessage(), e);
    }
  }

  /** {@code docker image inspect}'s shape: Id, RepoTags, Created, Config, Architecture, Os, Size, RootFS. */
  public Map<String, Object> inspect(String name) throws BuildException {
    ImageReference ref = parse(name);
    Descriptor d = require(name);
    try {
      ContentStore store = root.content();
      ImageManifest m = Json.read(store.read(d.digest()), ImageManifest.class, "manifest of " + name);
      ImageConfig c = Json.read(store.read(m.config().digest()), ImageConfig.class, "config of " + name);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("Id", m.config().digest().toString());
      out.put("RepoTags", List.of(ref.familiar()));
      out.put("Digest", d.digest().toString());
      out.put("Created", c.created());
      out.put("Author", c.author());
      out.put("Config", c.containerConfig());
      out.put("Architecture", c.architecture());
      out.put("Os", c.os());
      out.put("Size", m.layers().stream().mapToLong(Descriptor::size).sum());
      out.put("RootFS", Map.of("Type", "layers", "Layers", c.diffIds().stream().map(Digest::toString).toList()));
      out.put("History", c.historyOrEmpty());
      return out;
    } catch (IOException | InvalidContentException e) {
      throw new BuildException(BuildException.Kind.ENVIRONMENT, "cannot read " + name + ": " + e.getMessage(), e);
    }
  }

  /** Writes an OCI layout tar ("oci") or a docker-archive ("docker"); never a half-written file. */
  public void save(String name, String format, Path dest) throws BuildException {
    Descriptor d = require(name);
    try {
      Path abs = dest.toAbsolutePath();
      Files.createDirectories(abs.getParent());
      Path tmp = io.jbuild.cache.AtomicFiles.tempFile(abs.getParent(), "." + abs.getFileName(), ".partial");
      try {
        try (OutputStream out = new java.io.BufferedOutputStream(io.jbuild.cache.AtomicFiles.output(tmp), 1 << 16)) {
          save(d, List.of(parse(name)), format, out);
        }
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new BuildException(BuildException.Kind.ENVIRONMENT, "save failed: " + e.getMessage(), e);
    }
  }

  private void save(Descriptor d, List<ImageReference> names, String format, OutputStream out) throws IOException, BuildException {
    switch (format) {
      case "oci" -> OciArchiveWriter.write(root.content(), d, names, out);
      case "docker" -> DockerArchiveWriter.write(root.content(), d, names, out);
      default -> throw new BuildException(BuildException.Kind.INVALID_INPUT, "invalid --format \"" + format + "\": expected oci or docker", null);
    }
  }

  /** Pushes a local image to {@code target} (default: its own name). */
  public Digest push(String name, String target) throws BuildException {
    Descriptor d = require(name);
    ImageReference to = parse(target == null ? name : target);
    try {
      RegistryAccess registry = new RegistryAccess(RegistryConfig.defaults());
      return new ImagePusher(root.content(), registry).push(d, to);
    } catch (IOException e) {
      throw new BuildException(BuildException.Kind.ENVIRONMENT, "push of " + to.familiar() + " failed: " + e.getMessage(), e);
    }
  }

  /** Pulls an image into the store and names it. */
  public Digest pull(String name) throws BuildException {
    ImageReference ref = parse(name);
    try {
      ImagePuller puller = new ImagePuller(root.content(), new RegistryAccess(RegistryConfig.defaults()));
      var pulled = puller.resolve(ref, io.jbuild.oci.Platform.host());
      puller.fetchLayers(ref, pulled.manifest());
      images.tag(ref, pulled.manifestDescriptor());
      return pulled.manifestDescriptor().digest();
    } catch (IOException e) {
      throw new BuildException(BuildException.Kind.ENVIRONMENT, "pull of " + ref.familiar() + " failed: " + e.getMessage(), e);
    }
  }

  /** One image {@link #load} read: the names it now has, and its manifest digest. */
  public record Loaded(List<String> names, Digest manifest) {}

  /**
   * {@code jbuild load}: reads an OCI layout or docker-archive tar (plain or gzip) into the store
   * and tags the names it carries. Everything is verified before the first tag is written, so a
   * bad archive leaves no name behind (its verified blobs stay until prune). A docker-archive's
   * uncompressed layers are stored gzip-compressed, the form a push needs.
   */
  public List<Loaded> load(InputStream archive, String source) throws BuildException {
    try {
      List<ArchiveLoader.LoadedImage> read = ArchiveLoader.read(root.content(), archive, source);
      List<Descriptor> manifests = new ArrayList<>();
      for (ArchiveLoader.LoadedImage image : read) {
        manifests.add(image.generated() ? ExportVariant.DEFAULT.apply(root.content(), image.manifest()) : image.manifest());
      }
      List<Loaded> out = new ArrayList<>();
      for (int i = 0; i < read.size(); i++) {
        List<String> names = new ArrayList<>();
        for (ImageReference r : read.get(i).names()) {
          images.tag(r, manifests.get(i));
          names.add(r.familiar());
        }
        out.add(new Loaded(names, manifests.get(i).digest()));
      }
      return out;
    } catch (InvalidContentException e) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT, "load refused: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new BuildException(BuildException.Kind.ENVIRONMENT, "load of " + source + " failed: " + e.getMessage(), e);
    }
  }

  private Descriptor require(String name) throws BuildException {
    Descriptor d = images.resolve(parse(name)).orElseThrow(() ->
        new BuildException(BuildException.Kind.INVALID_INPUT, "no such image: " + name + " (see `jbuild images`)", null));
    if (!MediaTypes.isManifest(d.mediaType()) && !MediaTypes.isIndex(d.mediaType())) {
      throw new BuildException(BuildException.Kind.ENVIRONMENT, name + " points at unexpected content " + d.mediaType(), null);
    }
    return d;
  }

  private static ImageReference parse(String name) throws BuildException {
    try {
      return ImageReference.parse(name);
    } catch (InvalidContentException e) {
      throw new BuildException(BuildException.Kind.INVALID_INPUT, e.getMessage(), e);
    }
  }
}
