package dev.buildswarm.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where a swarm's Redis is, read from one URL (the {@code buildswarm.redis-url} setting):
 *
 * <ul>
 *   <li>{@code redis://host:port} or {@code rediss://host:port} (TLS): one server;
 *   <li>{@code redis+cluster://host1:port1,host2:port2} (or {@code rediss+cluster://}): a Redis
 *       Cluster, given by one or more of its nodes (the others are discovered);
 *   <li>{@code redis+sentinel://host1:port1,host2:port2/master-name} (or {@code rediss+sentinel://}):
 *       the master that the Sentinels call {@code master-name}, found through them and followed
 *       across failovers.
 * </ul>
 *
 * Any form may carry {@code user:password@} (or {@code :password@}) before the first host; it is
 * used for every Redis node. A port may be left out (6379, or 26379 for a Sentinel). Immutable.
 *
 * @param mode which of the three
 * @param tls whether connections use TLS ({@code rediss})
 * @param hosts {@code host:port} of the server, the cluster's seed nodes or the Sentinels
 * @param master the Sentinels' name for the master; empty unless {@link Mode#SENTINEL}
 * @param database the database number ({@code /n} after a single server; a cluster has only 0)
 * @param username empty when none
 * @param password empty when none
 */
public record RedisUrl(
    Mode mode, boolean tls, List<String> hosts, String master, int database, String username, String password) {

  /** How the swarm's Redis is laid out. */
  public enum Mode {
    SINGLE,
    CLUSTER,
    SENTINEL
  }

  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.]+\\]");
  private static final Pattern MASTER_NAME = Pattern.compile("[A-Za-z0-9._-]+");
  private static final String FORMS =
      "expected redis://host:port, rediss://host:port, redis+cluster://host:port[,host:port...] or"
          + " redis+sentinel://host:port[,host:port...]/master-name";

  public RedisUrl {
    hosts = List.copyOf(hosts);
  }

  /** Reads a URL; a bad one is refused naming it (with any password masked) and what is wrong. */
  public static RedisUrl parse(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("invalid Redis URL '': it is empty; " + FORMS);
    }
    String text = url.trim();
    int schemeEnd = text.indexOf("://");
    if (schemeEnd < 0) {
      throw bad(text, FORMS);
    }
    String scheme = text.substring(0, schemeEnd);
    Mode mode;
    boolean tls;
    switch (scheme) {
      case "redis" -> { mode = Mode.SINGLE; tls = false; }
      case "rediss" -> { mode = Mode.SINGLE; tls = true; }
      case "redis+cluster" -> { mode = Mode.CLUSTER; tls = false; }
      case "rediss+cluster" -> { mode = Mode.CLUSTER; tls = true; }
      case "redis+sentinel" -> { mode = Mode.SENTINEL; tls = false; }
      case "rediss+sentinel" -> { mode = Mode.SENTINEL; tls = true; }
      default -> throw bad(text, "unknown scheme '" + scheme + "'; " + FORMS);
    }
    String rest = text.substring(schemeEnd + 3);
    if (rest.contains("?") || rest.contains("#")) {
      throw bad(text, "options after '?' or '#' are not supported");
    }
    int slash = rest.indexOf('/');
    String authority = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash + 1);

    String username = "";
    String password = "";
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = authority.substring(0, at);
      authority = authority.substring(at + 1);
      int colon = userInfo.indexOf(':');
      username = colon < 0 ? userInfo : userInfo.substring(0, colon);
      password = colon < 0 ? "" : userInfo.substring(colon + 1);
    }

    int defaultPort = mode == Mode.SENTINEL ? 26379 : 6379;
    List<String> hosts = new ArrayList<>();
    for (String part : authority.split(",", -1)) {
      hosts.add(hostAndPort(text, part.trim(), defaultPort));
    }
    if (mode == Mode.SINGLE && hosts.size() > 1) {
      throw bad(text, "several hosts in a single-server URL; for a cluster write " + scheme + "+cluster://...");
    }

    String master = "";
    int database = 0;
    if (mode == Mode.SENTINEL) {
      if (!MASTER_NAME.matcher(path).matches()) {
        throw bad(text, "a Sentinel URL ends with /master-name (the name in 'sentinel monitor'), got '/" + path + "'");
      }
      master = path;
    } else if (mode == Mode.CLUSTER && !path.isEmpty()) {
      throw bad(text, "a cluster URL has no path (a cluster has database 0 only), got '/" + path + "'");
    } else if (mode == Mode.SINGLE && !path.isEmpty() && !path.matches("[0-9]{1,2}")) {
      throw bad(text, "the path of a single-server URL is a database number, got '/" + path + "'");
    } else if (mode == Mode.SINGLE && !path.isEmpty()) {
      database = Integer.parseInt(path);
    }
    return new RedisUrl(mode, tls, hosts, master, database, username, password);
  }

  private static String hostAndPort(String url, String part, int defaultPort) {
    if (part.isEmpty()) {
      throw bad(url, "a host is missing (empty entry in the host list)");
    }
    String host = part;
    String port = String.valueOf(defaultPort);
    int colon = part.lastIndexOf(':');
    if (colon >= 0 && colon > part.lastIndexOf(']')) {
      host = part.substring(0, colon);
      port = part.substring(colon + 1);
    }
    if (!HOST.matcher(host).matches()) {
      throw bad(url, "'" + host + "' is not a host name or address");
    }
    int number;
    try {
      number = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      number = -1;
    }
    if (number < 1 || number > 65535) {
      throw bad(url, "'" + port + "' is not a port (1-65535) in '" + part + "'");
    }
    return host + ":" + number;
  }

  private static IllegalArgumentException bad(String url, String why) {
    return new IllegalArgumentException("invalid Redis URL '" + masked(url) + "': " + why);
  }

  /** The URL with its password replaced by {@code ***}, for messages and logs. */
  public static String masked(String url) {
    int schemeEnd = url.indexOf("://");
    int at = url.lastIndexOf('@');
    if (schemeEnd < 0 || at < schemeEnd) {
      return url;
    }
    String userInfo = url.substring(schemeEnd + 3, at);
    int colon = userInfo.indexOf(':');
    if (colon < 0) {
      return url;
    }
    return url.substring(0, schemeEnd + 3) + userInfo.substring(0, colon + 1) + "***" + url.substring(at);
  }

  /** {@code redis://host:port} (or {@code rediss://}) for each host, as Redisson takes addresses. */
  public List<String> addresses() {
    String scheme = tls ? "rediss://" : "redis://";
    return hosts.stream().map(h -> scheme + h).toList();
  }

  @Override
  public String toString() {
    String scheme = (tls ? "rediss" : "redis") + switch (mode) {
      case SINGLE -> "";
      case CLUSTER -> "+cluster";
      case SENTINEL -> "+sentinel";
    };
    String auth = username.isEmpty() && password.isEmpty() ? "" : username + (password.isEmpty() ? "" : ":***") + "@";
    String path = !master.isEmpty() ? "/" + master : database != 0 ? "/" + database : "";
    return scheme + "://" + auth + String.join(",", hosts) + path;
  }
}
