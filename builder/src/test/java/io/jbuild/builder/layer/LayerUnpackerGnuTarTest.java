package io.jbuild.builder.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jbuild.builder.sys.LibC;
import io.jbuild.builder.sys.TestSupport;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.MediaTypes;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Layers written by other tools: GNU tar's gnu (././@LongLink) and posix (pax) formats. */
class LayerUnpackerGnuTarTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"gnu", "posix", "ustar"})
  void unpack_gnuTarLayer_matchesSourceTree(String format) throws Exception {
    TestSupport.requireRoot();
    TestSupport.requireBinary("tar", "tar");
    Path src = Files.createDirectories(tmp.resolve("src"));
    String deep = "dir-" + "x".repeat(60) + "/sub-" + "y".repeat(60);
    Files.createDirectories(src.resolve(deep));
    Files.writeString(src.resolve(deep).resolve("file.txt"), "deep");
    Files.writeString(src.resolve("plain"), "plain");
    Files.createSymbolicLink(src.resolve("link"), Path.of("dir-" + "x".repeat(60)));
    Files.createLink(src.resolve("hard"), src.resolve("plain"));
    LibC.chmod(src.resolve("plain"), 04751);
    try (var all = Files.walk(src)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        LibC.lutimes(p, 1_500_000_000L, 0, 1_500_000_000L, 0);
      }
    }
    Path blob = tmp.resolve("layer.tar.gz");
    TestSupport.sh("tar", "--format=" + format, "--numeric-owner", "-C", src.toString(), "-czf",
        blob.toString(), "plain", "hard", "link", "dir-" + "x".repeat(60));
    Digest diffId;
    try (InputStream in = new GZIPInputStream(Files.newInputStream(blob))) {
      diffId = Digest.sha256(in.readAllBytes());
    }

    Path target = tmp.resolve("target");
    try (InputStream in = Files.newInputStream(blob)) {
      LayerUnpacker.unpack(in, Descriptor.of(MediaTypes.DOCKER_LAYER_GZIP, Digest.sha256("x"), 1),
          diffId, target);
    }

    Map<String, String> expected = LayerRoundTripTest.describe(src);
    assertEquals(expected, LayerRoundTripTest.describe(target));
  }
}
