package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jbuild.oci.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --platform for a foreign architecture: the image is made for it and TARGET* args name it
 * (BuildKit's automatic platform args); COPY needs no emulator, while a RUN without a binfmt_misc
 * handler fails up front naming the handler and the packages to install, where BuildKit would
 * only report "exec format error".
 */
class ForeignPlatformIT {
  private static final String HOST_ARCH = Platform.host().architecture();
  private static final String FOREIGN = HOST_ARCH.equals("arm64") ? "amd64" : "arm64";
  private static final String QEMU = FOREIGN.equals("arm64") ? "aarch64" : "x86_64";

  @TempDir
  Path tmp;

  @Test
  void build_scratchAndCopyForForeignPlatform_worksWithoutEmulator() throws Exception {
    Prerequisites.requireRoot();
    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    Files.writeString(ctx.resolve("app.txt"), "app\n");
    Files.writeString(ctx.resolve("Dockerfile"), """
        FROM scratch
        ARG TARGETARCH
        ARG TARGETPLATFORM
        ARG BUILDARCH
        ENV ARCH=$TARGETARCH PLATFORM=$TARGETPLATFORM BUILT_ON=$BUILDARCH
        COPY app.txt /
        """);
    Path out = tmp.resolve("out.tar");
    Exec.jbuild(tmp.resolve("root"), "build", "--progress=plain", "--platform", "linux/" + FOREIGN,
        "-o", "type=oci,dest=" + out, ctx.toString()).assertOk("build for linux/" + FOREIGN);
    OciArchive image = OciArchive.open(out);
    JsonNode config = image.config();
    assertEquals(FOREIGN, config.get("architecture").asText());
    assertEquals("linux", config.get("os").asText());
    String env = config.get("config").get("Env").toString();
    assertTrue(env.contains("ARCH=" + FOREIGN) && env.contains("PLATFORM=linux/" + FOREIGN), env);
    assertTrue(env.contains("BUILT_ON=" + HOST_ARCH), env);
    assertEquals("app\n", image.fileContent("app.txt"));
  }

  @Test
  void build_runForForeignPlatformWithoutHandler_failsNamingHandlerAndPackages() throws Exception {
    Prerequisites.requireRoot();
    Path handler = Path.of("/proc/sys/fs/binfmt_misc/qemu-" + QEMU);
    Assumptions.assumeFalse(Files.exists(handler), "this host emulates " + FOREIGN + " (" + handler + ")");
    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    BusyboxRootfs.create(ctx.resolve("rootfs"));
    Files.writeString(ctx.resolve("Dockerfile"), """
        FROM scratch
        COPY rootfs/ /
        RUN echo never
        """);
    Exec build = Exec.jbuild(tmp.resolve("root"), "build", "--progress=plain", "--platform", "linux/" + FOREIGN,
        "-o", "type=oci,dest=" + tmp.resolve("out.tar"), ctx.toString());
    assertNotEquals(0, build.exitCode());
    String err = build.stdout() + build.stderr();
    assertTrue(err.contains(handler.toString()), err);
    assertTrue(err.contains("apt-get install qemu-user-static binfmt-support"), err);
    assertTrue(err.contains("Dockerfile:3"), err);
    // the step's output would be a log line "#N never"; only the step's name mentions it
    assertTrue(err.lines().noneMatch(l -> l.matches("#\\d+ never")), "the step did not run: " + err);
  }
}
