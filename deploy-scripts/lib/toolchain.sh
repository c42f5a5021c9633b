# shellcheck shell=bash
# Shared by buildswarm's scripts: find or install what a build and a local swarm need.
# Source it; every function prints what it does on stderr and returns non-zero with a message
# saying what to install when it cannot help.

bs_log() { printf '[buildswarm] %s\n' "$*" >&2 || true; }

# Runs a command as root: directly when we are root, else through sudo.
bs_as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    bs_log "need root for: $*  (no sudo found)"
    return 1
  fi
}

bs_apt_updated=""
bs_apt_update() {
  command -v apt-get >/dev/null 2>&1 || return 1
  if [[ -z "$bs_apt_updated" ]]; then
    bs_log "apt-get update"
    bs_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
    bs_apt_updated=1
  fi
}

bs_apt_install() {
  bs_apt_update || return 1
  bs_log "apt-get install $*"
  bs_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# Has apt a candidate for this package?
bs_apt_has() {
  command -v apt-cache >/dev/null 2>&1 || return 1
  local candidate
  candidate=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }')
  [[ -n "$candidate" && "$candidate" != "(none)" ]]
}

# The Java feature version of a java binary (17, 21, 25, ...), or nothing.
bs_java_version() {
  "$1" -XshowSettings:properties -version 2>&1 |
    awk -F'= ' '/java.specification.version/ { print $2; exit }' | cut -d. -f1
}

# A JDK (with javac) of at least version 21 at this home?
bs_jdk_ok() {
  local home="$1" version
  [[ -x "$home/bin/java" && -x "$home/bin/javac" ]] || return 1
  version=$(bs_java_version "$home/bin/java")
  [[ -n "$version" && "$version" -ge 21 ]]
}

# Sets and exports JAVA_HOME to a JDK 21 or newer: JAVA_HOME, then /usr/lib/jvm/*, then apt.
bs_find_jdk() {
  if [[ -n "${JAVA_HOME:-}" ]] && bs_jdk_ok "$JAVA_HOME"; then
    export JAVA_HOME
    return 0
  fi
  local best="" best_version=0 home version
  for home in /usr/lib/jvm/*; do
    [[ -d "$home" ]] || continue
    if bs_jdk_ok "$home"; then
      version=$(bs_java_version "$home/bin/java")
      if [[ "$version" -gt "$best_version" ]]; then
        best="$home"
        best_version="$version"
      fi
    fi
  done
  if [[ -z "$best" ]]; then
    local pkg
    if bs_apt_update; then
      for pkg in openjdk-25-jdk-headless openjdk-21-jdk-headless; do
        if bs_apt_has "$pkg"; then
          bs_apt_install "$pkg" && break
        fi
      done
    fi
    for home in /usr/lib/jvm/*; do
      if [[ -d "$home" ]] && bs_jdk_ok "$home"; then
        best="$home"
      fi
    done
  fi
  if [[ -z "$best" ]]; then
    bs_log "no JDK 21 or newer found (looked at JAVA_HOME and /usr/lib/jvm/*), and apt has none."
    bs_log "Install one (Debian 13 / Ubuntu 24.04: apt-get install openjdk-21-jdk-headless; elsewhere"
    bs_log "a Temurin 21+ JDK), then set JAVA_HOME to it."
    return 1
  fi
  export JAVA_HOME="$best"
  bs_log "using JDK $(bs_java_version "$JAVA_HOME/bin/java") at $JAVA_HOME"
}

# Prints the path of redis-server, installing it with apt when missing.
bs_ensure_redis_server() {
  local found
  found=$(command -v redis-server 2>/dev/null || true)
  [[ -z "$found" && -x /usr/bin/redis-server ]] && found=/usr/bin/redis-server
  [[ -z "$found" && -x /usr/sbin/redis-server ]] && found=/usr/sbin/redis-server
  if [[ -z "$found" ]]; then
    if bs_apt_install redis-server; then
      found=$(command -v redis-server 2>/dev/null || echo /usr/bin/redis-server)
    fi
  fi
  if [[ -z "$found" || ! -x "$found" ]]; then
    bs_log "redis-server is missing and could not be installed: apt-get install redis-server"
    return 1
  fi
  printf '%s\n' "$found"
}

# Makes sure headless Chromium and its chromedriver are there (the dashboard's browser tests drive
# them), installing Debian's chromium and chromium-driver with apt when either is missing.
bs_ensure_chromium() {
  if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
    return 0
  fi
  bs_apt_install chromium chromium-driver || true
  if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
    bs_log "chromium or chromedriver is missing and could not be installed: apt-get install chromium chromium-driver"
    return 1
  fi
}

# Does the Redis on 127.0.0.1:PORT answer PING? (A subshell, so the descriptor and the silenced
# stderr stay inside it.)
bs_redis_ping() {
  (
    exec 9<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'PING\r\n' >&9
    IFS= read -r -t 2 reply <&9 || exit 1
    [[ "$reply" == "+PONG"* ]]
  ) 2>/dev/null
}

# HTTP GET on 127.0.0.1:PORT PATH; succeeds on a 200 answer. No curl needed.
bs_http_ok() {
  (
    exec 8<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&8
    IFS= read -r -t 5 status <&8 || exit 1
    [[ "$status" == *" 200"* ]]
  ) 2>/dev/null
}

# Is something listening on 127.0.0.1:PORT?
bs_port_busy() {
  (exec 7<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints the runnable jar of a module built in this checkout (ROOT MODULE).
bs_jar() {
  local f
  for f in "$1/$2/target/$2"-*-all.jar; do
    if [[ -f "$f" ]]; then
      printf '%s\n' "$f"
      return 0
    fi
  done
  bs_log "no $2 jar in $1/$2/target: build first (./mvnw -DskipTests package)"
  return 1
}

# HTTP GET http://HOST:PORT/PATH; prints the body and succeeds on a 200 answer. curl when there is
# one, else bash's /dev/tcp (HTTP/1.0, so the server closes after the body).
bs_http_get() {
  local host="$1" port="$2" path="$3"
  if command -v curl >/dev/null 2>&1; then
    curl -fsS --max-time 5 "http://$host:$port$path"
    return
  fi
  (
    exec 8<>"/dev/tcp/$host/$port" || exit 1
    printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$host" >&8
    IFS= read -r -t 5 status <&8 || exit 1
    [[ "$status" == *" 200"* ]] || exit 1
    while IFS= read -r -t 5 line <&8 && [[ "$line" != $'\r' && -n "$line" ]]; do :; done
    cat <&8
  ) 2>/dev/null
}

# Prints the path of a tool, installing its Debian package with apt when it is missing
# (bs_ensure_tool TOOL [PACKAGE]).
bs_ensure_tool() {
  local tool="$1" package="${2:-$1}" found
  found=$(command -v "$tool" 2>/dev/null || true)
  if [[ -z "$found" ]]; then
    bs_apt_install "$package" >/dev/null || true
    found=$(command -v "$tool" 2>/dev/null || true)
  fi
  if [[ -z "$found" ]]; then
    bs_log "$tool is missing and could not be installed: apt-get install $package"
    return 1
  fi
  printf '%s\n' "$found"
}

# A new random token (48 hex digits) on stdout, for drone, operator and reader tokens.
bs_new_token() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; echo; }
