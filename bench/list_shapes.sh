#!/usr/bin/env bash
# Every list query shape over HTTP on a 50-client tenant (issue 17, point 5,
# the small tenant; bench/list.sh has the 1,000,000-client one): each sort,
# eq/sw/co/ew/pr/gt, and/or/not, a cursor page, totalResults, and the users
# list, beside the hello world and a single GET of one client, in one run.
# Writes the `## List query shapes` section of bench/RESULTS.md; the ratios
# to the single GET of the same run are the figures to read (the machine is
# shared and noisy).
#
#   bench/list_shapes.sh
#   BENCH_DURATION=5s bench/list_shapes.sh

source "$(dirname "$0")/lib.sh"
RESULTS="$BENCH_ROOT/bench/RESULTS.md"
(cd "$BENCH_ROOT" && cargo build --release --bin registrar --example hello)

DB="$BENCH_TMP/shapes.db"
read -r ADMIN_ID ADMIN_SECRET < <(new_tenant "sqlite://$DB")
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
start_hello
start_registrar "sqlite://$DB"
trap 'stop_pid "$REG_PID"; stop_pid "$HELLO_PID"' EXIT
TOKEN=$(token "$REG_URL" "$ADMIN_ID" "$ADMIN_SECRET")
api() { curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"; }

# 49 clients beside the admin client (50 in all), and 50 users.
types=(web spa native)
for i in $(seq 1 49); do
  api -d "{\"appType\":\"${types[$((i % 3))]}\",\"clientName\":\"seed $i\"}" "$REG_URL/api/core/oauth-clients" >/dev/null
done
for i in $(seq 1 50); do
  api -d "{\"email\":\"user$i@example.com\",\"name\":\"User $i\",\"password\":\"a long bench password\"}" \
    "$REG_URL/api/core/users" >/dev/null
done
ONE=$(api "$REG_URL/api/core/oauth-clients?limit=1&sort=%2BclientId" | jq -r '.data[0].clientId')
MID=$(api "$REG_URL/api/core/oauth-clients?limit=25&sort=%2BcreatedAt" | jq -r '.data[24].createdAt')

enc() { jq -rn --arg v "$1" '$v | @uri'; }
declare -a NAMES PATHS
add() { NAMES+=("$1"); PATHS+=("$2"); }
L=/api/core/oauth-clients?limit=20
add "no filter (-createdAt)" "$L"
for sort in +clientId -clientId +clientName -clientName +appType -appType +createdAt -createdAt +updatedAt -updatedAt; do
  add "sort $sort" "$L&sort=$(enc "$sort")"
done
for f in 'clientName eq "seed 17"' 'clientName sw "seed 1"' 'clientName co "seed 1"' 'clientName ew "7"' \
  'clientId pr' "createdAt gt \"$MID\"" 'appType eq "spa" and clientName co "seed"' \
  'clientName sw "seed 1" or appType eq "web"' 'not (appType eq "spa")'; do
  add "$f" "$L&filter=$(enc "$f")"
done
NEXT=$(api "$REG_URL$L" | jq -r '.links.next.href')
add "second page (cursor)" "${NEXT#"$REG_URL"}"
add "totalResults=true" "$L&totalResults=true"
add 'totalResults=true, clientName co "seed 1"' "$L&totalResults=true&filter=$(enc 'clientName co "seed 1"')"
add "users: no filter" "/api/core/users?limit=20"
add 'users: email co "user1"' "/api/core/users?limit=20&filter=$(enc 'email co "user1"')"
add "users: sort +name, totalResults" "/api/core/users?limit=20&sort=%2Bname&totalResults=true"

for i in "${!NAMES[@]}"; do
  body=$(api "$REG_URL${PATHS[$i]}") || { echo "bench: ${NAMES[$i]} failed" >&2; exit 1; }
  echo "bench: ${NAMES[$i]}: $(jq -c '{items: (.data | length), next: (.links.next != null)}' <<<"$body")" >&2
done

run_wrk "hello world" "$HELLO_URL/"
run_wrk "GET one client" -H "Authorization: Bearer $TOKEN" "$REG_URL/api/core/oauth-clients/$ONE"
for i in "${!NAMES[@]}"; do
  run_wrk "${NAMES[$i]}" -H "Authorization: Bearer $TOKEN" "$REG_URL${PATHS[$i]}"
done

SECTION="$BENCH_TMP/shapes.md"
one=$(result_field "GET one client" 2)
{
  echo "## List query shapes"
  echo
  provenance bench/list_shapes.sh "BENCH_DURATION=$BENCH_DURATION bash bench/list_shapes.sh"
  echo "Every list query shape, \`limit=20\`, as the admin of a tenant of 50 clients and 50 users (SQLite), beside the hello world and \`GET\` of one client in the same run."
  machine_note
  echo "Load average when the run began: $LOAD_AT_START; the machine is shared with other builds and benchmarks, so compare rows within this run only."
  echo "Targets (issue 17): every list page at least 50% of the single \`GET\`'s req/s and p99 under 10 ms."
  echo
  results_table "GET one client"
  echo
  below=0
  for i in "${!NAMES[@]}"; do
    awk -v a="$(result_field "${NAMES[$i]}" 2)" -v b="$one" 'BEGIN { exit !(a < b / 2) }' && below=$((below + 1))
  done
  echo "$below of ${#NAMES[@]} list workloads are below 50% of the single \`GET\` in this run."
} >"$SECTION"
write_section bench/list_shapes.sh "$SECTION"
echo "bench: wrote $BENCH_RESULTS" >&2
