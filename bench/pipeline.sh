#!/usr/bin/env bash
# Request-pipeline benchmark: the shared per-request cost, before and after a
# change, in one run, each as a share of the bare-axum hello world.
#
#   bash bench/pipeline.sh [BEFORE_REV]   # writes its marked section of bench/RESULTS.md ("## Request pipeline")
#
# Builds the release binary of BEFORE_REV (default: 1258cd6, the last commit
# before the single pipeline layer) in a detached worktree with its own target
# directory (PIPELINE_BEFORE_TARGET, default target/bench-before), and the
# binary of the working tree; then, on a database of 1,000 clients, measures
# with wrk for each binary: GET /health, a management request refused with 401,
# GET of one client, and token issuance (client_secret_basic), with the hello
# world measured between them.
# Targets (issue 11): GET /health at least 50% of the hello world, GET of one
# client at least 35%.
# Environment: bench/lib.sh's BENCH_DURATION, BENCH_CONNECTIONS, BENCH_THREADS.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need sqlite3 sqlite3
BEFORE_REV=${1:-1258cd6}
BEFORE_TARGET=${PIPELINE_BEFORE_TARGET:-$BENCH_TARGET/bench-before}
: >"$BENCH_TMP/results"
# PIPELINE_BEFORE_TREE: an existing checkout of BEFORE_REV to build in (kept,
# so its target directory stays fresh between runs); else a temporary worktree.
BEFORE_TREE=${PIPELINE_BEFORE_TREE:-$BENCH_TMP/before}
cleanup() {
  for p in ${REG_PID:-} ${HELLO_PID:-}; do stop_pid "$p"; done
  if [ -z "${PIPELINE_BEFORE_TREE:-}" ]; then
    git -C "$BENCH_ROOT" worktree remove --force "$BEFORE_TREE" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

echo "bench: building release binaries (working tree, and $BEFORE_REV)" >&2
build_release
if [ -z "${PIPELINE_BEFORE_TREE:-}" ]; then
  git -C "$BENCH_ROOT" worktree add --detach "$BEFORE_TREE" "$BEFORE_REV" >/dev/null
elif [ "$(git -C "$BEFORE_TREE" rev-parse HEAD)" != "$(git -C "$BENCH_ROOT" rev-parse "$BEFORE_REV^{commit}")" ]; then
  echo "bench: $BEFORE_TREE is not at $BEFORE_REV" >&2
  exit 1
fi
(cd "$BEFORE_TREE" && CARGO_TARGET_DIR="$BEFORE_TARGET" cargo build --release --bin registrar)
BEFORE_BIN="$BEFORE_TARGET/release/registrar"
AFTER_BIN="$REGISTRAR_BIN"
BEFORE_SHORT=$(git -C "$BENCH_ROOT" rev-parse --short "$BEFORE_REV")
AFTER_SHORT="$(git -C "$BENCH_ROOT" rev-parse --short HEAD)$(git -C "$BENCH_ROOT" diff --quiet HEAD -- src || echo +changes)"

# seed BIN DBFILE -> a database with one tenant and 1,000 clients; prints
# "ADMIN_ID ADMIN_SECRET ONE_CLIENT_ID".
seed() {
  local bin=$1 file=$2 admin tenant
  admin=$("$bin" tenant create bench --database-url "sqlite://$file" 2>/dev/null | jq -r '"\(.clientId) \(.clientSecret)"')
  tenant=$(sqlite3 "$file" "SELECT tenant_id FROM tenants LIMIT 1")
  sqlite3 "$file" >/dev/null <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
INSERT INTO clients (tenant_id, client_id, app_type, client_name, name_key, created_at, updated_at, secret_count, config)
SELECT '$tenant', printf('bench%027d', i), 'web', 'Bench client ' || i, 'bench client ' || i,
       1700000000000000 + i * 1000, 1700000000000000 + i * 1000, 0,
       json_object('appType', 'web', 'clientName', 'Bench client ' || i,
                   'allowedScopes', json_array('read:x'), 'allowedGrantTypes', json_array('client_credentials'),
                   'allowedAuthMethods', json_array('client_secret'),
                   'connectionConfig', json_object('consentMethod', 'required'))
FROM n;
INSERT INTO client_directory (client_id, tenant_id)
SELECT client_id, tenant_id FROM clients WHERE tenant_id = '$tenant' AND client_id LIKE 'bench%';
COMMIT;
SQL
  echo "$admin bench$(printf '%027d' 500)"
}

cat >"$BENCH_TMP/token.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=client_credentials"
LUA

# measure LABEL BIN: the four workloads of one binary, on a database of its own.
measure() {
  local label=$1 bin=$2 file="$BENCH_TMP/$1.db" admin_id admin_secret one token basic
  read -r admin_id admin_secret one < <(seed "$bin" "$file")
  REGISTRAR_BIN=$bin start_registrar "sqlite://$file"
  token=$(token "$REG_URL" "$admin_id" "$admin_secret")
  basic=$(printf '%s:%s' "$admin_id" "$admin_secret" | base64 -w0)
  run_wrk "$label: GET /health" "$REG_URL/health"
  run_wrk "$label: refused bearer (401)" "$REG_URL/api/core/oauth-clients/$one"
  run_wrk "$label: GET client" -H "Authorization: Bearer $token" "$REG_URL/api/core/oauth-clients/$one"
  run_wrk "$label: token issuance" -H "Authorization: Basic $basic" -s "$BENCH_TMP/token.lua" "$REG_URL/oauth/token"
  stop_pid "$REG_PID"; REG_PID=
}

hello() {
  start_hello
  run_wrk "$1" "$HELLO_URL/"
  stop_pid "$HELLO_PID"; HELLO_PID=
}

hello "hello world (first)"
measure before "$BEFORE_BIN"
hello "hello world (middle)"
measure after "$AFTER_BIN"
hello "hello world (last)"
HELLO=$(awk -F'|' '$1 ~ /^hello world/ {s += $2; n++} END {printf "%.2f", s / n}' "$BENCH_TMP/results")
echo "hello world (mean)|$HELLO|||" >>"$BENCH_TMP/results"

verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo MISSED; fi; }
row() {
  local what=$1 before after
  before=$(result_field "before: $what" 2)
  after=$(result_field "after: $what" 2)
  echo "| $what | $(ratio "$before" "$HELLO") | $(ratio "$after" "$HELLO") | $(ratio "$after" "$before") |"
}
HEALTH=$(result_field "after: GET /health" 2)
GET=$(result_field "after: GET client" 2)

SECTION="$BENCH_TMP/section.md"
{
  echo "## Request pipeline"
  echo
  provenance bench/pipeline.sh "bash bench/pipeline.sh $BEFORE_REV"
  echo "Before = $BEFORE_SHORT (three middleware layers), after = $AFTER_SHORT (one pipeline layer)."
  machine_note
  echo "Each binary serves its own SQLite database of 1,000 clients; rate limits are off; the hello world ran before, between and after the two binaries, and the ratios use the mean of the three."
  echo
  results_table "hello world (mean)"
  echo
  echo "| workload | before vs hello world | after vs hello world | after vs before |"
  echo "| --- | ---: | ---: | ---: |"
  row "GET /health"
  row "refused bearer (401)"
  row "GET client"
  row "token issuance"
  echo
  echo "| target | value | verdict |"
  echo "| --- | ---: | --- |"
  echo "| GET /health at least 50% of hello world | $(ratio "$HEALTH" "$HELLO") | $(verdict "$HEALTH >= 0.5 * $HELLO") |"
  echo "| GET of one client at least 35% of hello world | $(ratio "$GET" "$HELLO") | $(verdict "$GET >= 0.35 * $HELLO") |"
  echo
} >"$SECTION"

write_section bench/pipeline.sh "$SECTION"
cat "$SECTION"
