package io.jbuild.builder.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.builder.sys.LibC;
import io.jbuild.builder.sys.TestSupport;
import io.jbuild.cache.ContentStore;
import io.jbuild.cache.StorageRoot;
import io.jbuild.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** LayerWriter and LayerUnpacker against each other, GNU tar, and overlayfs conventions. */
class LayerRoundTripTest {
  /** A valid VFS_CAP_REVISION_2 security.capability value granting CAP_NET_BIND_SERVICE. */
  static final byte[] CAP_NET_BIND_SERVICE = HexFormat.of().parseHex(
      "0100000200040000000000000000000000000000");
  private static final String LONG_NAME = "d/" + "long-name-".repeat(12) + "end.txt";

  @TempDir Path tmp;
  private ContentStore store;

  @BeforeEach
  void setUp() {
    TestSupport.requireRoot();
    store = StorageRoot.open(tmp.resolve("root")).content();
  }

  /** Every kind of entry a layer can hold, with odd modes, owners, xattrs and times. */
  private Path richTree(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("d"));
    Files.createDirectories(dir.resolve("sticky"));
    Files.writeString(dir.resolve("d/setuid"), "#!/bin/sh\n");
    Files.writeString(dir.resolve("d/setgid"), "x");
    Files.write(dir.resolve("d/empty"), new byte[0]);
    byte[] big = new byte[700_000]; // several parallel gzip blocks
    new Random(42).nextBytes(big);
    Files.write(dir.resolve("d/big.bin"), big);
    Files.writeString(dir.resolve("d/hard1"), "shared inode");
    Files.createLink(dir.resolve("d/hard2"), dir.resolve("d/hard1"));
    Files.createSymbolicLink(dir.resolve("d/rel-link"), Path.of("../sticky/none"));
    Files.createSymbolicLink(dir.resolve("abs-link"), Path.of("/etc/passwd"));
    Files.writeString(dir.resolve("d/ünïcödé.txt"), "utf-8 name");
    Files.writeString(dir.resolve(LONG_NAME), "long");
    Files.writeString(dir.resolve("d/capable"), "cap");
    LibC.mknod(dir.resolve("d/fifo"), LibC.S_IFIFO | 0640, 0, 0);
    LibC.mknod(dir.resolve("d/null"), LibC.S_IFCHR | 0666, 1, 3);
    LibC.mknod(dir.resolve("d/loop"), LibC.S_IFBLK | 0660, 7, 0);
    LibC.chmod(dir.resolve("d/null"), 0666); // mknod applied the umask
    LibC.lchown(dir.resolve("d/setuid"), 1000, 1000);
    LibC.chmod(dir.resolve("d/setuid"), 04755);
    LibC.lchown(dir.resolve("d/setgid"), 0, 50);
    LibC.chmod(dir.resolve("d/setgid"), 02711);
    LibC.chmod(dir.resolve("sticky"), 01777);
    LibC.lchown(dir.resolve("d"), 33, 44);
    LibC.chmod(dir.resolve("d"), 0750);
    LibC.lchown(dir.resolve("abs-link"), 7, 8);
    LibC.lsetxattr(dir.resolve("d/capable"), "security.capability", CAP_NET_BIND_SERVICE);
    LibC.lsetxattr(dir.resolve("d/big.bin"), "user.comment", "hello".getBytes(StandardCharsets.UTF_8));
    LibC.lsetxattr(dir.resolve("sticky"), "trusted.jbuild", new byte[] {0, 1, (byte) 0xff});
    long t = 1_600_000_000L;
    try (Stream<Path> all = Files.walk(dir)) {
      List<Path> paths = new ArrayList<>(all.toList());
      java.util.Collections.reverse(paths); // children first, so parents keep their time
      for (Path p : paths) {
        LibC.lutimes(p, t, 0, t, 0);
        t += 1000;
      }
    }
    return dir;
  }

  /** path -> "type mode uid:gid mtime link size sha xattrs inode-group" */
  static Map<String, String> describe(Path root) throws IOException {
    Map<String, String> result = new TreeMap<>();
    Map<Object, String> firstByInode = new TreeMap<>();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : (Iterable<Path>) all.sorted()::iterator) {
        if (p.equals(root)) {
          continue;
        }
        Map<String, Object> a = Files.readAttributes(p,
            "unix:mode,uid,gid,lastModifiedTime,ino,nlink,rdev,size", LinkOption.NOFOLLOW_LINKS);
        String rel = root.relativize(p).toString();
        int mode = (Integer) a.get("mode");
        StringBuilder sb = new StringBuilder(Integer.toOctalString(mode)).append(' ')
            .append(a.get("uid")).append(':').append(a.get("gid")).append(' ')
            .append(((FileTime) a.get("lastModifiedTime")).toInstant().getEpochSecond());
        if (Files.isSymbolicLink(p)) {
          sb.append(" -> ").append(Files.readSymbolicLink(p));
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          sb.append(" sha=").append(Digest.sha256(Files.readAllBytes(p)).shortHex());
          if ((Integer) a.get("nlink") > 1) {
            String first = firstByInode.computeIfAbsent(a.get("ino").toString(), k -> rel);
            sb.append(" inode-of=").append(first);
          }
        } else {
          sb.append(" rdev=").append(a.get("rdev"));
        }
        for (String x : new java.util.TreeSet<>(LibC.llistxattr(p))) {
          sb.append(' ').append(x).append('=')
              .append(HexFormat.of().formatHex(LibC.lgetxattr(p, x)));
        }
        result.put(rel, sb.toString());
      }
    }
    return result;
  }

  private List<TarHeader> headers(LayerBlob layer) throws IOException {
    List<TarHeader> result = new ArrayList<>();
    try (InputStream in = new GZIPInputStream(store.open(layer.descriptor().digest()))) {
      TarReader r = new TarReader(in);
      for (TarHeader h = r.next(); h != null; h = r.next()) {
        result.add(h);
      }
    }
    return result;
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void writeThenUnpack_richTree_isIdentical(Compression compression) throws IOException {
    Path source = richTree(tmp.resolve("source"));

    LayerBlob layer = LayerWriter.write(source, store, compression, null);
    Path target = tmp.resolve("target");
    try (InputStream in = store.open(layer.descriptor().digest())) {
      LayerUnpacker.unpack(in, layer.descriptor(), layer.diffId(), target);
    }

    assertEquals(compression.mediaType(), layer.descriptor().mediaType());
    assertFalse(layer.empty());
    assertEquals(describe(source), describe(target));
  }

  @Test
  void write_richTree_gnuTarListsEntriesInWalkOrder() throws IOException, InterruptedException {
    Path source = richTree(tmp.resolve("source"));

    LayerBlob layer = LayerWriter.write(source, store, Compression.GZIP, null);
    String blob = store.path(layer.descriptor().digest()).toString();
    List<String> names = TestSupport.sh("tar", "-tzf", blob).lines().toList();
    String verbose = TestSupport.sh("tar", "--numeric-owner", "-tvzf", blob);

    assertEquals(List.of("abs-link", "d/", "d/big.bin", "d/capable", "d/empty", "d/fifo",
        "d/hard1", "d/hard2", LONG_NAME, "d/loop", "d/null", "d/rel-link", "d/setgid", "d/setuid",
        "d/ünïcödé.txt", "sticky/"), names);
    assertTrue(verbose.contains("-rwsr-xr-x 1000/1000"), verbose);
    assertTrue(verbose.contains("drwxrwxrwt 0/0"), verbose);
    assertTrue(verbose.contains("d/hard2 link to d/hard1"), verbose);
    assertTrue(verbose.contains("abs-link -> /etc/passwd"), verbose);
    assertTrue(verbose.contains("crw-rw-rw- 0/0") && verbose.contains("1,3"), verbose);
    // a layer's diffId is the sha256 of the uncompressed tar (image-spec config.md)
    try (InputStream in = new GZIPInputStream(store.open(layer.descriptor().digest()))) {
      assertEquals(Digest.sha256(in.readAllBytes()), layer.diffId());
    }
  }

  @Test
  void write_sameTreeTwice_sameDigests() throws IOException {
    Path source = richTree(tmp.resolve("source"));

    LayerBlob first = LayerWriter.write(source, store, Compression.GZIP, null);
    LayerBlob second = LayerWriter.write(source, store, Compression.GZIP, null);

    assertEquals(first, second);
  }

  @Test
  void write_sourceDateEpoch_clampsNewerMtimesOnly() throws IOException {
    Path source = richTree(tmp.resolve("source"));
    long epoch = 1_600_000_005L; // between the oldest and the newest entry

    LayerBlob clamped = LayerWriter.write(source, store, Compression.GZIP, epoch);
    LayerBlob plain = LayerWriter.write(source, store, Compression.GZIP, null);

    List<TarHeader> headers = headers(clamped);
    assertTrue(headers.stream().allMatch(h -> h.mtimeSec <= epoch));
    assertTrue(headers.stream().anyMatch(h -> h.mtimeSec < epoch), "older times are kept");
    assertNotEquals(plain.diffId(), clamped.diffId());
  }

  @Test
  void write_overlayWhiteoutsAndOpaqueDir_becomeOciWhiteouts() throws IOException {
    Path upper = Files.createDirectories(tmp.resolve("upper/etc"));
    LibC.mknod(upper.resolve("gone"), LibC.S_IFCHR, 0, 0);
    Path opaque = Files.createDirectories(tmp.resolve("upper/data"));
    LibC.lsetxattr(opaque, "trusted.overlay.opaque", new byte[] {'y'});
    LibC.lsetxattr(opaque, "trusted.overlay.origin", new byte[] {1, 2});
    Files.writeString(opaque.resolve("new"), "n");

    LayerBlob layer = LayerWriter.write(tmp.resolve("upper"), store, Compression.GZIP, null);

    List<TarHeader> headers = headers(layer);
    assertEquals(List.of("data/", "data/.wh..wh..opq", "data/new", "etc/", "etc/.wh.gone"),
        headers.stream().map(h -> h.name).toList());
    assertTrue(headers.get(0).xattrs.isEmpty(), "trusted.overlay.* never reaches a layer");
    assertEquals(TarHeader.REG, headers.get(4).type);
  }

  @Test
  void unpack_ociWhiteouts_becomeOverlayWhiteouts() throws IOException {
    Path upper = Files.createDirectories(tmp.resolve("upper/etc"));
    LibC.mknod(upper.resolve("gone"), LibC.S_IFCHR, 0, 0);
    Path opaque = Files.createDirectories(tmp.resolve("upper/data"));
    LibC.lsetxattr(opaque, "trusted.overlay.opaque", new byte[] {'y'});
    LayerBlob layer = LayerWriter.write(tmp.resolve("upper"), store, Compression.GZIP, null);

    Path target = tmp.resolve("target");
    try (InputStream in = store.open(layer.descriptor().digest())) {
      LayerUnpacker.unpack(in, layer.descriptor(), layer.diffId(), target);
    }

    Map<String, Object> a = Files.readAttributes(target.resolve("etc/gone"), "unix:mode,rdev",
        LinkOption.NOFOLLOW_LINKS);
    assertEquals(LibC.S_IFCHR, (Integer) a.get("mode") & 0170000);
    assertEquals(0L, a.get("rdev"));
    assertTrue(java.util.Arrays.equals(new byte[] {'y'},
        LibC.lgetxattr(target.resolve("data"), "trusted.overlay.opaque")));
    assertFalse(Files.exists(target.resolve("data/.wh..wh..opq"), LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void write_emptyDir_isEmptyLayer() throws IOException {
    LayerBlob layer = LayerWriter.write(Files.createDirectories(tmp.resolve("nothing")), store,
        Compression.GZIP, null);

    assertTrue(layer.empty());
    assertEquals(List.of(), headers(layer));
    assertTrue(store.contains(layer.descriptor().digest()));
  }
}
