#!/usr/bin/env bash
# PostgreSQL plans of every list query shape (issue 17, point 4): a throwaway
# cluster, one tenant of $PG_PLANS_BIG clients beside $PG_PLANS_TENANTS
# tenants of $PG_PLANS_SMALL, and for each shape the server's own statements
# (`Store::explain_list`, through `examples/seed.rs plan`) under
# `EXPLAIN (ANALYZE, BUFFERS)`. Writes the `## PostgreSQL list plans`
# section of bench/RESULTS.md. No timing is compared: the plans show
# whether each statement is a bounded range scan.
#
#   bench/list_pg_plans.sh
#   PG_PLANS_BIG=1000000 PG_PLANS_TENANTS=10 PG_PLANS_SMALL=100000 bench/list_pg_plans.sh
#   PG_PLANS_SERVER=postgres://postgres@127.0.0.1:55432 bench/list_pg_plans.sh   (an existing server)

source "$(dirname "$0")/lib.sh"
source "$BENCH_ROOT/.ci/postgres.sh"

BIG=${PG_PLANS_BIG:-200000}
TENANTS=${PG_PLANS_TENANTS:-5}
SMALL=${PG_PLANS_SMALL:-20000}
RESULTS="$BENCH_ROOT/bench/RESULTS.md"
SEED_BIN="$BENCH_TARGET/release/examples/seed"

(cd "$BENCH_ROOT" && cargo build --release --bin registrar --example seed)
if [ -n "${PG_PLANS_SERVER:-}" ]; then
  # An existing server (postgres://user@host:port): a database of its own,
  # dropped first if a previous run left it.
  psql -q "$PG_PLANS_SERVER/postgres" -c 'DROP DATABASE IF EXISTS listplans' -c 'CREATE DATABASE listplans'
  URL="$PG_PLANS_SERVER/listplans"
else
  pg_ensure_installed
  pg_start_throwaway -c fsync=off
  URL=$(pg_create_database listplans)
fi

# Tenants through `registrar tenant create` (which also migrates); clients
# straight into the table, as a bulk load would (the triggers keep the
# counters); their configuration is not read by a plan.
tenant() { "$REGISTRAR_BIN" tenant create "$1" --database-url "$URL" 2>/dev/null | jq -r .tenantId; }
load() {
  psql -q -v ON_ERROR_STOP=1 "$URL" <<SQL
INSERT INTO clients (tenant_id, client_id, app_type, client_name, name_key, created_at, updated_at, config)
SELECT '$1', md5('$1' || g)::text,
       (ARRAY['web','spa','native'])[1 + g % 3],
       'Seed ' || g || ' ' || md5(g::text), lower('Seed ' || g || ' ' || md5(g::text)),
       1700000000000000 + g * 1000, 1700000000000000 + ((g::bigint * 7919) % $2) * 1000, '{}'
FROM generate_series(1, $2) g;
SQL
}
BIG_TENANT=$(tenant big)
load "$BIG_TENANT" "$BIG"
for n in $(seq 1 "$TENANTS"); do load "$(tenant "neighbour $n")" "$SMALL"; done
psql -q "$URL" -c 'VACUUM ANALYZE'

MID=$(date -u -d @$((1700000000 + BIG / 2)) +%Y-%m-%dT%H:%M:%SZ)
SHAPES=(
  "no filter||"
  "sort +clientName||+clientName"
  "sort -updatedAt||-updatedAt"
  "sort +appType||+appType"
  'clientName eq|clientName eq "seed 17 70efdf2ec9b086079795c442636b55fb"|'
  'clientName sw|clientName sw "seed 12"|'
  'clientName co|clientName co "seed 1"|'
  'clientName co (rare)|clientName co "c9b086"|'
  'clientName ew|clientName ew "b55fb"|'
  'clientId pr|clientId pr|'
  "createdAt gt|createdAt gt \"$MID\"|"
  'and|appType eq "spa" and clientName co "abc"|'
  'or|clientName sw "seed 12" or appType eq "native"|'
  'not|not (appType eq "spa")|'
)
SECTION="$BENCH_TMP/pg_section.md"
{
  echo "## PostgreSQL list plans"
  echo
  provenance bench/list_pg_plans.sh "PG_PLANS_BIG=$BIG PG_PLANS_TENANTS=$TENANTS PG_PLANS_SMALL=$SMALL bash bench/list_pg_plans.sh"
  echo "The statements of \`GET /api/core/oauth-clients?limit=20\` for each query shape, on PostgreSQL $(psql -Atq "$URL" -c 'SHOW server_version'), a tenant of $BIG clients beside $TENANTS tenants of $SMALL, under \`EXPLAIN (ANALYZE, BUFFERS)\` (\`Store::explain_list\`)."
  echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on a shared machine: the times in the plans are one execution each and noisy; the plan shapes and buffer counts are what to read."
  echo
  for shape in "${SHAPES[@]}"; do
    IFS='|' read -r name filter sort <<<"$shape"
    args=(--database-url "$URL" --tenant "$BIG_TENANT")
    if [ -n "$filter" ]; then args+=(--filter "$filter"); fi
    if [ -n "$sort" ]; then args+=("--sort=$sort"); fi
    for total in "" "--total"; do
      echo "\`$name\`${total:+, totalResults}:"
      echo '```text'
      "$SEED_BIN" plan "${args[@]}" $total
      echo '```'
      echo
    done
  done
} >"$SECTION"

write_section bench/list_pg_plans.sh "$SECTION"
echo "bench: wrote the PostgreSQL plans into $BENCH_RESULTS" >&2
