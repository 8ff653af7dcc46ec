#!/usr/bin/env bash
# Shared helpers for the benchmark scripts in bench/. Source it; do not run it.
#
# Every benchmark runs the release binary and the bare-axum hello world
# (examples/hello.rs) in the same run, and reports ratios to the hello world,
# because these machines are shared and noisy. Servers are pinned to CPU 0 and
# wrk to CPU 1 (when there are two CPUs), so they do not compete.

set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Cargo's target directory (CARGO_TARGET_DIR when set, as cargo itself reads it).
BENCH_TARGET=${CARGO_TARGET_DIR:-$BENCH_ROOT/target}
REGISTRAR_BIN="$BENCH_TARGET/release/registrar"
HELLO_BIN="$BENCH_TARGET/release/examples/hello"
FLOORS_BIN="$BENCH_TARGET/release/examples/floors"
BENCH_DURATION=${BENCH_DURATION:-10s}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-32}
BENCH_THREADS=${BENCH_THREADS:-1}
BENCH_TMP=${BENCH_TMP:-$(mktemp -d)}
SERVER_CPU=0
LOAD_CPU=1
if [ "$(nproc)" -lt 2 ]; then LOAD_CPU=0; fi

need() { command -v "$1" >/dev/null || { echo "bench: $1 is required (apt-get install -y $2)" >&2; exit 1; }; }
need wrk wrk
need jq jq
need curl curl

build_release() {
  (cd "$BENCH_ROOT" && cargo build --release --bin registrar --example hello --example floors)
}

# wait_ready LOGFILE PID -> prints the base URL from the `listening on http://ADDR` line.
wait_ready() {
  local log=$1 pid=$2
  for _ in $(seq 1 600); do
    if grep -q 'listening on http://' "$log" 2>/dev/null; then
      grep -o 'listening on http://[^ "]*' "$log" | head -1 | sed 's/listening on //'
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { echo "bench: server exited; log:" >&2; cat "$log" >&2; return 1; }
    sleep 0.05
  done
  echo "bench: server not ready" >&2; return 1
}

# start_registrar DBURL [extra serve args...] -> sets REG_PID and REG_URL.
start_registrar() {
  local db=$1; shift
  local log="$BENCH_TMP/registrar.$$.$RANDOM.log"
  # Rate limits and the per-tenant cap of expensive lists off (the cap by its
  # environment variable, which binaries older than the option ignore).
  REGISTRAR_MAX_EXPENSIVE_LISTS_PER_TENANT=0 taskset -c "$SERVER_CPU" "$REGISTRAR_BIN" serve \
    --listen 127.0.0.1:0 --database-url "$db" \
    --rate-limit-tier1 0 --rate-limit-tier2 0 "$@" >/dev/null 2>"$log" &
  REG_PID=$!
  REG_URL=$(wait_ready "$log" "$REG_PID")
}

# start_hello -> sets HELLO_PID and HELLO_URL.
start_hello() {
  local log="$BENCH_TMP/hello.$$.log"
  taskset -c "$SERVER_CPU" "$HELLO_BIN" 127.0.0.1:0 2>"$log" &
  HELLO_PID=$!
  HELLO_URL=$(wait_ready "$log" "$HELLO_PID")
}

stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# tenant_token DBURL -> prints "CLIENT_ID CLIENT_SECRET" of a new tenant's admin.
new_tenant() {
  "$REGISTRAR_BIN" tenant create "bench-$RANDOM" --database-url "$1" 2>/dev/null | jq -r '"\(.clientId) \(.clientSecret)"'
}

# token BASEURL ID SECRET -> prints an access token.
token() {
  curl -sf -u "$2:$3" -d grant_type=client_credentials "$1/oauth/token" | jq -r .access_token
}

# to_ms VALUE -> wrk latency (e.g. 812.00us, 1.20ms, 1.01s) in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
    if (u == "us") n = n / 1000; else if (u == "s") n = n * 1000; else if (u == "m") n = n * 60000;
    printf "%.2f", n }'
}

# run_wrk NAME [wrk args... URL] -> runs wrk and appends "NAME|rps|p50ms|p99ms" to $BENCH_TMP/results.
run_wrk() {
  local name=$1; shift
  local out="$BENCH_TMP/wrk.$RANDOM.txt"
  taskset -c "$LOAD_CPU" wrk --latency -t"$BENCH_THREADS" -c"$BENCH_CONNECTIONS" -d"$BENCH_DURATION" "$@" >"$out"
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
  non2xx=$(awk '/Non-2xx or 3xx responses/ {print $5}' "$out")
  if [ -n "$non2xx" ]; then echo "bench: $name had $non2xx non-2xx responses" >&2; fi
  grep -E '^(script:|  Socket errors)' "$out" | awk -v p="bench: $name: " '{print p $0}' >&2 || true
  # A script that ran out of prepared requests stopped early, while wrk
  # still divides by the whole duration: the figures would be wrong.
  if grep -q '^script:.*ran dry' "$out"; then
    echo "bench: $name ran out of prepared requests before ${BENCH_DURATION}; its figures are not valid (prepare more, or shorten BENCH_DURATION)" >&2
    return 1
  fi
  echo "$name|$rps|$p50|$p99|${non2xx:-0}" >>"$BENCH_TMP/results"
  echo "bench: $name: $rps req/s, p50 ${p50} ms, p99 ${p99} ms" >&2
}

# settle URL: waits (at most 60 s) until one GET of URL is answered within
# 20 ms. wrk stops by closing its connections, but the server finishes the
# requests it is running; after a slow workload that backlog would be
# measured as the next workload's latency.
settle() {
  local i took
  for i in $(seq 600); do
    took=$(curl -s -o /dev/null -w '%{time_total}' "$1" || echo 1)
    if awk -v t="$took" 'BEGIN { exit !(t < 0.02) }'; then return 0; fi
    sleep 0.1
  done
  echo "bench: $1 did not settle within 60 s" >&2
}

# result_field NAME FIELD(2=rps,3=p50,4=p99) -> a value from $BENCH_TMP/results.
result_field() { awk -F'|' -v n="$1" -v f="$2" '$1 == n {print $f}' "$BENCH_TMP/results" | tail -1; }

# ratio A B -> A/B as a percentage with one decimal.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f%%", 100 * a / b; else print "n/a" }'; }

# results_table BASELINE_NAME -> a Markdown table of every result with its share of the baseline's req/s.
results_table() {
  local base; base=$(result_field "$1" 2)
  echo "| workload | req/s | p50 ms | p99 ms | non-2xx | req/s vs $1 |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  while IFS='|' read -r name rps p50 p99 bad; do
    echo "| $name | $rps | $p50 | $p99 | $bad | $(ratio "$rps" "$base") |"
  done <"$BENCH_TMP/results"
}

# machine_note -> one line describing where and when the figures were taken.
machine_note() {
  echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) CPUs ($(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ *//')), wrk ${BENCH_THREADS} thread(s) x ${BENCH_CONNECTIONS} connections for ${BENCH_DURATION} per workload, server on CPU ${SERVER_CPU}, wrk on CPU ${LOAD_CPU}."
}

# bench/RESULTS.md is written only by the scripts: each owns one section,
# between `<!-- bench/NAME.sh: begin -->` and `<!-- bench/NAME.sh: end -->`,
# which it replaces in place (or appends, the first time). The hand-written
# header above the first section is never touched.
BENCH_RESULTS="$BENCH_ROOT/bench/RESULTS.md"
need python3 python3

# provenance SCRIPT COMMAND -> the line under every section's heading: the
# script, the command, the UTC time and the commit the binaries were built from.
provenance() {
  local commit dirty=""
  commit=$(git -C "$BENCH_ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo "unknown (not a git checkout)")
  if ! git -C "$BENCH_ROOT" diff --quiet HEAD -- src migrations examples Cargo.toml Cargo.lock 2>/dev/null; then
    dirty=" plus uncommitted changes"
  fi
  echo "Written by \`$1\` at $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $commit$dirty; command: \`$2\`."
}

# write_section SCRIPT SECTION_FILE -> puts SECTION_FILE (a `## ` heading, the
# provenance line, the figures) between SCRIPT's markers in bench/RESULTS.md.
write_section() {
  python3 - "$BENCH_RESULTS" "$1" "$2" <<'PY'
import sys
path, script, body_path = sys.argv[1:]
begin, end = f"<!-- {script}: begin -->", f"<!-- {script}: end -->"
body = open(body_path).read().strip("\n")
try:
    text = open(path).read()
except FileNotFoundError:
    text = "# Benchmark results\n\nEvery section below is written by the script its markers name (bench/README.md).\n"
block = f"{begin}\n{body}\n{end}"
if begin in text and end in text:
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    text = head + block + tail
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
open(path, "w").write(text)
PY
  echo "bench: wrote the $1 section of $BENCH_RESULTS" >&2
}

# profile_shapes SECTION_FILE PERCENT SHAPE... -> for each "name|path" SHAPE,
# loads $REG_URL$path with wrk (as $TOKEN) for 10 s, records the server
# ($REG_PID) with perf for 6 s of it, and appends the shape's req/s and its
# symbols above PERCENT% (self time) to SECTION_FILE.
profile_shapes() {
  local section=$1 percent=$2 shape name path wrk_pid rate
  shift 2
  for shape in "$@"; do
    IFS='|' read -r name path <<<"$shape"
    taskset -c "$LOAD_CPU" wrk -t1 -c"$BENCH_CONNECTIONS" -d10s -H "Authorization: Bearer $TOKEN" \
      "$REG_URL$path" >"$BENCH_TMP/wrk.txt" &
    wrk_pid=$!
    sleep 2
    perf record -q -F 999 -g -p "$REG_PID" -o "$BENCH_TMP/perf.data" -- sleep 6 2>/dev/null
    wait "$wrk_pid"
    rate=$(awk '/Requests\/sec/ {print $2}' "$BENCH_TMP/wrk.txt")
    {
      echo "\`$name\` ($rate req/s):"
      echo '```text'
      perf report -q --stdio --no-children -i "$BENCH_TMP/perf.data" --sort dso,symbol \
        --percent-limit "$percent" -g none 2>/dev/null | sed '/^$/d' | sed 's/ *$//' | head -25
      echo '```'
      echo
    } >>"$section"
    echo "bench: profiled $name" >&2
  done
}
