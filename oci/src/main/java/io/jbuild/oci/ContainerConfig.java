package io.jbuild.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The {@code config} object of an image configuration (config.md#properties), with Docker's
 * extensions (Healthcheck, OnBuild, Shell, ArgsEscaped) that BuildKit writes too. Null means
 * "not set"; BuildKit distinguishes a missing Cmd from an empty one, so do we.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ContainerConfig(
    @JsonProperty("User") String user,
    @JsonProperty("ExposedPorts") Map<String, Map<String, Object>> exposedPorts,
    @JsonProperty("Env") List<String> env,
    @JsonProperty("Entrypoint") List<String> entrypoint,
    @JsonProperty("Cmd") List<String> cmd,
    @JsonProperty("Volumes") Map<String, Map<String, Object>> volumes,
    @JsonProperty("WorkingDir") String workingDir,
    @JsonProperty("Labels") Map<String, String> labels,
    @JsonProperty("StopSignal") String stopSignal,
    @JsonProperty("ArgsEscaped") Boolean argsEscaped,
    @JsonProperty("Healthcheck") Healthcheck healthcheck,
    @JsonProperty("OnBuild") List<String> onBuild,
    @JsonProperty("Shell") List<String> shell) {

  public static final ContainerConfig EMPTY =
      new ContainerConfig(null, null, null, null, null, null, null, null, null, null, null, null, null);

  /** Docker's HEALTHCHECK settings; durations are nanoseconds like Go's time.Duration. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Healthcheck(
      @JsonProperty("Test") List<String> test,
      @JsonProperty("Interval") Long interval,
      @JsonProperty("Timeout") Long timeout,
      @JsonProperty("StartPeriod") Long startPeriod,
      @JsonProperty("StartInterval") Long startInterval,
      @JsonProperty("Retries") Integer retries) {}

  public ContainerConfig withUser(String v) {
    return new ContainerConfig(v, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal, argsEscaped, healthcheck, onBuild, shell);
  }

  public ContainerConfig withExposedPorts(Map<String, Map<String, Object>> v) {
    return new ContainerConfig(user, v, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal, argsEscaped, healthcheck, onBuild, shell);
  }

  public ContainerConfig withEnv(List<String> v) {
    return new ContainerConfig(user, exposedPorts, v, entrypoint, cmd, volumes, workingDir, labels, stopSignal, argsEscaped, healthcheck, onBuild, shell);
  }

  public ContainerConfig withEntrypoint(List<String> v) {
    return new ContainerConfig(user, exposedPorts, env, v, cmd, volumes, workingDir, labels, stopSignal, argsEscaped, healthcheck, onBuild, shell);
  }

  public ContainerConfig withCmd(List<String> v) {
    return new ContainerConfig(user, exposedPorts, env, entrypoint, v, volumes, workingDir, labels, stopSignal, argsEscaped, healthcheck, onBuild, shell);
  }

  public ContainerConfig withVolumes(Map<String, Map<String, Object>> v) {
    return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, v, workingDir, labels, stopSignal, argsEscaped, healthcheck, onBuild, shell);
  }

  public ContainerConfig withWorkingDir(String v) {
    return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, v, labels, stopSignal, argsEscaped, healthcheck, onBuild, shell);
  }

  public ContainerConfig withLabels(Map<String, String> v) {
    return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, v, stopSignal, argsEscaped, healthcheck, onBuild, shell);
  }

  public ContainerConfig withStopSignal(String v) {
    return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, v, argsEscaped, healthcheck, onBuild, shell);
  }

  public ContainerConfig withArgsEscaped(Boolean v) {
    return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal, v, healthcheck, onBuild, shell);
  }

  public ContainerConfig withHealthcheck(Healthcheck v) {
    return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal, argsEscaped, v, onBuild, shell);
  }

  public ContainerConfig withOnBuild(List<String> v) {
    return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal, argsEscaped, healthcheck, v, shell);
  }

  public ContainerConfig withShell(List<String> v) {
    return new ContainerConfig(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal, argsEscaped, healthcheck, onBuild, v);
  }
}
