package io.jbuild.graph;

/**
 * One RUN {@code --mount} (BuildKit's instructions/commands_runmount.go), after expansion.
 *
 * @param type bind, cache, tmpfs or secret
 * @param target absolute path in the container
 * @param input the ExecOp vertex input the mount reads (bind: its files; cache: the seed of a
 *     new cache with from=), or -1
 * @param source path inside the input (bind) or inside the cache (cache), "" for its root
 * @param readOnly bind mounts are read-only unless rw; writes to a rw bind are discarded
 * @param id cache id (default: the target) or secret id (default: the target's file name)
 * @param sharing cache sharing mode: shared, private or locked
 * @param mode cache dir mode or secret file mode, null for the default (0755 / 0400)
 * @param uid owner of the cache dir or the secret file, null for 0
 * @param gid group of the cache dir or the secret file, null for 0
 * @param size tmpfs size in bytes, 0 for the default
 * @param required secret: fail when the build has no such secret
 * @param env secret: the environment variable that receives its content, or null
 */
public record ExecMount(
    String type,
    String target,
    int input,
    String source,
    boolean readOnly,
    String id,
    String sharing,
    Integer mode,
    Integer uid,
    Integer gid,
    long size,
    boolean required,
    String env) {}
