#!/usr/bin/env bash
# Audit-log benchmark (issue 14): what recording an event in every change's
# transaction costs, and how fast a filtered page of a large log is.
#
#   bash bench/audit.sh [BEFORE_REV]   # writes the "## Audit log" section of bench/RESULTS.md
#
# 1. Create-client throughput (POST /api/core/oauth-clients, SQLite) of the
#    binary of BEFORE_REV (default: the merge base with main, i.e. the same
#    code without the audit log), built in a detached worktree with its own
#    target directory (AUDIT_BEFORE_TARGET, default target/bench-before), and
#    of the working tree's binary, measured alternately (before, after,
#    before, after) in one run. Target: after >= 90% of before.
# 2. A tenant with 1,000,000 events (AUDIT_EVENTS), loaded with SQL, and
#    filtered audit pages at 32 connections: `type eq`, `subject eq`,
#    `actor.sub eq`, `traceid eq`, `time gt`, and a conjunction. Target:
#    p99 under 10 ms for each.
# Environment: bench/lib.sh's BENCH_DURATION, BENCH_CONNECTIONS, BENCH_THREADS.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need sqlite3 sqlite3
BEFORE_REV=${1:-$(git -C "$BENCH_ROOT" merge-base HEAD main)}
BEFORE_TARGET=${AUDIT_BEFORE_TARGET:-$BENCH_TARGET/bench-before}
EVENTS=${AUDIT_EVENTS:-1000000}
RESULTS="$BENCH_ROOT/bench/RESULTS.md"
: >"$BENCH_TMP/results"
BEFORE_TREE="$BENCH_TMP/before"
cleanup() {
  for p in ${REG_PID:-}; do stop_pid "$p"; done
  git -C "$BENCH_ROOT" worktree remove --force "$BEFORE_TREE" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "bench: building release binaries (working tree, and $BEFORE_REV)" >&2
(cd "$BENCH_ROOT" && cargo build --release --bin registrar)
git -C "$BENCH_ROOT" worktree add --detach "$BEFORE_TREE" "$BEFORE_REV" >/dev/null
(cd "$BEFORE_TREE" && CARGO_TARGET_DIR="$BEFORE_TARGET" cargo build --release --bin registrar)
BEFORE_BIN="$BEFORE_TARGET/release/registrar"
AFTER_BIN="$REGISTRAR_BIN"
BEFORE_SHORT=$(git -C "$BENCH_ROOT" rev-parse --short "$BEFORE_REV")
AFTER_SHORT="$(git -C "$BENCH_ROOT" rev-parse --short HEAD)$(git -C "$BENCH_ROOT" diff --quiet HEAD -- src || echo +changes)"

cat >"$BENCH_TMP/create.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"appType":"native","clientName":"bench","redirectUris":["com.example.app:/cb"]}'
LUA

# creates LABEL BIN: create-client throughput of one binary on a fresh database.
creates() {
  local label=$1 bin=$2 file="$BENCH_TMP/create-$1-$RANDOM.db" id secret token
  read -r id secret < <("$bin" tenant create bench --database-url "sqlite://$file" 2>/dev/null | jq -r '"\(.clientId) \(.clientSecret)"')
  REGISTRAR_BIN=$bin start_registrar "sqlite://$file" --max-clients-per-tenant 1000000000
  token=$(token "$REG_URL" "$id" "$secret")
  run_wrk "$label" -H "Authorization: Bearer $token" -s "$BENCH_TMP/create.lua" "$REG_URL/api/core/oauth-clients"
  stop_pid "$REG_PID"; REG_PID=
}

creates "before: create client (1)" "$BEFORE_BIN"
creates "after: create client (1)" "$AFTER_BIN"
creates "before: create client (2)" "$BEFORE_BIN"
creates "after: create client (2)" "$AFTER_BIN"
mean() { awk -F'|' -v p="$1" 'index($1, p) == 1 {s += $2; n++} END {printf "%.2f", s / n}' "$BENCH_TMP/results"; }
BEFORE_RPS=$(mean "before: create client")
AFTER_RPS=$(mean "after: create client")

# The large log: one tenant, EVENTS events over the last 30 days, 50 types
# of ~10 subjects' changes each, 100 actors, a trace id on all but every
# 20th (a command's); plus 1,000 events of a second tenant.
DB="$BENCH_TMP/log.db"
read -r ADMIN_ID ADMIN_SECRET < <("$AFTER_BIN" tenant create bench --database-url "sqlite://$DB" 2>/dev/null | jq -r '"\(.clientId) \(.clientSecret)"')
TENANT=$(sqlite3 "$DB" "SELECT tenant_id FROM tenants LIMIT 1")
NOW_US=$(($(date +%s) * 1000000))
echo "bench: loading $EVENTS events" >&2
sqlite3 "$DB" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $EVENTS)
INSERT INTO audit_events (tenant_id, time, event_id, type, subject, actor_sub, traceid, event)
SELECT '$TENANT', $NOW_US - (30 * 86400000000) + i * (30 * 86400000000 / $EVENTS), printf('ev%030d', i),
       'com.registrar.bench.t' || (i % 50), printf('subject%06d', i % 100000), 'actor' || (i % 100),
       CASE WHEN i % 20 = 0 THEN NULL ELSE printf('trace%08d', i / 3) END,
       json_object('specversion', '1.0', 'id', printf('ev%030d', i), 'source', 'bench',
                   'type', 'com.registrar.bench.t' || (i % 50), 'subject', printf('subject%06d', i % 100000),
                   'tenantid', '$TENANT', 'actor', json_object('sub', 'actor' || (i % 100)),
                   'datacontenttype', 'application/json', 'data', json_object('n', i))
FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
INSERT INTO audit_events (tenant_id, time, event_id, type, subject, actor_sub, traceid, event)
SELECT 'othertenant', $NOW_US - i, printf('ot%030d', i), 'com.registrar.bench.t1', 'subject000001', 'actor1', NULL, '{}'
FROM n;
COMMIT;
ANALYZE;
SQL
start_registrar "sqlite://$DB"
TOKEN=$(token "$REG_URL" "$ADMIN_ID" "$ADMIN_SECRET")
SINCE=$(date -u -d "@$(($(date +%s) - 86400))" +%Y-%m-%dT%H:%M:%SZ)
enc() { jq -rn --arg v "$1" '$v | @uri'; }
declare -a PAGES=(
  "type eq|type eq \"com.registrar.bench.t7\""
  "subject eq|subject eq \"subject004242\""
  "actor.sub eq|actor.sub eq \"actor42\""
  "traceid eq|traceid eq \"trace00123456\""
  "time gt (last day)|time gt \"$SINCE\""
  "type and time|type eq \"com.registrar.bench.t7\" and time gt \"$SINCE\""
)
run_wrk "audits: first page, no filter" -H "Authorization: Bearer $TOKEN" "$REG_URL/api/core/audits"
for page in "${PAGES[@]}"; do
  name=${page%%|*}; filter=${page#*|}
  run_wrk "audits: $name" -H "Authorization: Bearer $TOKEN" "$REG_URL/api/core/audits?filter=$(enc "$filter")"
done
stop_pid "$REG_PID"; REG_PID=

# The plans: each filter a range of one index.
PLANS="$BENCH_TMP/plans.txt"
: >"$PLANS"
for q in "type = 'com.registrar.bench.t7'" "subject = 'subject004242'" "actor_sub = 'actor42'" "traceid = 'trace00123456'" "time > $((NOW_US - 86400000000))"; do
  echo "WHERE tenant_id = ? AND $q ORDER BY time DESC, event_id DESC LIMIT 21:" >>"$PLANS"
  sqlite3 "$DB" "EXPLAIN QUERY PLAN SELECT event_id, time, event FROM audit_events WHERE tenant_id = '$TENANT' AND $q ORDER BY time DESC, event_id DESC LIMIT 21" | sed 's/^/    /' >>"$PLANS"
done

verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo MISSED; fi; }
SECTION="$BENCH_TMP/section.md"
{
  echo "## Audit log"
  echo
  echo "Command: \`bash bench/audit.sh $BEFORE_REV\`: before = $BEFORE_SHORT (no audit log), after = $AFTER_SHORT (every change records its event in its transaction)."
  machine_note
  echo "Create-client throughput: each binary twice, alternately, each run on a fresh SQLite database; the means are compared."
  echo "Audit pages: one tenant with $EVENTS events (loaded with SQL, then ANALYZE) and a second tenant with 1,000; each request is a first page of 20 newest-first events."
  echo
  results_table "before: create client (1)"
  echo
  echo "| target | value | verdict |"
  echo "| --- | ---: | --- |"
  echo "| create client with the audit log at least 90% of without | $(ratio "$AFTER_RPS" "$BEFORE_RPS") ($AFTER_RPS vs $BEFORE_RPS req/s) | $(verdict "$AFTER_RPS >= 0.9 * $BEFORE_RPS") |"
  for page in "no filter|first page, no filter" "${PAGES[@]}"; do
    name=${page%%|*}
    label="audits: $name"; [ "$name" = "no filter" ] && label="audits: first page, no filter"
    p99=$(result_field "$label" 4)
    echo "| $label: p99 under 10 ms | $p99 ms | $(verdict "$p99 < 10") |"
  done
  echo
  echo "SQLite's plans of the page statements (every filter a range of one index ending in the order):"
  echo
  echo '```'
  cat "$PLANS"
  echo '```'
  echo
} >"$SECTION"

touch "$RESULTS"
python3 - "$RESULTS" "$SECTION" <<'PY'
import re, sys
path, section = sys.argv[1], open(sys.argv[2]).read()
text = open(path).read()
pattern = re.compile(r"^## Audit log\n.*?(?=^## |\Z)", re.S | re.M)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
open(path, "w").write(text)
PY
cat "$SECTION"
