#!/usr/bin/env bash
# Audit-log benchmark (issue 14): what recording an event in every change's
# transaction costs, and how fast a filtered page of a large log is.
#
#   bash bench/audit.sh [BEFORE_REV]   # writes the "## Audit log" section of bench/RESULTS.md
#
# 1. Create-client throughput (POST /api/core/oauth-clients, SQLite) of a
#    baseline without the audit log and of the working tree's binary,
#    measured alternately (before, after, before, after) in one run. Target:
#    after >= 90% of before. The baseline is, by default, the working tree
#    itself built with the `bench-without-audit` feature (Cargo.toml: every
#    change records no event; nothing else differs), in its own target
#    directory (AUDIT_BEFORE_TARGET, default $CARGO_TARGET_DIR/bench-no-audit;
#    seed it with a copy of a release target to save a full build). With
#    BEFORE_REV, the baseline is that commit instead (e.g. the code before
#    the audit log: `before-audit` names the first parent of the commit of
#    main's first-parent history that added migrations/sqlite/0007_audit.sql),
#    built in a detached worktree; AUDIT_BEFORE_BIN names a
#    binary built already (no build; the section names that file, and the
#    commit only when BEFORE_REV is given).
# 2. A tenant with 1,000,000 events (AUDIT_EVENTS), loaded with SQL, and
#    filtered audit pages at BENCH_CONNECTIONS: `type eq`, `subject eq`,
#    `actor.sub eq`, `traceid eq`, `time gt`, and a conjunction. Target:
#    p99 under 10 ms for each. SQLite's plans of the same filters follow.
# 3. With AUDIT_PG_URL (a PostgreSQL server, e.g.
#    postgres://postgres@127.0.0.1:5432/postgres; optional), the same log in
#    a fresh database there and the server's own statements of each page
#    (`examples/seed audit-plan`, `Store::explain_list`) under
#    `EXPLAIN (ANALYZE, BUFFERS)`; the database is dropped at the end.
# Environment: bench/lib.sh's BENCH_DURATION, BENCH_CONNECTIONS, BENCH_THREADS.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need sqlite3 sqlite3
# The commit before the audit log (see 1.).
before_audit() {
  local added
  added=$(git -C "$BENCH_ROOT" log --first-parent --diff-filter=A --format=%H main -- migrations/sqlite/0007_audit.sql | tail -1)
  git -C "$BENCH_ROOT" rev-parse "$added^1"
}
BEFORE_REV=${1:-}
if [ "$BEFORE_REV" = before-audit ]; then BEFORE_REV=$(before_audit); fi
BEFORE_TARGET=${AUDIT_BEFORE_TARGET:-$BENCH_TARGET/bench-${BEFORE_REV:+before}${BEFORE_REV:-no-audit}}
EVENTS=${AUDIT_EVENTS:-1000000}
PG_URL=${AUDIT_PG_URL:-}
SEED_BIN="$BENCH_TARGET/release/examples/seed"
: >"$BENCH_TMP/results"
BEFORE_TREE="$BENCH_TMP/before"
PG_DB=""
cleanup() {
  for p in ${REG_PID:-}; do stop_pid "$p"; done
  if [ -d "$BEFORE_TREE" ]; then git -C "$BENCH_ROOT" worktree remove --force "$BEFORE_TREE" >/dev/null 2>&1 || true; fi
  if [ -n "$PG_DB" ]; then psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

echo "bench: building the working tree's release binaries" >&2
(cd "$BENCH_ROOT" && cargo build --release --bin registrar --example hello --example floors --example seed)
if [ -n "${AUDIT_BEFORE_BIN:-}" ]; then
  BEFORE_BIN=$AUDIT_BEFORE_BIN
  # Named by the file, and by the commit only when the command names one.
  BEFORE_NAME="the prebuilt \`$BEFORE_BIN\` (AUDIT_BEFORE_BIN${1:+, built from $1})"
elif [ -z "$BEFORE_REV" ]; then
  echo "bench: building the working tree without the audit log in $BEFORE_TARGET" >&2
  (cd "$BENCH_ROOT" && CARGO_TARGET_DIR="$BEFORE_TARGET" cargo build --release --features bench-without-audit --bin registrar)
  BEFORE_BIN="$BEFORE_TARGET/release/registrar"
  BEFORE_NAME="the working tree built with \`--features bench-without-audit\` (no audit event recorded; nothing else differs)"
else
  echo "bench: building $BEFORE_REV in $BEFORE_TARGET" >&2
  git -C "$BENCH_ROOT" worktree add --detach "$BEFORE_TREE" "$BEFORE_REV" >/dev/null
  (cd "$BEFORE_TREE" && CARGO_TARGET_DIR="$BEFORE_TARGET" cargo build --release --bin registrar)
  BEFORE_BIN="$BEFORE_TARGET/release/registrar"
  BEFORE_NAME="$(git -C "$BENCH_ROOT" rev-parse --short=12 "$BEFORE_REV") (an earlier commit: the difference holds everything changed since, not only the audit log)"
fi
AFTER_BIN="$REGISTRAR_BIN"

cat >"$BENCH_TMP/create.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"appType":"native","clientName":"bench","redirectUris":["com.example.app:/cb"]}'
LUA

# creates LABEL BIN: create-client throughput of one binary on a fresh database.
creates() {
  local label=$1 bin=$2 file="$BENCH_TMP/create-$1-$RANDOM.db" id secret token
  read -r id secret < <("$bin" tenant create bench --database-url "sqlite://$file" 2>/dev/null | jq -r '"\(.clientId) \(.clientSecret)"')
  # Older binaries have no client limit, nor the option.
  local limit=()
  if "$bin" serve --help | grep -q -- --max-clients-per-tenant; then limit=(--max-clients-per-tenant 1000000000); fi
  REGISTRAR_BIN=$bin start_registrar "sqlite://$file" "${limit[@]}"
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
# The pages' figures go in a table of their own.
mv "$BENCH_TMP/results" "$BENCH_TMP/results.create"
: >"$BENCH_TMP/results"

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

# plans URL TENANT -> the server's statements of each first page, explained
# by the database (`Store::explain_list` through `examples/seed audit-plan`).
plans() {
  local page name filter args
  for page in "no filter|" "${PAGES[@]}"; do
    name=${page%%|*}; filter=${page#*|}
    args=(audit-plan --database-url "$1" --tenant "$2")
    if [ -n "$filter" ]; then args+=(--filter "$filter"); fi
    echo "\`$name\`${filter:+: \`$filter\`}:"
    echo '```text'
    "$SEED_BIN" "${args[@]}"
    echo '```'
    echo
  done
}
PLANS="$BENCH_TMP/plans.txt"
plans "sqlite://$DB" "$TENANT" >"$PLANS"

# PostgreSQL (optional): the same log in a fresh database, and the server's
# own statements of each page under EXPLAIN (ANALYZE, BUFFERS).
PG_PLANS="$BENCH_TMP/pg_plans.txt"
: >"$PG_PLANS"
if [ -n "$PG_URL" ]; then
  need psql postgresql-client
  PG_DB="bench_audit_$$"
  psql -q -v ON_ERROR_STOP=1 "$PG_URL" -c "CREATE DATABASE $PG_DB" >/dev/null
  PG_BENCH_URL="${PG_URL%/*}/$PG_DB"
  PG_TENANT=$("$AFTER_BIN" tenant create bench --database-url "$PG_BENCH_URL" 2>/dev/null | jq -r .tenantId)
  echo "bench: loading $EVENTS events into PostgreSQL" >&2
  psql -q -v ON_ERROR_STOP=1 "$PG_BENCH_URL" >/dev/null <<SQL
INSERT INTO audit_events (tenant_id, time, event_id, type, subject, actor_sub, traceid, event)
SELECT '$PG_TENANT', $NOW_US - (30 * 86400000000) + i * (30 * 86400000000 / $EVENTS), 'ev' || lpad(i::text, 30, '0'),
       'com.registrar.bench.t' || (i % 50), 'subject' || lpad((i % 100000)::text, 6, '0'), 'actor' || (i % 100),
       CASE WHEN i % 20 = 0 THEN NULL ELSE 'trace' || lpad((i / 3)::text, 8, '0') END,
       json_build_object('specversion', '1.0', 'id', 'ev' || lpad(i::text, 30, '0'), 'source', 'bench',
                         'type', 'com.registrar.bench.t' || (i % 50), 'tenantid', '$PG_TENANT',
                         'subject', 'subject' || lpad((i % 100000)::text, 6, '0'),
                         'actor', json_build_object('sub', 'actor' || (i % 100)), 'data', json_build_object('n', i))::text
FROM generate_series(1, $EVENTS) i;
INSERT INTO audit_events (tenant_id, time, event_id, type, subject, actor_sub, traceid, event)
SELECT 'othertenant', $NOW_US - i, 'ot' || lpad(i::text, 30, '0'), 'com.registrar.bench.t1', 'subject000001', 'actor1', NULL, '{}'
FROM generate_series(1, 1000) i;
VACUUM ANALYZE audit_events;
SQL
  PG_VERSION=$(psql -Atq "$PG_BENCH_URL" -c 'SHOW server_version')
  plans "$PG_BENCH_URL" "$PG_TENANT" >"$PG_PLANS"
fi

verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo MISSED; fi; }
SECTION="$BENCH_TMP/section.md"
{
  echo "## Audit log"
  echo
  provenance bench/audit.sh "BENCH_DURATION=$BENCH_DURATION BENCH_CONNECTIONS=$BENCH_CONNECTIONS BENCH_THREADS=$BENCH_THREADS AUDIT_EVENTS=$EVENTS${AUDIT_BEFORE_BIN:+ AUDIT_BEFORE_BIN=$AUDIT_BEFORE_BIN}${PG_URL:+ AUDIT_PG_URL=…} bash bench/audit.sh${1:+ $1}"
  echo "Before = $BEFORE_NAME; after = this commit, where every change records its event in its own transaction."
  machine_note
  echo "Create-client throughput: each binary twice, alternately, each run on a fresh SQLite database; the means are compared."
  echo "Audit pages: one tenant with $EVENTS events (loaded with SQL, then ANALYZE) and a second tenant with 1,000; each request is a first page of 20 newest-first events."
  echo
  cp "$BENCH_TMP/results" "$BENCH_TMP/results.pages"
  cp "$BENCH_TMP/results.create" "$BENCH_TMP/results"
  results_table "before: create client (1)"
  echo
  cp "$BENCH_TMP/results.pages" "$BENCH_TMP/results"
  results_table "audits: first page, no filter"
  echo
  echo "| target | value | verdict |"
  echo "| --- | ---: | --- |"
  echo "| create client with the audit log at least 90% of without | $(ratio "$AFTER_RPS" "$BEFORE_RPS") ($AFTER_RPS vs $BEFORE_RPS req/s) | $(verdict "$AFTER_RPS >= 0.9 * $BEFORE_RPS") |"
  for page in "first page, no filter|" "${PAGES[@]}"; do
    label="audits: ${page%%|*}"
    p99=$(result_field "$label" 4)
    echo "| $label: p99 under 10 ms | $p99 ms | $(verdict "$p99 < 10") |"
  done
  echo
  echo "SQLite's plans of the server's statements of each first page (\`Store::explain_list\`, through \`examples/seed audit-plan\`); every filter should be a range of one index ending in the order:"
  echo
  cat "$PLANS"
  if [ -n "$PG_URL" ]; then
    echo
    echo "PostgreSQL $PG_VERSION: the server's statements of each first page (\`Store::explain_list\`, through \`examples/seed audit-plan\`) under \`EXPLAIN (ANALYZE, BUFFERS)\`, on the same $EVENTS events (then VACUUM ANALYZE); one execution each, so read the plan shapes and buffer counts rather than the times."
    echo
    cat "$PG_PLANS"
  fi
  echo "The machine is shared with other builds and benchmarks, so absolute figures vary from run to run; the ratio is taken within one run."
} >"$SECTION"

write_section bench/audit.sh "$SECTION"
cat "$SECTION"
