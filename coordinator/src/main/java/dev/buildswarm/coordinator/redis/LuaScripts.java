package dev.buildswarm.coordinator.redis;

import dev.buildswarm.coordinator.queue.SwarmMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisException;
import org.redisson.client.codec.StringCodec;

/**
 * Loads the Lua scripts (each prefixed with {@code lua/lib.lua}) and runs them by SHA, loading again
 * when Redis answers NOSCRIPT (after a restart or SCRIPT FLUSH). Each call's time, reload and
 * round trip included, goes to {@link SwarmMetrics#scriptRan} under the script's file name.
 * Thread-safe.
 */
public final class LuaScripts {

  /** The scripts, one per state change. */
  public enum Script {
    ENQUEUE("enqueue"),
    CLAIM("claim"),
    STARTED("started"),
    RENEW("renew"),
    COMPLETE("complete"),
    FAIL("fail"),
    RELEASE("release"),
    APPEND_LOG("append_log"),
    REAP("reap"),
    CANCEL("cancel"),
    RETRY("retry"),
    REMOVE("remove"),
    PAUSE("pause"),
    HISTORY("history"),
    DRONE_BUCKET("drone_bucket"),
    DRONE_CONTROL("drone_control"),
    LIST("list"),
    LOG("log"),
    ARTIFACTS("artifacts");

    private final String file;

    Script(String file) {
      this.file = file;
    }

    /** The script's name as its file says it, e.g. {@code append_log}. */
    public String fileName() {
      return file;
    }
  }

  private final RScript script;
  private final Map<Script, String> source = new ConcurrentHashMap<>();
  private final Map<Script, String> sha = new ConcurrentHashMap<>();
  private final SwarmMetrics metrics;

  public LuaScripts(RedissonClient redis) {
    this(redis, SwarmMetrics.NONE);
  }

  public LuaScripts(RedissonClient redis, SwarmMetrics metrics) {
    this.metrics = metrics;
    this.script = redis.getScript(StringCodec.INSTANCE);
    String lib = read("lib");
    for (Script s : Script.values()) {
      source.put(s, lib + "\n" + read(s.file));
    }
  }

  private static String read(String name) {
    String path = "/lua/" + name + ".lua";
    try (InputStream in = LuaScripts.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing script resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs a script; its reply is a list (Long for integers, String for strings). */
  public List<Object> run(Script which, List<Object> keys, Object... args) {
    return eval(which, RScript.ReturnType.LIST, keys, args);
  }

  /** Runs a script whose reply is one integer. */
  public long runForLong(Script which, List<Object> keys, Object... args) {
    Long reply = eval(which, RScript.ReturnType.LONG, keys, args);
    return reply == null ? 0 : reply;
  }

  private <T> T eval(Script which, RScript.ReturnType type, List<Object> keys, Object... args) {
    long began = System.nanoTime();
    try {
      return evalBySha(which, type, keys, args);
    } finally {
      metrics.scriptRan(which.file, System.nanoTime() - began);
    }
  }

  private <T> T evalBySha(Script which, RScript.ReturnType type, List<Object> keys, Object... args) {
    String digest = sha.computeIfAbsent(which, s -> script.scriptLoad(source.get(s)));
    try {
      return script.evalSha(RScript.Mode.READ_WRITE, digest, type, keys, args);
    } catch (RedisException e) {
      if (e.getMessage() == null || !e.getMessage().contains("NOSCRIPT")) {
        throw e;
      }
      // Redis restarted or its script cache was flushed: load again and retry once.
      String reloaded = script.scriptLoad(source.get(which));
      sha.put(which, reloaded);
      return script.evalSha(RScript.Mode.READ_WRITE, reloaded, type, keys, args);
    }
  }
}
