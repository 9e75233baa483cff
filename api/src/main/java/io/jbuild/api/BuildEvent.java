package io.jbuild.api;

import java.util.List;

/**
 * What a build reports while it runs (DESIGN.md, "Events, progress, errors"). Steps are numbered
 * in the order they start, from 1; {@code name} is what the step does ("[2/5] RUN make",
 * "exporting to oci image format out.tar"). A step that runs sends {@link StepStarted}, then any
 * {@link StepLog} and {@link Progress}, then {@link StepFinished} or {@link StepFailed}; a step
 * answered from the cache sends only {@link StepCached}. A step stopped by a cancellation
 * (Ctrl-C) or by another step's failure sends no end event.
 */
public sealed interface BuildEvent {
  /** {@link System#nanoTime()} when the event happened. */
  long timeNanos();

  /** @param location "Dockerfile:LINE" of the instruction, or null for work outside the Dockerfile */
  record StepStarted(long timeNanos, int step, String name, String location) implements BuildEvent {}

  record StepCached(long timeNanos, int step, String name) implements BuildEvent {}

  /** A step that runs because the cache had no result for it; reason: the first input that differs from the last build. */
  record StepCacheMiss(long timeNanos, int step, String name, String reason) implements BuildEvent {}

  /** One line of a running step's output; stream is "stdout" or "stderr". */
  record StepLog(long timeNanos, int step, String stream, String line) implements BuildEvent {}

  /**
   * Bytes moved by a running step: a layer pulled, an archive written, a blob pushed.
   *
   * @param what what moves ("sha256:0123abcd", "layers")
   * @param current bytes done so far
   * @param total bytes expected, or -1 when not known in advance
   */
  record Progress(long timeNanos, int step, String what, long current, long total) implements BuildEvent {}

  record StepFinished(long timeNanos, int step, long durationNanos) implements BuildEvent {}

  /** @param exitCode a failed RUN's exit code, or -1 */
  record StepFailed(long timeNanos, int step, String message, int exitCode, List<String> lastLines) implements BuildEvent {}

  record Warning(long timeNanos, String message, String location) implements BuildEvent {}

  record Info(long timeNanos, String message) implements BuildEvent {}

  /** An export or push: what, and which output. */
  record Exported(long timeNanos, String output) implements BuildEvent {}
}
