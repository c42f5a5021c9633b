# shellcheck shell=bash
# Shared by the bench/run-* scripts: build the bench jar, start a redis-server of the run's own.
# Source it after deploy-scripts/lib/toolchain.sh.

# Builds the bench module (-Pbench) unless BENCH_NO_BUILD is set; sets bench_jar.
bench_build() {
  local root="$1"
  if [[ -z "${BENCH_NO_BUILD:-}" ]]; then
    (cd "$root" && ./mvnw -B -q -ntp -Pbench -DskipTests package -pl bench -am)
  fi
  # shellcheck disable=SC2034 # read by the scripts that source this
  bench_jar=$(bs_jar "$root" bench)
}

# Starts redis-server on a random port with a temporary folder, killed when the script exits;
# sets bench_redis_port and bench_redis_url.
bench_start_redis() {
  local redis_server dir
  redis_server=$(bs_ensure_redis_server)
  dir=$(mktemp -d)
  bench_redis_port=$(( 20000 + RANDOM % 20000 ))
  "$redis_server" --port "$bench_redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
    --maxmemory-policy noeviction --daemonize no >"$dir/redis.log" 2>&1 &
  bench_redis_pid=$!
  bench_redis_dir="$dir"
  trap 'kill "$bench_redis_pid" 2>/dev/null; wait "$bench_redis_pid" 2>/dev/null; rm -rf "$bench_redis_dir"' EXIT
  for _ in $(seq 1 50); do bs_redis_ping "$bench_redis_port" && break; sleep 0.1; done
  # shellcheck disable=SC2034 # read by the scripts that source this
  bench_redis_url="redis://127.0.0.1:$bench_redis_port"
}
