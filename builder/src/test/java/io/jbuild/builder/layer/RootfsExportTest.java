package io.jbuild.builder.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.builder.sys.TestSupport;
import io.jbuild.cache.ContentStore;
import io.jbuild.cache.StorageRoot;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.MediaTypes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The final filesystem of type=local and type=tar: whiteouts and opaque directories of
 * image-spec layer.md applied, metadata kept, and hostile layers refused without a write outside
 * the destination.
 */
class RootfsExportTest {
  @TempDir Path tmp;
  private ContentStore store;
  private final List<Descriptor> layers = new ArrayList<>();
  private final List<Digest> diffIds = new ArrayList<>();

  @BeforeEach
  void setUp() {
    TestSupport.requireRoot();
    store = StorageRoot.open(tmp.resolve("root")).content();
  }

  private static TarHeader file(String name, String content) {
    TarHeader h = new TarHeader();
    h.name = name;
    h.mode = 0644;
    h.size = content.getBytes(StandardCharsets.UTF_8).length;
    h.linkName = content; // carries the content to tar(); cleared there
    h.mtimeSec = 1_700_000_000L;
    return h;
  }

  private static TarHeader dir(String name) {
    TarHeader h = new TarHeader();
    h.name = name.endsWith("/") ? name : name + "/";
    h.type = TarHeader.DIR;
    h.mode = 0755;
    h.mtimeSec = 1_700_000_000L;
    return h;
  }

  private static TarHeader link(byte type, String name, String to) {
    TarHeader h = new TarHeader();
    h.name = name;
    h.type = type;
    h.mode = 0777;
    h.linkName = to;
    h.mtimeSec = 1_700_000_000L;
    return h;
  }

  /** Adds a gzip layer of {@code entries} to the store and to the image. */
  private void layer(TarHeader... entries) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (TarWriter w = new TarWriter(buf)) {
      for (TarHeader h : entries) {
        if (h.type == TarHeader.REG) {
          byte[] content = h.linkName.getBytes(StandardCharsets.UTF_8);
          h.linkName = "";
          w.putHeader(h);
          w.putContent(new ByteArrayInputStream(content), h.name);
        } else {
          w.putHeader(h);
        }
      }
    }
    byte[] tar = buf.toByteArray();
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(tar);
    }
    Digest digest = store.put(gz.toByteArray());
    layers.add(Descriptor.of(MediaTypes.OCI_LAYER_GZIP, digest, gz.size()));
    diffIds.add(Digest.sha256(tar));
  }

  private RootfsExport export() {
    return new RootfsExport(store, layers, diffIds);
  }

  private Map<String, String> tarEntries() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    export().toTar(out);
    Map<String, String> entries = new LinkedHashMap<>();
    TarReader r = new TarReader(new ByteArrayInputStream(out.toByteArray()));
    for (TarHeader h = r.next(); h != null; h = r.next()) {
      String what = switch (h.type) {
        case TarHeader.REG -> new String(r.content().readAllBytes(), StandardCharsets.UTF_8);
        case TarHeader.DIR -> "dir";
        case TarHeader.SYMLINK -> "-> " + h.linkName;
        case TarHeader.LINK -> "link " + h.linkName;
        default -> "type " + (char) h.type;
      };
      entries.put(h.name, what + " " + Integer.toOctalString(h.mode) + " " + h.uid + ":" + h.gid);
    }
    return entries;
  }

  @Test
  void toDirectory_whiteoutsAndOpaqueDirs_showOnlyWhatTheTopLayersLeave() throws IOException {
    layer(dir("etc"), file("etc/keep", "base"), file("etc/gone", "base"), dir("opq"), file("opq/old", "base"),
        dir("was-dir"), file("was-dir/child", "base"), file("was-file", "base"));
    layer(file("etc/.wh.gone", ""), dir("opq"), file("opq/.wh..wh..opq", ""), file("opq/new", "top"),
        file("was-dir", "now a file"), dir("was-file"), file("was-file/child", "now a dir"));
    Path out = tmp.resolve("out");

    export().toDirectory(out);

    assertEquals("base", Files.readString(out.resolve("etc/keep")));
    assertFalse(Files.exists(out.resolve("etc/gone")), "a whiteout hides the lower file");
    assertFalse(Files.exists(out.resolve("opq/old")), "an opaque dir hides the lower children");
    assertEquals("top", Files.readString(out.resolve("opq/new")), "an opaque dir keeps its own layer's children");
    assertEquals("now a file", Files.readString(out.resolve("was-dir")));
    assertEquals("now a dir", Files.readString(out.resolve("was-file/child")));
    try (Stream<Path> s = Files.walk(out)) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".wh.")), "no whiteout file is written");
    }
  }

  @Test
  void toDirectory_ownershipModesLinks_areKept() throws IOException {
    TarHeader owned = file("app/run.sh", "#!/bin/sh\n");
    owned.uid = 1000;
    owned.gid = 2000;
    owned.mode = 04755;
    layer(dir("app"), owned, link(TarHeader.SYMLINK, "app/latest", "run.sh"),
        link(TarHeader.LINK, "app/hard", "app/run.sh"));
    Path out = tmp.resolve("out");

    export().toDirectory(out);

    Path run = out.resolve("app/run.sh");
    Map<String, Object> a = Files.readAttributes(run, "unix:mode,uid,gid,ino,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
    assertEquals(0104755, a.get("mode"));
    assertEquals(1000, a.get("uid"));
    assertEquals(2000, a.get("gid"));
    assertEquals(1_700_000_000L, ((java.nio.file.attribute.FileTime) a.get("lastModifiedTime")).toInstant().getEpochSecond());
    assertEquals(Path.of("run.sh"), Files.readSymbolicLink(out.resolve("app/latest")));
    assertEquals(a.get("ino"), Files.getAttribute(out.resolve("app/hard"), "unix:ino"), "a hard link shares the inode");
    assertEquals("755", Integer.toOctalString((Integer) Files.getAttribute(out, "unix:mode") & 07777));
  }

  @Test
  void toTar_sameLayers_holdsTheMergedFilesystemWithMetadata() throws IOException {
    TarHeader owned = file("bin/tool", "v1");
    owned.uid = 1000;
    owned.gid = 1000;
    owned.mode = 0750;
    layer(dir("bin"), owned, file("bin/old", "x"), link(TarHeader.SYMLINK, "bin/sh", "tool"));
    TarHeader replaced = file("bin/tool", "v2");
    replaced.uid = 1000;
    replaced.gid = 1000;
    replaced.mode = 0750;
    layer(file("bin/.wh.old", ""), replaced, link(TarHeader.LINK, "bin/tool2", "bin/tool"));

    Map<String, String> entries = tarEntries();

    assertEquals(List.of("bin/", "bin/sh", "bin/tool", "bin/tool2"), List.copyOf(entries.keySet()));
    assertEquals("v2 750 1000:1000", entries.get("bin/tool"));
    assertEquals("-> tool 777 0:0", entries.get("bin/sh"));
    assertEquals("link bin/tool 777 0:0", entries.get("bin/tool2"));
  }

  @Test
  void toDirectory_dotDotEntry_isRefusedAndLeavesNothing() throws IOException {
    Path victim = Files.writeString(tmp.resolve("victim"), "original");
    layer(file("ok", "fine"), file("../victim", "pwned"));
    Path out = tmp.resolve("out");

    LayerException e = assertThrows(LayerException.class, () -> export().toDirectory(out));

    assertTrue(e.getMessage().contains("../victim") && e.getMessage().contains(layers.get(0).digest().toString()),
        e.getMessage());
    assertEquals("original", Files.readString(victim));
    assertFalse(Files.exists(out), "no half-written destination");
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(List.of("root", "victim"), s.map(p -> p.getFileName().toString()).sorted().toList(),
          "no partial directory left beside the destination");
    }
  }

  @Test
  void toDirectory_symlinkToOutsideThenWriteThroughIt_staysInside() throws IOException {
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    layer(link(TarHeader.SYMLINK, "evil", outside.toString()));
    layer(file("evil/pwned", "pwned"), link(TarHeader.SYMLINK, "up", "../../../.."), file("up/escaped", "pwned"));
    Path out = tmp.resolve("out");

    export().toDirectory(out);

    try (Stream<Path> s = Files.list(outside)) {
      assertEquals(0, s.count(), "nothing was written through the symlink");
    }
    assertEquals("pwned", Files.readString(out.resolve(outside.toString().substring(1)).resolve("pwned")),
        "the absolute link target is taken inside the destination, as containerd does");
    assertEquals("pwned", Files.readString(out.resolve("escaped")));
  }

  @Test
  void toDirectory_corruptLayerBlob_failsNamingTheLayer() throws IOException {
    layer(file("a", "a"));
    Descriptor good = layers.get(0);
    Files.writeString(store.path(good.digest()), "not the layer");
    Path out = tmp.resolve("out");

    Exception e = assertThrows(Exception.class, () -> export().toDirectory(out));

    assertTrue(String.valueOf(e.getMessage()).contains(good.digest().toString()), e.getMessage());
    assertFalse(Files.exists(out));
  }

  @Test
  void toDirectory_wrongDiffId_isRefused() throws IOException {
    layer(file("a", "a"));
    diffIds.set(0, Digest.sha256("something else"));

    LayerException e = assertThrows(LayerException.class, () -> export().toDirectory(tmp.resolve("out")));

    assertTrue(e.getMessage().contains("diffId mismatch"), e.getMessage());
  }

  @Test
  void toDirectory_nonEmptyDestination_isRefusedAndKept() throws IOException {
    layer(file("a", "a"));
    Path out = Files.createDirectories(tmp.resolve("out"));
    Files.writeString(out.resolve("mine"), "keep me");

    LayerException e = assertThrows(LayerException.class, () -> export().toDirectory(out));

    assertTrue(e.getMessage().contains("not empty") && e.getMessage().contains(out.toString()), e.getMessage());
    assertEquals("keep me", Files.readString(out.resolve("mine")));
  }
}
