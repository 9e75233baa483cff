package io.jbuild.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The launcher's class-data-sharing training run ({@code ./jbuild}, JDK 17/18): one JVM that
 * does what users do most, so that the archive it leaves holds the classes (and the lambda
 * classes) those commands load: the graph of a small Dockerfile; as root also a build of it, the
 * same build again (answered from its shortcut record), one after a change, and the image list.
 * Works in a directory of its own; prints nothing.
 */
final class Train {
  private Train() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    Path ctx = Files.createDirectories(dir.resolve("ctx"));
    String root = dir.resolve("root").toString();
    Files.writeString(ctx.resolve("Dockerfile"),
        "FROM scratch AS a\nARG V=1\nENV A=$V\nLABEL l=$V\nWORKDIR /w\nCOPY . /w/\nCOPY a.txt /w/b.txt\nCMD [\"x\"]\n");
    Files.writeString(ctx.resolve("a.txt"), "a\n");
    PrintStream out = System.out;
    PrintStream err = System.err;
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    System.setOut(quiet);
    System.setErr(quiet);
    try {
      Main.run(new String[] {"debug", "graph", "--root", root, ctx.toString()});
      if (Preflight.uid() == 0) {
        String[] build = {"build", "--root", root, "--progress=plain", "-t", "train:1", ctx.toString()};
        Main.run(build);
        Main.run(build);
        Files.writeString(ctx.resolve("a.txt"), "b\n");
        Main.run(build);
        Main.run(new String[] {"images", "--root", root});
        // a RUN step too (container runtime, mounts, process output), where a static busybox
        // is installed (busybox-static): what an incremental build of an image loads
        Path busybox = Path.of("/bin/busybox");
        if (Files.isExecutable(busybox)) {
          Path run = Files.createDirectories(dir.resolve("run"));
          Files.copy(busybox, run.resolve("busybox"));
          Files.writeString(run.resolve("Dockerfile"),
              "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"sh\", \"-c\", \"echo trained > /t\"]\n");
          Main.run(new String[] {"build", "--root", root, "--progress=plain", "-t", "train:2", run.toString()});
        }
      }
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }
}
