#!/usr/bin/env bash
# Where the list shapes that miss issue 17's targets on the million-client
# tenant spend their time (point 5: "where a shape misses, RESULTS.md shows
# its profile and why"): `perf record` of the release server on CPU 0 while
# wrk loads each shape, beside the unfiltered first page; the top symbols of
# each go into the `## List profile at a million clients` section of
# bench/RESULTS.md. The why is in bench/NOTES.md.
#
#   LIST_BENCH_DB=path bench/list_profile_large.sh   (the database bench/list.sh seeded;
#                                                     needs perf: apt-get install -y linux-perf)

source "$(dirname "$0")/lib.sh"
need perf linux-perf
DB=${LIST_BENCH_DB:-$BENCH_ROOT/target/bench-data/list.db}
TENANTS_JSON="${DB%.db}.tenants.json"
[ -f "$TENANTS_JSON" ] || { echo "bench: run bench/list.sh first (no $TENANTS_JSON)" >&2; exit 1; }
(cd "$BENCH_ROOT" && cargo build --release --bin registrar)
ADMIN_ID=$(jq -r '.[0].clientId' "$TENANTS_JSON")
ADMIN_SECRET=$(jq -r '.[0].clientSecret' "$TENANTS_JSON")
BIG=$(jq -r '.[0].clients' "$TENANTS_JSON")
start_registrar "sqlite://$DB"
trap 'stop_pid "$REG_PID"' EXIT
TOKEN=$(token "$REG_URL" "$ADMIN_ID" "$ADMIN_SECRET")
enc() { jq -rn --arg v "$1" '$v | @uri'; }
SHAPES=(
  "no filter|/api/core/oauth-clients?limit=20"
  "clientName sw \"x\"|/api/core/oauth-clients?limit=20&filter=$(enc 'clientName sw "x"')"
  "clientName co \"payments\"|/api/core/oauth-clients?limit=20&filter=$(enc 'clientName co "payments"')"
  "clientName sw \"zeta\" or appType eq \"native\"|/api/core/oauth-clients?limit=20&filter=$(enc 'clientName sw "zeta" or appType eq "native"')"
)
SECTION="$BENCH_TMP/profile_large.md"
{
  echo "## List profile at a million clients"
  echo
  provenance bench/list_profile_large.sh "LIST_BENCH_DB=… bash bench/list_profile_large.sh"
  echo "\`perf record -F 999 -g\` of the release server (CPU 0) for 6 s while wrk (${BENCH_CONNECTIONS} connections) loads one list shape as the admin of the tenant of $((BIG - 1)) clients of \`bench/list.sh\`: the shapes that miss a target there, beside the unfiltered first page; the symbols above 2% of the samples, self time."
  machine_note
  echo
} >"$SECTION"
profile_shapes "$SECTION" 2 "${SHAPES[@]}"
write_section bench/list_profile_large.sh "$SECTION"
echo "bench: wrote $BENCH_RESULTS" >&2
