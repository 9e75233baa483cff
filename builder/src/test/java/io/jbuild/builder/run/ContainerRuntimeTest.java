package io.jbuild.builder.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.builder.layer.Compression;
import io.jbuild.builder.layer.LayerBlob;
import io.jbuild.builder.layer.LayerUnpacker;
import io.jbuild.builder.layer.LayerWriter;
import io.jbuild.builder.mount.OverlayMount;
import io.jbuild.builder.sys.TestSupport;
import io.jbuild.builder.user.ResolvedUser;
import io.jbuild.builder.user.UserResolver;
import io.jbuild.cache.ContentStore;
import io.jbuild.cache.StorageRoot;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs real containers with each runtime over a busybox rootfs on an overlay mount, the way the
 * solver runs a RUN step, and checks isolation, output, exit codes and the resulting layer.
 */
class ContainerRuntimeTest {
  @TempDir Path tmp;

  /** The mount points every overlay gets at its bottom, made once per test. */
  private Path stubs() throws IOException {
    Path s = tmp.resolve("stubs");
    return Files.isDirectory(s) ? s : OverlayMount.createMountPointStubs(s);
  }
  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private final List<String> out = Collections.synchronizedList(new ArrayList<>());
  private final List<String> err = Collections.synchronizedList(new ArrayList<>());
  private Path lower;
  private Path upper;
  private Path merged;

  @AfterEach
  void tearDown() throws Exception {
    Collections.reverse(cleanup);
    for (AutoCloseable c : cleanup) {
      c.close();
    }
  }

  private ContainerRuntime runtime(String name) throws Exception {
    TestSupport.requireRoot();
    TestSupport.requireBinary(name, name.equals("unshare") ? "util-linux" : name);
    lower = TestSupport.busyboxRootfs(tmp.resolve("lower"));
    Files.createDirectories(lower.resolve("data"));
    Files.writeString(lower.resolve("data/a"), "a");
    Files.writeString(lower.resolve("data/b"), "b");
    return Runtimes.select(name, tmp.resolve("state"));
  }

  private OverlayMount mountRootfs(List<Path> lowers) throws IOException {
    upper = Files.createDirectories(tmp.resolve("upper"));
    Path work = Files.createDirectories(tmp.resolve("work"));
    merged = Files.createDirectories(tmp.resolve("merged"));
    OverlayMount m = OverlayMount.mount(lowers, upper, work, merged, stubs());
    cleanup.add(m);
    return m;
  }

  private ExecResult run(ContainerRuntime rt, int uid, int gid, List<Integer> groups, String network,
      String script) throws Exception {
    Path workDir = Files.createDirectories(tmp.resolve("exec-" + UUID.randomUUID()));
    ExecSpec spec = new ExecSpec("jbuild-test-" + UUID.randomUUID(), merged,
        List.of("/bin/sh", "-c", script), List.of("PATH=/bin", "HOME=/root"), "/", uid, gid,
        groups, "jbuild-test", network, workDir, out::add, err::add);
    return rt.run(spec);
  }

  private ExecResult run(ContainerRuntime rt, String script) throws Exception {
    return run(rt, 0, 0, List.of(), "default", script);
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "crun", "unshare"})
  void run_shell_isIsolatedFromHost(String name) throws Exception {
    ContainerRuntime rt = runtime(name);
    mountRootfs(List.of(lower));
    Path marker = Files.writeString(tmp.resolve("host-marker"), "secret");

    ExecResult result = run(rt, "echo pid=$$; echo host=$(hostname); "
        + "echo procs=$(ls -d /proc/[0-9]* | wc -l); "
        + "if [ -e " + marker + " ]; then echo marker=visible; else echo marker=absent; fi; "
        + "cat /etc/hosts | grep -c jbuild-test");

    assertEquals(0, result.exitCode(), () -> "stderr: " + err);
    assertTrue(out.contains("pid=1"), () -> "not pid 1 of its own pid namespace: " + out);
    assertTrue(out.contains("host=jbuild-test"), out::toString);
    assertTrue(out.contains("marker=absent"), out::toString);
    int procs = Integer.parseInt(out.stream().filter(l -> l.startsWith("procs="))
        .findFirst().orElseThrow().substring(6));
    // sh, the subshell and ls; the host has dozens
    assertTrue(procs <= 4, () -> "host processes visible: " + out);
    assertEquals("1", out.get(out.size() - 1), "/etc/hosts names the hostname");
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "crun", "unshare"})
  void run_failingCommand_propagatesExitCodeAndStreams(String name) throws Exception {
    ContainerRuntime rt = runtime(name);
    mountRootfs(List.of(lower));

    ExecResult result = run(rt, "echo one; echo two >&2; echo three; exit 3");

    assertEquals(3, result.exitCode());
    assertEquals(List.of("one", "three"), out);
    assertEquals(List.of("two"), err);
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "crun", "unshare"})
  void run_deletions_becomeWhiteoutsThatHideLowerFiles(String name) throws Exception {
    ContainerRuntime rt = runtime(name);
    OverlayMount mount = mountRootfs(List.of(lower));
    ExecResult result = run(rt, "rm /etc/group && rm -rf /data && mkdir /data && echo x > /data/new");
    assertEquals(0, result.exitCode(), () -> "stderr: " + err);
    mount.close();

    ContentStore store = StorageRoot.open(tmp.resolve("root")).content();
    LayerBlob layer = LayerWriter.write(upper, store, Compression.GZIP, null);
    List<String> entries = TestSupport.sh("tar", "-tzf", store.path(layer.descriptor().digest())
        .toString()).lines().toList();

    assertEquals(List.of("data/", "data/.wh..wh..opq", "data/new", "etc/", "etc/.wh.group"),
        entries);
    Path unpacked = tmp.resolve("unpacked");
    try (InputStream in = store.open(layer.descriptor().digest())) {
      LayerUnpacker.unpack(in, layer.descriptor(), layer.diffId(), unpacked);
    }
    Path upper2 = Files.createDirectories(tmp.resolve("upper2"));
    Path work2 = Files.createDirectories(tmp.resolve("work2"));
    Path merged2 = Files.createDirectories(tmp.resolve("merged2"));
    try (OverlayMount m2 = OverlayMount.mount(List.of(unpacked, lower), upper2, work2, merged2, stubs())) {
      assertFalse(Files.exists(merged2.resolve("etc/group"), LinkOption.NOFOLLOW_LINKS));
      assertTrue(Files.exists(merged2.resolve("etc/passwd")));
      try (Stream<Path> data = Files.list(merged2.resolve("data"))) {
        assertEquals(List.of("new"), data.map(p -> p.getFileName().toString()).toList());
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "crun", "unshare"})
  void run_true_leavesEmptyLayer(String name) throws Exception {
    ContainerRuntime rt = runtime(name);
    OverlayMount mount = mountRootfs(List.of(lower));

    ExecResult result = run(rt, "true");
    mount.close();

    assertEquals(0, result.exitCode(), () -> "stderr: " + err);
    try (Stream<Path> left = Files.walk(upper)) {
      assertEquals(List.of(upper), left.toList(), "the upper dir must stay empty");
    }
    Path state = tmp.resolve("state").resolve(name);
    if (Files.isDirectory(state)) {
      try (Stream<Path> left = Files.list(state)) {
        assertEquals(List.of(), left.toList(), "a step that ended leaves no runtime state");
      }
    }
    LayerBlob layer = LayerWriter.write(upper, StorageRoot.open(tmp.resolve("root")).content(),
        Compression.GZIP, null);
    assertTrue(layer.empty());
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "crun", "unshare"})
  void run_plainRootfsWithoutMountPoints_removesCreatedStubs(String name) throws Exception {
    ContainerRuntime rt = runtime(name);
    merged = lower; // no overlay: the runtime has to create /proc, /dev, /sys, /etc/hosts...
    long etcMtime = Files.getLastModifiedTime(lower.resolve("etc")).toMillis();

    ExecResult result = run(rt, "test -s /etc/hosts && ls /proc/self >/dev/null");

    assertEquals(0, result.exitCode(), () -> "stderr: " + err);
    for (String stub : List.of("proc", "dev", "sys", "etc/hosts", "etc/resolv.conf")) {
      assertFalse(Files.exists(lower.resolve(stub), LinkOption.NOFOLLOW_LINKS), stub);
    }
    assertEquals(etcMtime, Files.getLastModifiedTime(lower.resolve("etc")).toMillis());
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "crun", "unshare"})
  void run_userNobody_runsWithItsIds(String name) throws Exception {
    ContainerRuntime rt = runtime(name);
    mountRootfs(List.of(lower));
    ResolvedUser user = UserResolver.resolve(merged, "nobody");

    ExecResult result = run(rt, user.uid(), user.gid(), user.additionalGids(), "default",
        "id -u; id -g; id -G");

    assertEquals(0, result.exitCode(), () -> "stderr: " + err);
    assertEquals(List.of("65534", "65534", "65534 100"), out);
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "crun", "unshare"})
  void run_networkNone_hasOnlyLoopback(String name) throws Exception {
    ContainerRuntime rt = runtime(name);
    mountRootfs(List.of(lower));

    ExecResult result = run(rt, 0, 0, List.of(), "none", "ls /sys/class/net");

    assertEquals(0, result.exitCode(), () -> "stderr: " + err);
    assertEquals(List.of("lo"), out);
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "crun", "unshare"})
  void run_missingWorkingDir_isCreated(String name) throws Exception {
    ContainerRuntime rt = runtime(name);
    mountRootfs(List.of(lower));
    Path workDir = Files.createDirectories(tmp.resolve("exec-cwd"));
    ExecSpec spec = new ExecSpec("jbuild-cwd-" + UUID.randomUUID(), merged, List.of("pwd"),
        List.of("PATH=/bin"), "/app/src", 0, 0, List.of(), "h", "default", workDir, out::add,
        err::add);

    assertEquals(0, rt.run(spec).exitCode(), () -> "stderr: " + err);
    assertEquals(List.of("/app/src"), out);
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "crun", "unshare"})
  void run_interrupted_killsContainerAndLeavesNoState(String name) throws Exception {
    ContainerRuntime rt = runtime(name);
    mountRootfs(List.of(lower));
    java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
    Path workDir = Files.createDirectories(tmp.resolve("exec-int"));
    ExecSpec spec = new ExecSpec("jbuild-int-" + UUID.randomUUID(), merged,
        List.of("/bin/sh", "-c", "echo started; exec sleep 987654"), List.of("PATH=/bin"), "/",
        0, 0, List.of(), "h", "default", workDir, line -> started.countDown(), err::add);
    java.util.concurrent.CompletableFuture<Throwable> outcome = new java.util.concurrent.CompletableFuture<>();
    Thread runner = new Thread(() -> {
      try {
        rt.run(spec);
        outcome.complete(null);
      } catch (Throwable t) {
        outcome.complete(t);
      }
    });
    runner.start();
    assertTrue(started.await(60, java.util.concurrent.TimeUnit.SECONDS), () -> "stderr: " + err);
    List<ProcessHandle> sleepers = ProcessHandle.allProcesses()
        .filter(h -> h.info().commandLine().orElse("").contains("987654")).toList();
    assertFalse(sleepers.isEmpty(), "the step's process is running");

    runner.interrupt();

    assertTrue(outcome.get(60, java.util.concurrent.TimeUnit.SECONDS)
        instanceof InterruptedException);
    for (ProcessHandle h : sleepers) {
      h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
    }
    try (Stream<Path> state = Files.list(tmp.resolve("state").resolve(name))) {
      assertEquals(List.of(), state.toList(), "runtime state left behind");
    }
  }
}
