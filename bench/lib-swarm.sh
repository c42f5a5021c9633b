# Shared by bench/run-e2e-bench and bench/run-scale-bench: a redis-server and a coordinator (its packaged jar, its own
# JVM) started for one run on free ports, with drone, operator and reader tokens, all stopped on
# exit. Source after deploy-scripts/lib/toolchain.sh; needs $root.
# shellcheck shell=bash disable=SC2034,SC2154

bench_dir=$(mktemp -d)
bench_pids=()
bench_cleanup() {
  local pid
  for pid in "${bench_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${bench_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$bench_dir"
}
trap bench_cleanup EXIT

# A free port chosen at random in 20000..39999.
bench_port() {
  local p
  while :; do
    p=$(( 20000 + RANDOM % 20000 ))
    bs_port_busy "$p" || { echo "$p"; return; }
  done
}

# Builds the bench module and the jars it needs (unless BENCH_NO_BUILD is set: then the jars in
# the modules' target folders are used as they are); installs BullMQ when missing.
bench_build() {
  bs_find_jdk
  if [[ ! -d "$root/bench/bullmq/node_modules/bullmq" ]]; then
    bs_log "installing BullMQ into bench/bullmq/node_modules"
    (cd "$root/bench/bullmq" && npm install --no-audit --no-fund --loglevel=error >&2)
  fi
  if [[ -z "${BENCH_NO_BUILD:-}" ]]; then
    (cd "$root" && ./mvnw -B -q -ntp -Pbench -DskipTests package)
  fi
  bench_jar=$(bs_jar "$root" bench)
  coordinator_jar=$(bs_jar "$root" coordinator)
  dashboard_jar=$(bs_jar "$root" dashboard-ws)
}

# Starts redis-server on $redis_port.
bench_redis() {
  local server
  server=$(bs_ensure_redis_server)
  redis_port=$(bench_port)
  "$server" --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$bench_dir" \
    --maxmemory-policy noeviction --daemonize no >"$bench_dir/redis.log" 2>&1 &
  bench_pids+=("$!")
  redis_pid=$!
  for _ in $(seq 1 50); do bs_redis_ping "$redis_port" && return; sleep 0.1; done
  bs_log "redis-server did not start"; exit 1
}

# Token files in $bench_dir, exported for the coordinator and dashboard processes.
bench_tokens() {
  (umask 077 && bs_new_token >"$bench_dir/drone" && bs_new_token >"$bench_dir/operator" && bs_new_token >"$bench_dir/reader")
  export BUILDSWARM_DRONE_TOKENS_FILE="$bench_dir/drone" BUILDSWARM_OPERATOR_TOKENS_FILE="$bench_dir/operator"
  export BUILDSWARM_READER_TOKENS_FILE="$bench_dir/reader"
}

# Starts the coordinator (extra JVM options in "$@") on $grpc_port/$http_port; waits for /health.
bench_coordinator() {
  grpc_port=$(bench_port)
  http_port=$(bench_port)
  BUILDSWARM_REDIS_URL="redis://127.0.0.1:$redis_port" BUILDSWARM_SWARM=bench \
    BUILDSWARM_GRPC_PORT="$grpc_port" BUILDSWARM_HTTP_PORT="$http_port" BUILDSWARM_BINHOST_DIR="$bench_dir/binhost" \
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED "$@" -jar "$coordinator_jar" \
    --pidfile "$bench_dir/coordinator.pid" >"$bench_dir/coordinator.log" 2>&1 &
  bench_pids+=("$!")
  coordinator_pid=$!
  for _ in $(seq 1 600); do bs_http_ok "$http_port" /health && return; sleep 0.1; done
  bs_log "the coordinator did not come up"; cat "$bench_dir/coordinator.log" >&2; exit 1
}

# CPU seconds a process has used so far (user + system, from /proc).
bench_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' "/proc/$1/stat"
}

# Prints, per Lua script, calls and µs per call on the Redis since the last reset, then resets.
bench_script_stats() {
  redis-cli -p "$redis_port" info commandstats | grep -E 'cmdstat_(evalsha|eval|fcall|publish):' || true
  redis-cli -p "$redis_port" config resetstat >/dev/null
}

# The coordinator's script calls by script: count and mean round trip in ms (from its /metrics).
bench_coordinator_scripts() {
  curl -fsS -H "Authorization: Bearer $(cat "$bench_dir/reader")" "http://127.0.0.1:$http_port/metrics" |
    awk '/^buildswarm_script_seconds_(count|sum)\{/ {
           match($0, /script="[^"]*"/); s = substr($0, RSTART + 8, RLENGTH - 9)
           if ($0 ~ /_count/) c[s] = $2; else t[s] = $2 }
         END { for (s in c) if (c[s] > 0) printf "  script %-14s calls=%d mean_ms=%.3f\n", s, c[s], 1000 * t[s] / c[s] }'
}

# Starts the dashboard (its own JVM, extra options in "$@") on $dashboard_port; waits for /health.
bench_dashboard() {
  dashboard_port=$(bench_port)
  BUILDSWARM_REDIS_URL="redis://127.0.0.1:$redis_port" BUILDSWARM_SWARM=bench \
    BUILDSWARM_DASHBOARD_PORT="$dashboard_port" BUILDSWARM_COORDINATOR="127.0.0.1:$grpc_port" \
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED "$@" -jar "$dashboard_jar" \
    --pidfile "$bench_dir/dashboard.pid" >"$bench_dir/dashboard.log" 2>&1 &
  bench_pids+=("$!")
  dashboard_pid=$!
  for _ in $(seq 1 600); do bs_http_ok "$dashboard_port" /health && return; sleep 0.1; done
  bs_log "the dashboard did not come up"; cat "$bench_dir/dashboard.log" >&2; exit 1
}

# CPU seconds of a process by thread kind (thread names with digits folded), largest first.
bench_threads() {
  local task
  for task in /proc/"$1"/task/*; do
    cat "$task/stat" 2>/dev/null
  done | awk -v hz="$(getconf CLK_TCK)" '{
      name = substr($0, index($0, "(") + 1); name = substr(name, 1, index(name, ")") - 1); gsub(/[0-9]+/, "N", name)
      rest = substr($0, index($0, ") ") + 2); split(rest, f, " "); cpu[name] += (f[12] + f[13]) / hz }
    END { for (n in cpu) if (cpu[n] >= 0.1) printf "  thread %-18s cpu_seconds=%.1f\n", n, cpu[n] }' | sort -t= -k2 -rn
}
