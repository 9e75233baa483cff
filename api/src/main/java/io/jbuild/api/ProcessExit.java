package io.jbuild.api;

import io.jbuild.builder.sys.LibC;

/**
 * How a program that owns its JVM (the CLI) ends once its work is done: standard output and
 * error flushed, then the process ends at once. The JVM's own exit waits up to 300 ms for any
 * thread blocked in native code, and java.net.http (the registry client's before HttpWire, still
 * ADD of an https URL's) keeps one in epoll_wait as long as its client lives: every command that
 * used it paid that. Where libjbuild.so is missing, or
 * while a profiler wants the JVM's exit (JBUILD_JAVA_OPTS with a flight recording or a perf
 * map), it is System.exit.
 */
public final class ProcessExit {
  private ProcessExit() {}

  public static void exit(int code) {
    System.out.flush();
    System.err.flush();
    String opts = System.getenv("JBUILD_JAVA_OPTS");
    if (opts == null || !(opts.contains("FlightRecord") || opts.contains("AtExit"))) {
      LibC.exitNow(code);
    }
    System.exit(code);
  }
}
