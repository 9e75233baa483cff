package io.jbuild.builder.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.cache.ContentStore;
import io.jbuild.cache.StorageRoot;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageIndex;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.InvalidContentException;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import io.jbuild.oci.Platform;
import io.jbuild.registry.FetchedManifest;
import io.jbuild.registry.RegistryAccess;
import io.jbuild.registry.RegistryException;
import io.jbuild.registry.testing.Prerequisites;
import io.jbuild.registry.testing.RegistryFixture;
import io.jbuild.registry.testing.TestImage;
import io.jbuild.registry.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ImagePuller against a real registry, with images pushed there by skopeo. */
class ImagePullerTest {
  private static final Platform AMD64 = Platform.of("linux", "amd64", null);
  private static final Platform ARM64 = Platform.parse("linux/arm64");
  private static RegistryFixture registry;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws IOException {
    registry = RegistryFixture.plainHttp();
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  private StorageRoot root() {
    return StorageRoot.open(tmp.resolve("root"));
  }

  private RegistryAccess access() throws IOException {
    return new RegistryAccess(registry.clientConfig(Files.createDirectories(tmp.resolve("docker"))));
  }

  /** skopeo copy of a test image from an OCI layout to the registry, with extra flags. */
  private void skopeoPush(TestImage image, String repoTag, String... flags) throws IOException {
    String skopeo = Prerequisites.require("skopeo").toString();
    Path layout = tmp.resolve("layout-" + image.manifest().digest().shortHex());
    if (!Files.exists(layout)) {
      image.writeOciLayout(layout, "t");
    }
    List<String> cmd = new ArrayList<>(List.of(skopeo, "--insecure-policy", "copy", "--dest-tls-verify=false"));
    cmd.addAll(List.of(flags));
    cmd.add("oci:" + layout + ":t");
    cmd.add("docker://" + registry.host() + "/" + repoTag);
    Tools.run(tmp, cmd.toArray(String[]::new));
  }

  private static void assertPulled(ContentStore store, PulledImage pulled) {
    assertTrue(store.contains(pulled.manifestDescriptor().digest()), "manifest stored");
    assertTrue(store.contains(pulled.manifest().config().digest()), "config stored");
    for (Descriptor layer : pulled.manifest().layers()) {
      assertTrue(store.contains(layer.digest()), "layer " + layer.digest() + " stored");
    }
  }

  /**
   * The layers of a base are fetched early (Solver.prewarm) while the FROM step may ask for them
   * too: a blob being fetched is waited for, not fetched a second time.
   */
  @Test
  void fetchLayers_calledFromTwoThreadsAtOnce_fetchesEachBlobOnce() throws Exception {
    TestImage image = TestImage.create(AMD64, false, 3, 2 << 20, 12);
    skopeoPush(image, "pull/twice:1", "--format", "oci");
    StorageRoot root = root();
    try (io.jbuild.registry.testing.FaultProxy proxy = io.jbuild.registry.testing.FaultProxy.start(registry.port())) {
      ImagePuller puller = new ImagePuller(root.content(), access());
      PulledImage pulled = puller.resolve(ImageReference.parse(proxy.host() + "/pull/twice:1"), AMD64);
      long before = proxy.bytesDown();
      long layerBytes = pulled.manifest().layers().stream().mapToLong(Descriptor::size).sum();

      java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
      try {
        List<java.util.concurrent.Future<?>> both = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          both.add(two.submit(() -> {
            puller.fetchLayers(pulled.reference(), pulled.manifest());
            return null;
          }));
        }
        for (java.util.concurrent.Future<?> f : both) {
          f.get();
        }
      } finally {
        two.shutdownNow();
      }

      assertPulled(root.content(), pulled);
      long fetched = proxy.bytesDown() - before;
      assertTrue(fetched >= layerBytes && fetched < layerBytes * 3 / 2,
          "each layer crossed the wire once: " + fetched + " bytes for " + layerBytes + " bytes of layers");
    }
  }

  @Test
  void resolve_ociImagePushedBySkopeoWithGzip_storesManifestConfigAndLayers() throws IOException {
    TestImage image = TestImage.create(AMD64, false, 2, 4096, 11);
    skopeoPush(image, "pull/oci-gzip:1", "--format", "oci", "--dest-compress-format", "gzip");
    StorageRoot root = root();
    ImagePuller puller = new ImagePuller(root.content(), access());

    PulledImage pulled = puller.resolve(registry.reference("pull/oci-gzip:1"), AMD64);
    puller.fetchLayers(pulled.reference(), pulled.manifest());

    assertEquals(MediaTypes.OCI_MANIFEST, pulled.manifestDescriptor().mediaType());
    assertEquals(MediaTypes.OCI_LAYER_GZIP, pulled.manifest().layers().get(0).mediaType());
    assertEquals(image.config().digest(), pulled.manifest().config().digest());
    assertEquals(2, pulled.config().diffIds().size());
    assertPulled(root.content(), pulled);
  }

  @Test
  void resolve_ociImagePushedBySkopeoWithZstd_fetchesZstdLayers() throws IOException {
    TestImage image = TestImage.create(AMD64, false, 2, 4096, 12);
    skopeoPush(image, "pull/oci-zstd:1", "--format", "oci", "--dest-compress-format", "zstd");
    StorageRoot root = root();
    ImagePuller puller = new ImagePuller(root.content(), access());

    PulledImage pulled = puller.resolve(registry.reference("pull/oci-zstd:1"), AMD64);
    puller.fetchLayers(pulled.reference(), pulled.manifest());

    assertEquals(MediaTypes.OCI_LAYER_ZSTD, pulled.manifest().layers().get(0).mediaType());
    assertPulled(root.content(), pulled);
  }

  @Test
  void resolve_dockerSchema2ImagePushedBySkopeo_isPulled() throws IOException {
    TestImage image = TestImage.create(AMD64, false, 1, 4096, 13);
    skopeoPush(image, "pull/docker:1", "--format", "v2s2");
    StorageRoot root = root();
    ImagePuller puller = new ImagePuller(root.content(), access());

    PulledImage pulled = puller.resolve(registry.reference("pull/docker:1"), AMD64);
    puller.fetchLayers(pulled.reference(), pulled.manifest());

    assertEquals(MediaTypes.DOCKER_MANIFEST, pulled.manifestDescriptor().mediaType());
    assertEquals(MediaTypes.DOCKER_LAYER_GZIP, pulled.manifest().layers().get(0).mediaType());
    assertPulled(root.content(), pulled);
  }

  @Test
  void resolve_uncompressedLayers_arePulledAsIs() throws IOException {
    TestImage image = TestImage.create(AMD64, false, 1, 4096, 14);
    StorageRoot root = root();
    RegistryAccess access = access();
    ImageReference ref = registry.reference("pull/plain:1");
    for (var e : image.blobs().entrySet()) {
      if (!e.getKey().equals(image.manifest().digest())) {
        access.pushBlob(ref, Descriptor.of("application/octet-stream", e.getKey(), e.getValue().length),
            () -> new java.io.ByteArrayInputStream(e.getValue()));
      }
    }
    access.pushManifest(ref, MediaTypes.OCI_MANIFEST, image.manifestBytes());
    ImagePuller puller = new ImagePuller(root.content(), access);

    PulledImage pulled = puller.resolve(ref, AMD64);
    puller.fetchLayers(ref, pulled.manifest());

    assertEquals(MediaTypes.OCI_LAYER, pulled.manifest().layers().get(0).mediaType());
    assertEquals(image.manifest().digest(), pulled.manifestDescriptor().digest());
    assertPulled(root.content(), pulled);
  }

  /** Pushes an amd64 and an arm64 image by skopeo and an index over both with {@code indexType}. */
  private ImageReference multiPlatform(String repo, String indexType, String format) throws IOException {
    RegistryAccess access = access();
    List<Descriptor> entries = new ArrayList<>();
    int seed = 20;
    for (Platform p : List.of(AMD64, ARM64)) {
      TestImage image = TestImage.create(p, false, 1, 2048, seed++);
      String tag = repo + ":" + p.architecture();
      skopeoPush(image, tag, "--format", format);
      FetchedManifest m = access.fetchManifest(registry.reference(tag));
      entries.add(Descriptor.of(m.mediaType(), m.digest(), m.bytes().length).withPlatform(p));
    }
    byte[] index = Json.write(new ImageIndex(2, indexType, null, entries, null, null));
    ImageReference ref = registry.reference(repo + ":multi");
    access.pushManifest(ref, indexType, index);
    return ref;
  }

  @Test
  void resolve_ociIndex_choosesTheManifestOfThePlatform() throws IOException {
    ImageReference ref = multiPlatform("pull/multi-oci", MediaTypes.OCI_INDEX, "oci");
    StorageRoot root = root();

    PulledImage pulled = new ImagePuller(root.content(), access()).resolve(ref, ARM64);

    assertEquals("arm64", pulled.config().architecture());
    assertEquals("arm64", pulled.manifestDescriptor().platform().architecture());
  }

  @Test
  void resolve_dockerManifestList_choosesTheManifestOfThePlatform() throws IOException {
    ImageReference ref = multiPlatform("pull/multi-docker", MediaTypes.DOCKER_MANIFEST_LIST, "v2s2");

    PulledImage pulled = new ImagePuller(root().content(), access()).resolve(ref, AMD64);

    assertEquals("amd64", pulled.config().architecture());
    assertEquals(MediaTypes.DOCKER_MANIFEST, pulled.manifestDescriptor().mediaType());
  }

  @Test
  void resolve_platformNotInIndex_errorNamesReferenceAndAvailablePlatforms() throws IOException {
    ImageReference ref = multiPlatform("pull/multi-missing", MediaTypes.OCI_INDEX, "oci");

    PlatformMismatchException e = assertThrows(PlatformMismatchException.class,
        () -> new ImagePuller(root().content(), access()).resolve(ref, Platform.parse("linux/s390x")));

    assertTrue(e.getMessage().contains(ref.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("linux/amd64") && e.getMessage().contains("linux/arm64"), e.getMessage());
  }

  private Path registryBlobData(Digest d) {
    return registry.storage().resolve("docker/registry/v2/blobs/sha256/" + d.encoded().substring(0, 2) + "/"
        + d.encoded() + "/data");
  }

  @Test
  void fetchLayers_cutOffHalfWay_resumesWithoutFetchingCompleteBlobsAgain() throws IOException {
    TestImage image = TestImage.create(AMD64, true, 3, 8192, 30);
    StorageRoot root = root();
    RegistryAccess access = access();
    ImageReference ref = registry.reference("pull/resume:1");
    skopeoPush(image, "pull/resume:1", "--format", "oci");
    PulledImage pulled = new ImagePuller(root.content(), access).resolve(ref, AMD64);
    List<Descriptor> layers = pulled.manifest().layers();
    Path broken = registryBlobData(layers.get(1).digest());
    Path aside = tmp.resolve("aside");
    Files.move(broken, aside);

    assertThrows(RegistryException.class, () -> new ImagePuller(root.content(), access).fetchLayers(ref, pulled.manifest()));
    assertTrue(root.content().contains(layers.get(0).digest()), "the other layers finished and were kept");
    assertTrue(root.content().contains(layers.get(2).digest()), "the other layers finished and were kept");
    assertFalse(root.content().contains(layers.get(1).digest()));

    // the layers already pulled disappear from the registry: fetching them again would fail
    Files.move(aside, broken);
    Files.delete(registryBlobData(layers.get(0).digest()));
    Files.delete(registryBlobData(layers.get(2).digest()));
    new ImagePuller(root.content(), access()).fetchLayers(ref, pulled.manifest());

    for (Descriptor layer : layers) {
      assertTrue(root.content().contains(layer.digest()));
    }
  }

  @Test
  void fetchLayers_layerWithWrongDigest_isRefusedAndNothingIsLeftInTheStore() throws IOException {
    TestImage image = TestImage.create(AMD64, true, 1, 8192, 31);
    skopeoPush(image, "pull/corrupt:1", "--format", "oci");
    StorageRoot root = root();
    ImageReference ref = registry.reference("pull/corrupt:1");
    PulledImage pulled = new ImagePuller(root.content(), access()).resolve(ref, AMD64);
    Descriptor layer = pulled.manifest().layers().get(0);
    byte[] bad = Files.readAllBytes(registryBlobData(layer.digest()));
    bad[bad.length / 2] ^= 0x5a;
    Files.write(registryBlobData(layer.digest()), bad);

    InvalidContentException e = assertThrows(InvalidContentException.class,
        () -> new ImagePuller(root.content(), access()).fetchLayers(ref, pulled.manifest()));

    assertTrue(e.getMessage().contains(layer.digest().toString()), e.getMessage());
    assertFalse(root.content().contains(layer.digest()));
    try (Stream<Path> leftovers = Files.list(root.tmp())) {
      assertEquals(0, leftovers.count(), "no partial blob left in tmp/");
    }
  }

  @Test
  void resolve_byDigestAlreadyInStore_needsNoRegistry() throws IOException {
    TestImage image = TestImage.create(AMD64, true, 1, 1024, 32);
    skopeoPush(image, "pull/offline:1", "--format", "oci");
    StorageRoot root = root();
    PulledImage first = new ImagePuller(root.content(), access()).resolve(registry.reference("pull/offline:1"), AMD64);
    ImageReference pinned = ImageReference.parse("127.0.0.1:1/pull/offline@" + first.manifestDescriptor().digest());

    PulledImage again = new ImagePuller(root.content(), access()).resolve(pinned, AMD64);

    assertEquals(first.manifestDescriptor().digest(), again.manifestDescriptor().digest());
  }
}
