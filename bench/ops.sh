#!/usr/bin/env bash
# Operations benchmark: the release binary against the bare-axum hello world,
# in one run, over a database holding 1,000,000 clients.
#
#   bash bench/ops.sh            # writes its marked section of bench/RESULTS.md ("## Operations")
#
# Measures req/s, p50 and p99 (wrk) for: hello world, GET /health, a request
# refused with 401, GET client, list page, create client, create secret,
# token issuance; the disk's write+fsync rate on the database's file system;
# peak RSS of the server; start-to-ready time (median of 5 starts); and the
# floors of examples/floors.rs (the reads of a GET, the store alone creating).
# Then checks the targets:
#   GET >= 50% of hello-world req/s; create >= 50% of the fsync rate;
#   RSS < 64 MiB with 1,000,000 clients stored; start to ready < 200 ms.
# Environment: BENCH_CLIENTS (default 1000000), plus bench/lib.sh's
# BENCH_DURATION, BENCH_CONNECTIONS, BENCH_THREADS. Needs wrk, jq, curl,
# sqlite3 and python3.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need sqlite3 sqlite3
need python3 python3
BENCH_CLIENTS=${BENCH_CLIENTS:-1000000}
: >"$BENCH_TMP/results"
trap 'for p in ${REG_PID:-} ${HELLO_PID:-}; do stop_pid "$p"; done' EXIT

echo "bench: building release binaries" >&2
build_release

# 1. The disk: write 4 KiB + fsync in a loop for 3 s on the database's file
# system, overwriting a preallocated 4 MiB file in turn as a database log does.
FSYNC_RATE=$(python3 - "$BENCH_TMP/fsync.probe" <<'PY'
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, b"\0" * (4 << 20))
os.fsync(fd)
block, n, start = b"x" * 4096, 0, time.monotonic()
while time.monotonic() - start < 3.0:
    os.pwrite(fd, block, (n % 1024) * 4096)
    os.fsync(fd)
    n += 1
elapsed = time.monotonic() - start
os.close(fd)
os.unlink(sys.argv[1])
print(f"{n / elapsed:.1f}")
PY
)
echo "bench: write+fsync: $FSYNC_RATE per second" >&2

# 2. A database with one tenant holding BENCH_CLIENTS clients, seeded by SQL.
DB_FILE="$BENCH_TMP/ops.db"
DB="sqlite://$DB_FILE"
read -r ADMIN_ID ADMIN_SECRET < <("$REGISTRAR_BIN" tenant create bench --database-url "$DB" 2>/dev/null | jq -r '"\(.clientId) \(.clientSecret)"')
TENANT=$(sqlite3 "$DB_FILE" "SELECT tenant_id FROM tenants LIMIT 1")
SEED_START=$(date +%s.%N)
# Rows match migrations/sqlite/0001_init.sql and the JSON of domain::client::ClientConfig:
# web clients allowing client_secret (so secrets can be added), no secret yet.
sqlite3 "$DB_FILE" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $BENCH_CLIENTS)
INSERT INTO clients (tenant_id, client_id, app_type, client_name, name_key, created_at, updated_at, secret_count, config)
SELECT '$TENANT', printf('bench%027d', i), 'web', 'Bench client ' || i, 'bench client ' || i,
       1700000000000000 + i * 1000, 1700000000000000 + i * 1000, 0,
       json_object('appType', 'web', 'clientName', 'Bench client ' || i,
                   'allowedScopes', json_array('read:x'), 'allowedGrantTypes', json_array('client_credentials'),
                   'allowedAuthMethods', json_array('client_secret'),
                   'connectionConfig', json_object('consentMethod', 'required'))
FROM n;
INSERT INTO client_directory (client_id, tenant_id)
SELECT client_id, tenant_id FROM clients WHERE tenant_id = '$TENANT' AND client_id LIKE 'bench%';
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
SEED_SECS=$(awk -v a="$SEED_START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
STORED=$(sqlite3 "$DB_FILE" "SELECT COUNT(*) FROM clients")
DB_MB=$(du -m "$DB_FILE" | cut -f1)
echo "bench: seeded $STORED clients in ${SEED_SECS}s (${DB_MB} MiB)" >&2

# 3. Start to ready: median of 5 starts on the seeded database.
READY_MS=$(python3 - "$REGISTRAR_BIN" "$DB" <<'PY'
import statistics, subprocess, sys, time
times = []
for _ in range(5):
    t0 = time.monotonic()
    p = subprocess.Popen([sys.argv[1], "serve", "--listen", "127.0.0.1:0", "--database-url", sys.argv[2]],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in p.stderr:
        if "listening on http://" in line:
            times.append((time.monotonic() - t0) * 1000)
            break
    p.terminate()
    p.wait()
print(f"{statistics.median(times):.1f}")
PY
)
echo "bench: start to ready: ${READY_MS} ms (median of 5)" >&2

# 4. Load. Servers on CPU 0, wrk on CPU 1 (bench/lib.sh).
start_hello
run_wrk "hello world" "$HELLO_URL/"
stop_pid "$HELLO_PID"; HELLO_PID=

start_registrar "$DB"
TOKEN=$(token "$REG_URL" "$ADMIN_ID" "$ADMIN_SECRET")
ONE="bench$(printf '%027d' $((BENCH_CLIENTS / 2)))"
AUTH="Authorization: Bearer $TOKEN"
# Two yardsticks of the per-request cost every route shares: /health (the
# middleware and one in-thread SQLite read) and a management request refused
# with 401 (the middleware, the error body, no store, no signature check).
run_wrk "GET /health" "$REG_URL/health"
run_wrk "refused bearer (401)" "$REG_URL/api/core/oauth-clients/$ONE"
run_wrk "GET client" -H "$AUTH" "$REG_URL/api/core/oauth-clients/$ONE"
run_wrk "list page (20 of $STORED)" -H "$AUTH" "$REG_URL/api/core/oauth-clients?limit=20"

cat >"$BENCH_TMP/create.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"appType":"web","clientName":"Load test","allowedGrantTypes":["client_credentials"],"allowedScopes":["read:x"],"redirectUris":["https://load.example/cb"]}'
LUA
run_wrk "create client" -H "$AUTH" -s "$BENCH_TMP/create.lua" "$REG_URL/api/core/oauth-clients"

# One secret per seeded client, walking through them, so no client reaches 5.
cat >"$BENCH_TMP/secret.lua" <<'LUA'
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", string.format("/api/core/oauth-clients/bench%027d/client-secrets", i))
end
LUA
run_wrk "create secret" -H "$AUTH" -s "$BENCH_TMP/secret.lua" "$REG_URL"

BASIC=$(printf '%s:%s' "$ADMIN_ID" "$ADMIN_SECRET" | base64 -w0)
cat >"$BENCH_TMP/token.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=client_credentials"
LUA
run_wrk "token issuance" -H "Authorization: Basic $BASIC" -s "$BENCH_TMP/token.lua" "$REG_URL/oauth/token"

PEAK_KIB=$(awk '/VmHWM/ {print $2}' "/proc/$REG_PID/status")
PEAK_MIB=$(awk -v k="$PEAK_KIB" 'BEGIN { printf "%.1f", k / 1024 }')
stop_pid "$REG_PID"; REG_PID=
echo "bench: peak RSS ${PEAK_MIB} MiB" >&2

# 5. Floors: what the two targets must fit around, measured without HTTP on
# the server's CPU (examples/floors.rs): the two in-thread SQLite reads of an
# authenticated GET, and the clients per second the store alone creates
# (32 concurrent writers, group commit) on the same database.
FLOORS=$(taskset -c "$SERVER_CPU" "$FLOORS_BIN" store "$DB" "$TENANT" "$ONE" 5)
READS_US=$(jq -r .get_reads_us <<<"$FLOORS")
STORE_CREATES=$(jq -r .store_creates_per_s <<<"$FLOORS")
echo "bench: floors: GET reads ${READS_US} us, store alone ${STORE_CREATES} creates/s" >&2

# 6. Targets.
HELLO=$(result_field "hello world" 2)
GET=$(result_field "GET client" 2)
CREATE=$(result_field "create client" 2)
verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo MISSED; fi; }
GET_OK=$(verdict "$GET >= 0.5 * $HELLO")
CREATE_OK=$(verdict "$CREATE >= 0.5 * $FSYNC_RATE")
RSS_OK=$(verdict "$PEAK_MIB < 64")
READY_OK=$(verdict "$READY_MS < 200")

SECTION="$BENCH_TMP/section.md"
{
  echo "## Operations"
  echo
  provenance bench/ops.sh "BENCH_CLIENTS=$BENCH_CLIENTS bash bench/ops.sh"
  machine_note
  echo "The database holds $STORED clients in one tenant (${DB_MB} MiB, seeded by SQL in ${SEED_SECS} s); rate limits are off."
  echo
  results_table "hello world"
  echo
  echo "| measure | value | target | verdict |"
  echo "| --- | ---: | --- | --- |"
  echo "| GET client vs hello world | $(ratio "$GET" "$HELLO") | at least 50% | $GET_OK |"
  echo "| write+fsync rate of the disk | $FSYNC_RATE/s | | |"
  echo "| create client vs fsync rate | $(ratio "$CREATE" "$FSYNC_RATE") | at least 50% | $CREATE_OK |"
  echo "| hello world: time per request | $(awk -v r="$HELLO" 'BEGIN { printf "%.1f", 1e6 / r }') µs | | |"
  echo "| GET at 50%: time per request allowed | $(awk -v r="$HELLO" 'BEGIN { printf "%.1f", 2e6 / r }') µs | | |"
  echo "| floor: the two SQLite reads of a GET alone | $READS_US µs | | |"
  echo "| floor: the store alone creating (no HTTP) | $STORE_CREATES/s = $(ratio "$STORE_CREATES" "$FSYNC_RATE") of the fsync rate | | |"
  echo "| peak RSS (whole run) | $PEAK_MIB MiB | under 64 MiB | $RSS_OK |"
  echo "| start to ready (median of 5) | $READY_MS ms | under 200 ms | $READY_OK |"
  echo
} >"$SECTION"

write_section bench/ops.sh "$SECTION"
cat "$SECTION"
