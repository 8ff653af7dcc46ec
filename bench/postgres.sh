#!/usr/bin/env bash
# PostgreSQL beside SQLite: the list, get, create and token workloads on each
# backend, with the bare-axum hello world, in one run. Writes the
# marked `## PostgreSQL` section of bench/RESULTS.md.
#
#   bench/postgres.sh                         starts a throwaway PostgreSQL cluster
#   BENCH_POSTGRES_URL=postgres://… bench/postgres.sh   uses that server instead
#
# The throwaway cluster keeps PostgreSQL's durable defaults (fsync and
# synchronous_commit on), as SQLite runs with synchronous=FULL: a 2xx means
# the change is on disk in both. It is pinned to the server's CPU, like
# SQLite, which runs inside the server process.
source "$(dirname "$0")/lib.sh"
source "$BENCH_ROOT/.ci/postgres.sh"

SEED_CLIENTS=${BENCH_SEED_CLIENTS:-200}
SECTION_TITLE="## PostgreSQL"

build_release
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)

need psql postgresql-client
if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
  PG_ADMIN_URL=$BENCH_POSTGRES_URL
  PG_WHERE="the server at BENCH_POSTGRES_URL"
else
  pg_ensure_installed
  PG_PIN=$SERVER_CPU pg_start_throwaway -c max_connections=100
  PG_ADMIN_URL=$PG_URL
  PG_WHERE="a throwaway PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') cluster with default settings (fsync and synchronous_commit on), pinned to CPU $SERVER_CPU"
fi
PG_DB="bench_$RANDOM$RANDOM"
psql -q "$PG_ADMIN_URL" -c "CREATE DATABASE $PG_DB"
PG_DB_URL="${PG_ADMIN_URL%/*}/$PG_DB"
SQLITE_DB_URL="sqlite://$BENCH_TMP/bench.db"

cleanup() {
  for pid in ${REG_PIDS:-} ${HELLO_PID:-}; do stop_pid "$pid"; done
  psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
  if [ -z "${BENCH_POSTGRES_URL:-}" ]; then pg_stop_throwaway; fi
}
trap cleanup EXIT

start_hello

# prepare BACKEND DBURL: starts a server on the database, creates a tenant,
# seeds clients, and sets <BACKEND>_URL, _TOKEN, _ID (a client to get) and
# _BASIC (HTTP Basic credentials of a web client, for the token workload).
prepare() {
  local backend=$1 db=$2 id secret admin c
  read -r id secret < <(new_tenant "$db")
  start_registrar "$db"
  REG_PIDS="${REG_PIDS:-} $REG_PID"
  admin=$(token "$REG_URL" "$id" "$secret")
  for i in $(seq 1 "$SEED_CLIENTS"); do
    curl -sf -o /dev/null -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
      -d "{\"appType\":\"spa\",\"clientName\":\"seed $i\"}" "$REG_URL/api/core/oauth-clients"
  done
  c=$(curl -sf -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d '{"appType":"web","clientName":"bench token","allowedGrantTypes":["client_credentials"],"allowedScopes":["bench"]}' \
    "$REG_URL/api/core/oauth-clients")
  printf -v "${backend}_URL" '%s' "$REG_URL"
  printf -v "${backend}_TOKEN" '%s' "$admin"
  printf -v "${backend}_ID" '%s' "$(jq -r .clientId <<<"$c")"
  printf -v "${backend}_BASIC" '%s' "Authorization: Basic $(printf '%s:%s' "$(jq -r .clientId <<<"$c")" "$(jq -r .clientSecret <<<"$c")" | base64 -w0)"
}
prepare SQLITE "$SQLITE_DB_URL"
prepare POSTGRES "$PG_DB_URL"

CREATE_BODY='{"appType":"web","clientName":"bench create","allowedGrantTypes":["client_credentials"],"allowedScopes":["bench"]}'
TOKEN_BODY='grant_type=client_credentials'

# Each workload once by hand first: it must succeed, or the figures mean nothing.
for b in SQLITE POSTGRES; do
  url_var=${b}_URL; token_var=${b}_TOKEN; id_var=${b}_ID; basic_var=${b}_BASIC
  curl -sf -o /dev/null -H "Authorization: Bearer ${!token_var}" "${!url_var}/api/core/oauth-clients?limit=20"
  curl -sf -o /dev/null -H "Authorization: Bearer ${!token_var}" "${!url_var}/api/core/oauth-clients/${!id_var}"
  curl -sf -o /dev/null -H "${!basic_var}" -d "$TOKEN_BODY" "${!url_var}/oauth/token"
done

export BENCH_BODY BENCH_CONTENT_TYPE
run_wrk "hello world GET" "$HELLO_URL/"
BENCH_BODY=$TOKEN_BODY BENCH_CONTENT_TYPE=application/x-www-form-urlencoded \
  run_wrk "hello world POST" -s "$BENCH_ROOT/bench/body.lua" "$HELLO_URL/"
for b in SQLITE POSTGRES; do
  url_var=${b}_URL; token_var=${b}_TOKEN; id_var=${b}_ID; basic_var=${b}_BASIC
  auth="Authorization: Bearer ${!token_var}"
  run_wrk "$b list" -H "$auth" "${!url_var}/api/core/oauth-clients?limit=20"
  run_wrk "$b get" -H "$auth" "${!url_var}/api/core/oauth-clients/${!id_var}"
  BENCH_BODY=$CREATE_BODY BENCH_CONTENT_TYPE=application/json \
    run_wrk "$b create" -s "$BENCH_ROOT/bench/body.lua" -H "$auth" "${!url_var}/api/core/oauth-clients"
  BENCH_BODY=$TOKEN_BODY BENCH_CONTENT_TYPE=application/x-www-form-urlencoded \
    run_wrk "$b token" -s "$BENCH_ROOT/bench/body.lua" -H "${!basic_var}" "${!url_var}/oauth/token"
done

# side_by_side: one row per workload, SQLite and PostgreSQL next to each other.
side_by_side() {
  local get_rps post_rps w s_rps p_rps base
  get_rps=$(result_field "hello world GET" 2)
  post_rps=$(result_field "hello world POST" 2)
  echo "| workload | SQLite req/s | p50 ms | p99 ms | PostgreSQL req/s | p50 ms | p99 ms | PostgreSQL / SQLite | SQLite / hello | PostgreSQL / hello |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for w in list get create token; do
    s_rps=$(result_field "SQLITE $w" 2); p_rps=$(result_field "POSTGRES $w" 2)
    if [ "$w" = list ] || [ "$w" = get ]; then base=$get_rps; else base=$post_rps; fi
    echo "| $w | $s_rps | $(result_field "SQLITE $w" 3) | $(result_field "SQLITE $w" 4) | $p_rps | $(result_field "POSTGRES $w" 3) | $(result_field "POSTGRES $w" 4) | $(ratio "$p_rps" "$s_rps") | $(ratio "$s_rps" "$base") | $(ratio "$p_rps" "$base") |"
  done
}

SECTION="$BENCH_TMP/section.md"
{
  echo "$SECTION_TITLE"
  echo
  provenance bench/postgres.sh "BENCH_DURATION=$BENCH_DURATION BENCH_CONNECTIONS=$BENCH_CONNECTIONS BENCH_THREADS=$BENCH_THREADS BENCH_SEED_CLIENTS=$SEED_CLIENTS bash bench/postgres.sh"
  machine_note
  echo "PostgreSQL: $PG_WHERE; the server's pool holds up to 16 connections (the default)."
  echo "Each backend's tenant holds $SEED_CLIENTS clients before the run; \`list\` is \`GET /api/core/oauth-clients?limit=20\`, \`get\` one client, \`create\` a \`web\` client with its first secret (\`POST\`, a write transaction per request; on SQLite a savepoint in a group commit), \`token\` \`client_credentials\` with \`client_secret_basic\`."
  echo "GET workloads are compared with the hello world's GET ($(result_field "hello world GET" 2) req/s), the others with its POST of the token form ($(result_field "hello world POST" 2) req/s)."
  echo "Load average when the run began: $LOAD_AT_START (the machine is shared; compare ratios, not absolute figures)."
  echo
  side_by_side
  echo
  echo "Non-2xx answers: $(awk -F'|' '$5 > 0 {printf "%s%s: %s", sep, $1, $5; sep = ", "} END {if (!sep) printf "none"}' "$BENCH_TMP/results")."
  # What the servers logged about them (503s say which wait ran out).
  for log in "$BENCH_TMP"/registrar.*.log; do
    backend=$(grep -o 'backend="[a-z]*"' "$log" | head -1 | cut -d'"' -f2)
    n503=$(grep -c 'status=503' "$log" || true)
    if [ "${n503:-0}" -gt 0 ]; then
      echo "The $backend server answered $n503 requests 503: $(grep -o 'store unavailable error=[^"]*' "$log" | sort | uniq -c | sort -rn | head -1 | sed 's/^ *//')."
    fi
  done
} >"$SECTION"

write_section bench/postgres.sh "$SECTION"
cat "$SECTION"
