package io.jbuild.maven;

import io.jbuild.api.BuildEvent;
import io.jbuild.api.BuildException;
import io.jbuild.api.BuildResult;
import io.jbuild.api.DockerfileBuild;
import io.jbuild.api.Output;
import io.jbuild.api.PullPolicy;
import java.io.File;
import java.util.List;
import java.util.Map;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * {@code mvn package jbuild:build}: builds the project's Dockerfile in the Maven JVM with the
 * same engine as the CLI; the build's progress goes to the Maven log.
 */
@Mojo(name = "build", threadSafe = true)
public class BuildMojo extends AbstractMojo {
  @Parameter(property = "jbuild.context", defaultValue = "${project.basedir}")
  File context;

  @Parameter(property = "jbuild.dockerfile")
  File dockerfile;

  @Parameter(property = "jbuild.tags")
  List<String> tags;

  @Parameter
  Map<String, String> buildArgs;

  @Parameter(property = "jbuild.target")
  String target;

  @Parameter(property = "jbuild.pull", defaultValue = "missing")
  String pull;

  /** buildx-style outputs, e.g. {@code type=oci,dest=target/image.tar}; default: the local store. */
  @Parameter
  List<String> outputs;

  @Parameter(property = "jbuild.push", defaultValue = "false")
  boolean push;

  @Parameter(property = "jbuild.root")
  File root;

  @Parameter(property = "jbuild.runtime")
  String runtime;

  @Parameter(property = "jbuild.skip", defaultValue = "false")
  boolean skip;

  @Override
  public void execute() throws MojoExecutionException, MojoFailureException {
    if (skip) {
      getLog().info("jbuild: skipped");
      return;
    }
    DockerfileBuild b = DockerfileBuild.context(context.toPath()).runtime(runtime).push(push);
    try {
      b.pull(PullPolicy.parse(pull));
      if (outputs != null) {
        outputs.forEach(o -> b.output(Output.parse(o)));
      }
    } catch (IllegalArgumentException e) {
      throw new MojoExecutionException(e.getMessage(), e);
    }
    if (dockerfile != null) {
      b.dockerfile(dockerfile.toPath());
    }
    if (tags != null) {
      tags.forEach(b::tag);
    }
    if (buildArgs != null) {
      buildArgs.forEach(b::buildArg);
    }
    if (target != null) {
      b.target(target);
    }
    if (root != null) {
      b.root(root.toPath());
    }
    b.listener(e -> {
      if (e instanceof BuildEvent.StepStarted s) {
        getLog().info("#" + s.step() + " " + s.name());
      } else if (e instanceof BuildEvent.StepCached s) {
        getLog().info("#" + s.step() + " CACHED " + s.name());
      } else if (e instanceof BuildEvent.StepLog l) {
        getLog().info("#" + l.step() + " " + l.line());
      } else if (e instanceof BuildEvent.StepFailed f) {
        getLog().error("#" + f.step() + " " + f.message());
      } else if (e instanceof BuildEvent.Warning w) {
        getLog().warn(w.message());
      }
    });
    try {
      BuildResult r = b.build();
      getLog().info("jbuild: image " + r.imageId() + (r.tags().isEmpty() ? "" : " " + String.join(", ", r.tags())));
    } catch (BuildException e) {
      if (e.kind() == BuildException.Kind.INVALID_INPUT) {
        throw new MojoExecutionException(e.getMessage(), e);
      }
      throw new MojoFailureException(e.getMessage(), e);
    }
  }
}
