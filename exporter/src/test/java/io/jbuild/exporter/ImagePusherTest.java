package io.jbuild.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jbuild.cache.ContentStore;
import io.jbuild.cache.StorageRoot;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageIndex;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import io.jbuild.oci.Platform;
import io.jbuild.registry.FetchedManifest;
import io.jbuild.registry.RegistryAccess;
import io.jbuild.registry.testing.Prerequisites;
import io.jbuild.registry.testing.RegistryFixture;
import io.jbuild.registry.testing.TestImage;
import io.jbuild.registry.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ImagePusher against a real registry, checked with skopeo. */
class ImagePusherTest {
  private static final Platform AMD64 = Platform.of("linux", "amd64", null);
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

  private RegistryAccess access() throws IOException {
    return new RegistryAccess(registry.clientConfig(Files.createDirectories(tmp.resolve("docker"))));
  }

  private JsonNode skopeoInspect(String repoTag) throws IOException {
    String skopeo = Prerequisites.require("skopeo").toString();
    return Json.mapper().readTree(Tools.run(tmp, skopeo, "inspect", "--tls-verify=false",
        "docker://" + registry.host() + "/" + repoTag));
  }

  @Test
  void push_image_isReadBySkopeoWithTheSameDigestAndCopiedUnchanged() throws IOException {
    String skopeo = Prerequisites.require("skopeo").toString();
    StorageRoot root = StorageRoot.open(tmp.resolve("root"));
    TestImage image = Images.store(root.content(), TestImage.create(AMD64, true, 2, 50_000, 1));

    Digest pushed = new ImagePusher(root.content(), access()).push(image.manifest(), registry.reference("push/app:1"));

    assertEquals(image.manifest().digest(), pushed);
    JsonNode inspect = skopeoInspect("push/app:1");
    assertEquals(pushed.toString(), inspect.path("Digest").asText());
    assertEquals(2, inspect.path("Layers").size());
    Tools.run(tmp, skopeo, "--insecure-policy", "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
        "docker://" + registry.host() + "/push/app:1", "docker://" + registry.host() + "/push/copy:1");
    assertEquals(pushed.toString(), skopeoInspect("push/copy:1").path("Digest").asText());
  }

  @Test
  void push_severalTagsAndByDigest_allNameTheSameManifest() throws IOException {
    StorageRoot root = StorageRoot.open(tmp.resolve("root"));
    TestImage image = Images.store(root.content(), TestImage.create(AMD64, true, 1, 1000, 2));
    RegistryAccess access = access();
    List<ImageReference> targets = List.of(registry.reference("push/tags:1"), registry.reference("push/tags:latest"),
        registry.reference("push/other:1"),
        ImageReference.parse(registry.host() + "/push/bydigest@" + image.manifest().digest()));

    new ImagePusher(root.content(), access).push(image.manifest(), targets);

    for (ImageReference t : targets) {
      FetchedManifest m = access.fetchManifest(t);
      assertEquals(image.manifest().digest(), m.digest(), t.toString());
      assertArrayEquals(image.manifestBytes(), m.bytes());
    }
  }

  @Test
  void push_sameImageAgain_sendsNoBlob() throws IOException {
    StorageRoot root = StorageRoot.open(tmp.resolve("root"));
    TestImage image = Images.store(root.content(), TestImage.create(AMD64, true, 2, 1000, 3));
    new ImagePusher(root.content(), access()).push(image.manifest(), registry.reference("push/again:1"));
    // the registry's upload area is empty after a complete push; a second push must not open any
    Path uploads = registry.storage().resolve("docker/registry/v2/repositories/push/again/_uploads");
    long before = countFiles(uploads);

    new ImagePusher(root.content(), access()).push(image.manifest(), registry.reference("push/again:2"));

    assertEquals(before, countFiles(uploads));
  }

  private static long countFiles(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (var w = Files.walk(dir)) {
      return w.count();
    }
  }

  @Test
  void push_index_pushesChildManifestsByDigestThenTheIndex() throws IOException {
    StorageRoot root = StorageRoot.open(tmp.resolve("root"));
    ContentStore store = root.content();
    List<Descriptor> entries = new ArrayList<>();
    int seed = 10;
    for (Platform p : List.of(AMD64, Platform.parse("linux/arm64"))) {
      TestImage image = Images.store(store, TestImage.create(p, true, 1, 1000, seed++));
      entries.add(image.manifest().withPlatform(p));
    }
    byte[] indexBytes = Json.write(ImageIndex.oci(entries));
    Digest indexDigest = store.put(indexBytes);
    Descriptor index = Descriptor.of(MediaTypes.OCI_INDEX, indexDigest, indexBytes.length);
    RegistryAccess access = access();

    new ImagePusher(store, access).push(index, registry.reference("push/multi:1"));

    FetchedManifest top = access.fetchManifest(registry.reference("push/multi:1"));
    assertEquals(indexDigest, top.digest());
    assertEquals(MediaTypes.OCI_INDEX, top.mediaType());
    for (Descriptor e : entries) {
      assertEquals(e.digest(), access.fetchManifest(registry.reference("push/multi:1").withDigest(e.digest())).digest());
    }
    String raw = Tools.run(tmp, Prerequisites.require("skopeo").toString(), "inspect", "--raw", "--tls-verify=false",
        "docker://" + registry.host() + "/push/multi:1");
    assertTrue(raw.contains(entries.get(1).digest().toString()));
  }
}
