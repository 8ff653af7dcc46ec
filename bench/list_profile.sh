#!/usr/bin/env bash
# Where a list page's time goes (issue 17, point 1): `perf record` of the
# release server on CPU 0 while wrk loads one list query shape, for a few
# shapes on a 50-client tenant; the top symbols of each go into the
# `## List profile` section of bench/RESULTS.md.
#
#   bench/list_profile.sh            (needs perf: apt-get install -y linux-perf)

source "$(dirname "$0")/lib.sh"
need perf linux-perf
RESULTS="$BENCH_ROOT/bench/RESULTS.md"
(cd "$BENCH_ROOT" && cargo build --release --bin registrar --example hello)

DB="$BENCH_TMP/profile.db"
read -r ADMIN_ID ADMIN_SECRET < <(new_tenant "sqlite://$DB")
start_registrar "sqlite://$DB"
trap 'stop_pid "$REG_PID"' EXIT
TOKEN=$(token "$REG_URL" "$ADMIN_ID" "$ADMIN_SECRET")
for i in $(seq 1 49); do
  curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"appType\":\"spa\",\"clientName\":\"seed $i\"}" "$REG_URL/api/core/oauth-clients" >/dev/null
done
enc() { jq -rn --arg v "$1" '$v | @uri'; }
SHAPES=(
  "list, no filter|/api/core/oauth-clients?limit=20"
  "list, clientName co \"seed 1\"|/api/core/oauth-clients?limit=20&filter=$(enc 'clientName co "seed 1"')"
  "list, totalResults=true|/api/core/oauth-clients?limit=20&totalResults=true"
)
SECTION="$BENCH_TMP/profile.md"
{
  echo "## List profile"
  echo
  provenance bench/list_profile.sh "bash bench/list_profile.sh"
  echo "\`perf record -F 999 -g\` of the release server (CPU 0) for 6 s while wrk (${BENCH_CONNECTIONS} connections) loads one list shape, tenant of 50 clients; the symbols above 1.5% of the samples, self time."
  machine_note
  echo
} >"$SECTION"
profile_shapes "$SECTION" 1.5 "${SHAPES[@]}"
write_section bench/list_profile.sh "$SECTION"
echo "bench: wrote $BENCH_RESULTS" >&2
