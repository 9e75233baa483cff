package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jbuild.api.BuildResult;
import io.jbuild.api.DockerfileBuild;
import io.jbuild.api.PullPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SOURCE_DATE_EPOCH=0: two builds of the same inputs, each on a fresh root and with the context
 * files touched at different times in between, give the same image digest: every timestamp of
 * the new layers, the config and the history is clamped.
 */
class ReproducibleBuildIT {
  @TempDir
  Path tmp;

  @Test
  void build_sourceDateEpochZeroOnFreshRoots_givesTheSameDigest() throws Exception {
    Prerequisites.requireRoot();
    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    BuildkitBusybox.create(ctx.resolve("rootfs"));
    Files.writeString(ctx.resolve("app.txt"), "hello\n");
    Files.writeString(ctx.resolve("Dockerfile"), """
        FROM scratch AS base
        COPY rootfs/ /
        FROM base AS build
        RUN mkdir -p /out && echo built > /out/a && ln /out/a /out/hard && touch /out/now
        FROM base
        LABEL org.example=repro
        WORKDIR /app
        COPY app.txt .
        COPY --from=build /out /app/out
        RUN rm /etc/group && echo changed > /etc/motd
        CMD ["cat", "/app/app.txt"]
        """);
    String first = build(ctx, tmp.resolve("root-1"));
    // a later checkout of the same sources: other mtimes, same content
    try (var s = Files.walk(ctx)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (!Files.isSymbolicLink(p)) {
          Files.setLastModifiedTime(p, FileTime.from(Instant.now().plusSeconds(86_400)));
        }
      }
    }
    String second = build(ctx, tmp.resolve("root-2"));
    assertEquals(first, second, "same inputs, SOURCE_DATE_EPOCH=0, fresh roots: same manifest digest");
  }

  private static String build(Path ctx, Path root) throws Exception {
    BuildResult r = DockerfileBuild.context(ctx).root(root).pull(PullPolicy.NEVER).sourceDateEpoch(0L)
        .noCache(true).build();
    return r.manifest().digest().toString();
  }
}
