package io.jbuild.builder.run;

/** How the process ended: its exit status, or 128 + the signal that killed it (as a shell says). */
public record ExecResult(int exitCode) {}
