package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.api.DockerfileBuild;
import io.jbuild.api.Output;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * RUN --mount of each type under each executor, checked against BuildKit
 * (instructions/commands_runmount.go): a bind of the context is read-only, a cache mount keeps its
 * content across RUNs, a tmpfs is a tmpfs whose files vanish, a secret is a file under
 * /run/secrets; no mount point or mounted file reaches the image.
 */
class RunMountExecutorsIT {
  @TempDir
  Path tmp;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"runc", "crun", "unshare"})
  void build_runMounts_workUnderEveryExecutor(String runtime) throws Exception {
    Prerequisites.requireRoot();
    Prerequisites.requireTool(runtime);
    Path root = tmp.resolve("root");
    Path base = BusyboxRootfs.create(tmp.resolve("busybox"));
    Exec.jbuild(root, "import", base.toString(), "localhost/mount-busybox:1").assertOk("import busybox");
    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    Files.writeString(ctx.resolve("ctx.txt"), "from the context\n");
    Path secret = Files.writeString(tmp.resolve("token"), "s3cret");
    Files.writeString(ctx.resolve("Dockerfile"), """
        FROM localhost/mount-busybox:1
        RUN --mount=type=bind,source=ctx.txt,target=/mnt/ctx.txt cat /mnt/ctx.txt > /bind.out \\
         && { echo x > /mnt/ctx.txt && echo writable || echo read-only; } >> /bind.out
        RUN --mount=type=cache,target=/cache echo one >> /cache/log
        RUN --mount=type=cache,target=/cache cat /cache/log > /cache.out
        RUN --mount=type=tmpfs,target=/scratch grep ' /scratch ' /proc/mounts | cut -d' ' -f3 > /tmpfs.out \\
         && echo gone > /scratch/file
        RUN --mount=type=secret,id=tok,target=/run/secrets/tok cat /run/secrets/tok > /secret.out
        """);
    Path out = tmp.resolve("rootfs.tar");
    // through the library: the CLI's --secret is another issue's work
    DockerfileBuild.context(ctx).root(root).runtime(runtime).secret("tok", secret)
        .output(Output.parse("type=tar,dest=" + out)).build();
    Map<String, TarArchiveEntry> files = new LinkedHashMap<>();
    Map<String, String> contents = new LinkedHashMap<>();
    AddUrlIT.readTar(out, files, contents);

    assertEquals("from the context\nread-only\n", contents.get("bind.out"));
    assertEquals("one\n", contents.get("cache.out"));
    assertEquals("tmpfs\n", contents.get("tmpfs.out"));
    assertEquals("s3cret", contents.get("secret.out"));
    for (String name : files.keySet()) {
      assertTrue(!name.startsWith("mnt") && !name.startsWith("cache/") && !name.startsWith("scratch")
          && !name.startsWith("run/secrets/tok"), "mount point or mounted file in the image: " + name);
    }
  }
}
