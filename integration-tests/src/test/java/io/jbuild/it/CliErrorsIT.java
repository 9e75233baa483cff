package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.registry.testing.RegistryFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each user mistake of issue 7 gets a message that says what is wrong, where, and what to do
 * next, and the exit code of the README: 2 for the user's input, 1 for the machine.
 */
class CliErrorsIT {
  @TempDir
  static Path shared;
  static Path root;
  static Path ctx;

  @BeforeAll
  static void setUp() throws Exception {
    root = CliRun.rootWithBusybox(shared);
    ctx = CliRun.context(shared.resolve("ctx"), """
        FROM busybox AS one
        RUN echo one
        FROM busybox AS two
        COPY --from=one /etc/passwd /p
        """);
  }

  private static Exec build(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("build", "--progress=plain"));
    all.addAll(List.of(args));
    return CliRun.jbuild(root, Map.of(), all.toArray(String[]::new));
  }

  private static void assertError(Exec r, int code, String... parts) {
    assertEquals(code, r.exitCode(), r.stderr());
    for (String p : parts) {
      assertTrue(r.stderr().contains(p), "no \"" + p + "\" in:\n" + r.stderr());
    }
    System.out.println(r.stderr());
  }

  @Test
  void build_missingContextDirectory_namesItAndWhatItShouldBe() throws Exception {
    Path missing = shared.resolve("no-such-dir");
    assertError(build("-t", "x", missing.toString()), 2,
        "context directory \"" + missing + "\" does not exist", "usually . (jbuild build -t NAME .)");
  }

  @Test
  void build_missingDockerfile_namesThePathTriedAndDashF(@TempDir Path empty) throws Exception {
    assertError(build("-t", "x", empty.toString()), 2,
        empty.resolve("Dockerfile") + " does not exist (use -f to name another file)");
    assertError(build("-f", empty.resolve("Containerfile").toString(), empty.toString()), 2,
        empty.resolve("Containerfile") + " does not exist");
  }

  @Test
  void build_unknownTarget_listsTheStages() throws Exception {
    assertError(build("--target", "three", ctx.toString()), 2,
        "target stage \"three\" could not be found", "stages: one, two");
  }

  @Test
  void build_malformedBuildArg_saysTheExpectedForm() throws Exception {
    assertError(build("--build-arg", "=oops", ctx.toString()), 2,
        "invalid --build-arg \"=oops\": expected KEY=VALUE or KEY");
  }

  @Test
  void build_malformedOutput_saysWhichPartIsWrong() throws Exception {
    assertError(build("-o", "type=oci", ctx.toString()), 2, "invalid --output \"type=oci\": type=oci needs dest=PATH");
    assertError(build("-o", "type=zip,dest=x", ctx.toString()), 2,
        "unknown type \"zip\" (oci, docker, local, tar, image, registry)");
  }

  @Test
  void build_malformedSecret_saysWhatIsMissing() throws Exception {
    assertError(build("--secret", "src=/etc/hostname", ctx.toString()), 2, "invalid --secret \"src=/etc/hostname\": no id=",
        "(expected id=ID,src=FILE or id=ID,env=VAR)");
    assertError(build("--secret", "id=tok,src=/no/such/file", ctx.toString()), 2, "the file /no/such/file does not exist");
  }

  @Test
  void build_unknownRuntime_namesTheFlagBeforeAnyStep() throws Exception {
    assertError(build("--runtime", "nope", "-t", "x", ctx.toString()), 2,
        "invalid --runtime \"nope\": expected runc, crun, unshare or auto");
  }

  @Test
  void build_malformedPlatform_showsTheExpectedForm() throws Exception {
    assertError(build("--platform", "linux", ctx.toString()), 2,
        "invalid platform \"linux\": expected os/arch[/variant], for example linux/amd64");
  }

  @Test
  void build_pushWithRejectedCredentials_namesTheCredentialSource(@TempDir Path tmp) throws Exception {
    try (RegistryFixture registry = RegistryFixture.htpasswdTls("builder", "right-password")) {
      Path docker = Files.createDirectories(tmp.resolve("docker-config"));
      String auth = Base64.getEncoder().encodeToString("builder:wrong-password".getBytes(StandardCharsets.UTF_8));
      Files.writeString(docker.resolve("config.json"), "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + auth + "\"}}}");
      Path scratch = CliRun.context(tmp.resolve("ctx"), "FROM scratch\nCOPY Dockerfile /\n");

      Exec r = CliRun.jbuild(root, Map.of("DOCKER_CONFIG", docker.toString(), "JBUILD_REGISTRY_CA", registry.caCertificate().toString()),
          "build", "--progress=plain", "--push", "-t", registry.host() + "/app:1", scratch.toString());

      assertError(r, 1, registry.host(), docker.resolve("config.json").toString());
    }
  }

  @Test
  void build_copyOfAMissingFileAfterAStepThatRan_failsLikeAnyCopyNamingFileAndLine(@TempDir Path tmp) throws Exception {
    // the COPY after a step that ran starts beside its checksum (Solver.speculate): the
    // checksum's error is still the one reported, and nothing stays mounted
    Path c = CliRun.context(tmp.resolve("ctx"), "FROM busybox\nWORKDIR /w\nCOPY nope.txt .\n");
    assertError(build("-t", "missing", c.toString()), 1, "\"/nope.txt\": not found", "Dockerfile:3",
        ">>> COPY nope.txt .");
    assertEquals(List.of(), CliCancelIT.mountsUnder(root), "mounts left behind");
  }

  @Test
  void build_diskFull_namesTheDirectoryThatFilledUp(@TempDir Path tmp) throws Exception {
    Path small = Files.createDirectories(tmp.resolve("small"));
    Exec.run("mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", small.toString()).assertOk("mount tmpfs");
    try {
      Path smallRoot = CliRun.rootWithBusybox(small);
      Path big = CliRun.context(tmp.resolve("big"), "FROM busybox\nCOPY big.bin /big.bin\n");
      byte[] noise = new byte[24 << 20];
      new Random(7).nextBytes(noise); // random: no compression makes it fit
      Files.write(big.resolve("big.bin"), noise);

      Exec r = CliRun.jbuild(smallRoot, Map.of(), "build", "--progress=plain", "-t", "big", big.toString());

      assertError(r, 1, "no space left on device in " + smallRoot.resolve("tmp"), "free space there");
      assertEquals(List.of(), CliCancelIT.mountsUnder(smallRoot), "mounts left behind");
    } finally {
      Exec.run("umount", "-l", small.toString());
    }
  }

  @Test
  void build_noRuntimeInstalled_saysHowToInstallOne(@TempDir Path tmp) throws Exception {
    Path fresh = CliRun.rootWithBusybox(tmp);
    Path run = CliRun.context(tmp.resolve("ctx"), "FROM busybox\nRUN true\n");
    // a mount namespace in which runc, crun and unshare are no executables
    StringBuilder hide = new StringBuilder();
    for (String tool : List.of("runc", "crun", "unshare")) {
      for (String dir : List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin")) {
        if (Files.isRegularFile(Path.of(dir, tool))) {
          hide.append("mount --bind /dev/null ").append(dir).append('/').append(tool).append(" && ");
        }
      }
    }
    List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
        hide + "exec \"$@\"", "sh"));
    cmd.addAll(CliRun.command("build", "--progress=plain", run.toString()));

    Exec r = Exec.run(null, Map.of("JBUILD_ROOT", fresh.toString()), 300, cmd);

    assertError(r, 1, "no container runtime found: install runc (apt-get install runc), crun (apt-get install crun)");
  }

  @Test
  void build_notRoot_saysRootIsNeededAndTheRootlessOptions() throws Exception {
    Prerequisites.requireTool("setpriv");
    List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
    cmd.addAll(CliRun.command("build", "--progress=plain", "-t", "x", ctx.toString()));

    Exec r = Exec.run(null, Map.of("HOME", "/tmp", "JBUILD_ROOT", "/tmp/jbuild-not-root-" + ProcessHandle.current().pid()), 120, cmd);

    assertError(r, 1, "jbuild build must run as root (it runs as uid 65534)", "sudo jbuild build", "Rootless options");
  }
}
