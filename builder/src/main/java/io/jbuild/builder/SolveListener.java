package io.jbuild.builder;

import io.jbuild.graph.Vertex;

/** What the solver reports as it works; called from several threads. Libraries never print. */
public interface SolveListener {
  default void stepStarted(Vertex vertex) {}

  default void stepCached(Vertex vertex) {}

  /** Why a step is not answered from the cache: the first input that differs from the last build. */
  default void cacheMiss(Vertex vertex, String reason) {}

  /** One line of a RUN step's output; stream is "stdout" or "stderr". */
  default void stepLog(Vertex vertex, String stream, String line) {}

  default void stepFinished(Vertex vertex, long nanos) {}

  default void stepFailed(Vertex vertex, Throwable error) {}

  /** A one-off note for people, e.g. which executor runs RUN steps. */
  default void info(String message) {}
}
