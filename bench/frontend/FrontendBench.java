import io.jbuild.frontend.dockerfile.ConvertRequest;
import io.jbuild.frontend.dockerfile.DockerfileFrontend;
import io.jbuild.graph.ImageResolver;
import io.jbuild.graph.ImageTarget;
import io.jbuild.oci.ContainerConfig;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageConfig;
import io.jbuild.oci.Platform;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Parses and converts a generated 10,000-instruction Dockerfile repeatedly and prints the time of
 * one parse+convert after warm-up (median and best of the measured rounds). Not a test: run it
 * with bench/frontend/run.sh.
 */
public final class FrontendBench {
  public static void main(String[] args) throws Exception {
    int instructions = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    byte[] dockerfile = generate(instructions).getBytes(StandardCharsets.UTF_8);
    Platform amd64 = Platform.of("linux", "amd64", null);
    ImageResolver resolver = (ref, platform) -> new ImageResolver.ResolvedImage(ref,
        Digest.sha256(ref), new ImageConfig(null, null, "amd64", "linux", null, null,
            ContainerConfig.EMPTY.withEnv(List.of("PATH=/usr/bin:/bin")),
            ImageConfig.RootFs.layers(List.of(Digest.sha256("layer"))), List.of()));
    ConvertRequest req = new ConvertRequest(dockerfile, "Dockerfile", Map.of("VERSION", "1"),
        null, amd64, amd64, List.of(), resolver, f -> { });
    int warmup = 30;
    int rounds = 30;
    for (int i = 0; i < warmup; i++) {
      DockerfileFrontend.convert(req);
    }
    long[] parse = new long[rounds];
    long[] total = new long[rounds];
    ImageTarget t = null;
    for (int i = 0; i < rounds; i++) {
      long a = System.nanoTime();
      DockerfileFrontend.dumpAst(dockerfile, "Dockerfile");
      long b = System.nanoTime();
      t = DockerfileFrontend.convert(req);
      long c = System.nanoTime();
      parse[i] = b - a;
      total[i] = c - b;
    }
    java.util.Arrays.sort(parse);
    java.util.Arrays.sort(total);
    System.out.printf("instructions: %d (%d bytes), vertices in chain: %d, history: %d%n",
        instructions, dockerfile.length, t.root().layerChain().size(),
        t.config().history().size());
    System.out.printf("parse only:        median %.1f ms, best %.1f ms%n",
        parse[rounds / 2] / 1e6, parse[0] / 1e6);
    System.out.printf("parse + convert:   median %.1f ms, best %.1f ms%n",
        total[rounds / 2] / 1e6, total[0] / 1e6);
  }

  /** A long but ordinary Dockerfile: the usual instruction mix, keys reused like real files. */
  static String generate(int n) {
    StringBuilder b = new StringBuilder("# syntax=docker/dockerfile:1\nARG VERSION=0\n");
    b.append("FROM busybox:1.36 AS base\n");
    for (int i = 2; i < n; i++) {
      switch (i % 10) {
        case 0, 1, 2, 3 -> b.append("RUN echo step ").append(i)
            .append(" && test -n \"$K").append(i % 50).append("\" \\\n    || true\n");
        case 4, 5 -> b.append("COPY --chown=app:app src/file").append(i).append(".txt /app/")
            .append(i % 20).append("/\n");
        case 6 -> b.append("ENV K").append(i % 50).append("=value-").append(i).append(" P=${K1:-x}\n");
        case 7 -> b.append("LABEL org.example.l").append(i % 50).append("=\"").append(i).append("\"\n");
        case 8 -> b.append("ARG A").append(i % 50).append("=").append(i).append('\n');
        default -> b.append("WORKDIR /app/").append(i % 20).append('\n');
      }
    }
    b.append("CMD [\"/app/run\"]\n");
    return b.toString();
  }
}
