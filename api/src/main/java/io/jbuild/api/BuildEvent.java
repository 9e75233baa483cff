package io.jbuild.api;

import java.util.List;

/**
 * What a build reports while it runs (DESIGN.md, "Events, progress, errors"). Steps are numbered
 * in the order they start, from 1; {@code name} is what the step does ("[2/5] RUN make").
 */
public sealed interface BuildEvent {
  long timeNanos();

  record StepStarted(long timeNanos, int step, String name, String location) implements BuildEvent {}

  record StepCached(long timeNanos, int step, String name) implements BuildEvent {}

  /** A step that runs because the cache had no result for it; reason: the first input that differs from the last build. */
  record StepCacheMiss(long timeNanos, int step, String name, String reason) implements BuildEvent {}

  record StepLog(long timeNanos, int step, String stream, String line) implements BuildEvent {}

  record StepFinished(long timeNanos, int step, long durationNanos) implements BuildEvent {}

  record StepFailed(long timeNanos, int step, String message, int exitCode, List<String> lastLines) implements BuildEvent {}

  record Warning(long timeNanos, String message, String location) implements BuildEvent {}

  record Info(long timeNanos, String message) implements BuildEvent {}

  /** An export or push: what, and which output. */
  record Exported(long timeNanos, String output) implements BuildEvent {}
}
