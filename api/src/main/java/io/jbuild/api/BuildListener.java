package io.jbuild.api;

/** Receives a build's events, possibly from several threads at once. */
@FunctionalInterface
public interface BuildListener {
  BuildListener NONE = e -> { };

  void onEvent(BuildEvent event);
}
