#!/usr/bin/env bash
# Sign-in benchmark (contract §8), one run: authorization-code exchange and
# refresh-token rotation as ratios of client_credentials issuance, and
# sign-in throughput (POSTs of the sign-in form, each an Argon2id
# verification), beside a bare-axum hello-world POST.
# Writes its marked section of bench/RESULTS.md (`## Sign-in`).
#
#   bench/signin.sh        (BENCH_DURATION, BENCH_CONNECTIONS, BENCH_THREADS, BENCH_CODES, BENCH_SIGNINS)
#
# Every code, refresh token and sign-in form is sent once: a reused code or
# refresh token is refused and revokes its grant, so a run that reused them
# would measure refusals. The wrk scripts stop and this script fails when a
# run needs more than was prepared (BENCH_CODES, BENCH_SIGNINS).
source "$(dirname "$0")/lib.sh"

# secs DURATION -> wrk's duration (10s, 2m, 1h, or plain seconds) in seconds.
secs() { awk -v d="$1" 'BEGIN { n = d + 0; u = d; sub(/^[0-9.]+/, "", u);
  if (u == "m") n *= 60; else if (u == "h") n *= 3600; printf "%d", n }'; }
DURATION_SECS=$(secs "$BENCH_DURATION")
# Codes for 8,000 exchanges a second (about twice the fastest run so far), and
# sign-in forms for 100 a second (three times it).
BENCH_CODES=${BENCH_CODES:-$((8000 * DURATION_SECS))}
BENCH_SIGNINS=${BENCH_SIGNINS:-$((100 * DURATION_SECS + 100))}
# Refresh families: twice the connections and 8 more per thread, so a
# family lost to a refused answer or a dropped connection never starves one.
FAMILIES=$((2 * BENCH_CONNECTIONS + 8 * BENCH_THREADS))
PREP="$BENCH_TARGET/release/examples/signin_bench"
PASSWORD="bench password 0123456789"

build_release
(cd "$BENCH_ROOT" && cargo build --release --example signin_bench)

DB="sqlite://$BENCH_TMP/signin.db"
TENANT_JSON=$("$REGISTRAR_BIN" tenant create "bench-signin" --database-url "$DB" 2>/dev/null)
ADMIN_ID=$(jq -r .clientId <<<"$TENANT_JSON"); ADMIN_SECRET=$(jq -r .clientSecret <<<"$TENANT_JSON")
TENANT_ID=$(jq -r .tenantId <<<"$TENANT_JSON")
EMAIL="bench@example.com"
echo "$PASSWORD" | "$REGISTRAR_BIN" user create --tenant "$TENANT_ID" --email "$EMAIL" --name "Bench" --database-url "$DB" >/dev/null
start_registrar "$DB"
start_hello
trap 'stop_pid "$REG_PID"; stop_pid "$HELLO_PID"' EXIT
ADMIN_TOKEN=$(token "$REG_URL" "$ADMIN_ID" "$ADMIN_SECRET")

# A web client for the baseline, and a trusted spa for the sign-in grants.
SECRET_CLIENT=$(curl -sf -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
  -d '{"appType":"web","clientName":"bench secret","allowedGrantTypes":["client_credentials"],"allowedScopes":["bench"]}' \
  "$REG_URL/api/core/oauth-clients")
SECRET_ID=$(jq -r .clientId <<<"$SECRET_CLIENT"); SECRET=$(jq -r .clientSecret <<<"$SECRET_CLIENT")
SPA_ID=$(curl -sf -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
  -d '{"appType":"spa","clientName":"bench spa","redirectUris":["http://127.0.0.1:9/cb"],"connectionConfig":{"consentMethod":"trusted"}}' \
  "$REG_URL/api/core/oauth-clients" | jq -r .clientId)

BODY="grant_type=client_credentials"
BASIC="Authorization: Basic $(printf '%s:%s' "$SECRET_ID" "$SECRET" | base64 -w0)"
curl -sf -H "$BASIC" -d "$BODY" "$REG_URL/oauth/token" >/dev/null

BENCH_BODY="$BODY" run_wrk "hello-world POST" -s "$BENCH_ROOT/bench/post.lua" "$HELLO_URL/"
BENCH_BODY="$BODY" run_wrk "client_credentials" -s "$BENCH_ROOT/bench/post.lua" -H "$BASIC" "$REG_URL/oauth/token"

# Refresh rotation: a pool of families per wrk thread, larger than its
# connections; each answer's rotated token goes back into the pool.
"$PREP" "$REG_URL" "$SPA_ID" "$EMAIL" "$PASSWORD" "$BENCH_TMP" refresh "$FAMILIES"
run_wrk "refresh_token rotation" -s "$BENCH_ROOT/bench/refresh.lua" "$REG_URL/oauth/token" -- "$BENCH_TMP/refresh.txt" "$BENCH_THREADS" "$SPA_ID"

# Code exchange: codes live 60 s, so they are minted right before the run,
# and the oldest must still be live at its end.
MINT_START=$(date +%s)
taskset -c "$LOAD_CPU" "$PREP" "$REG_URL" "$SPA_ID" "$EMAIL" "$PASSWORD" "$BENCH_TMP" codes "$BENCH_CODES"
MINT_SECS=$(($(date +%s) - MINT_START))
echo "bench: minted $BENCH_CODES codes in ${MINT_SECS}s" >&2
if [ $((MINT_SECS + DURATION_SECS)) -ge 58 ]; then
  echo "bench: minting took ${MINT_SECS}s: codes would expire (60 s) before the end of a ${DURATION_SECS}s run; lower BENCH_CODES or BENCH_DURATION" >&2
  exit 1
fi
run_wrk "authorization_code exchange" -s "$BENCH_ROOT/bench/codes.lua" "$REG_URL/oauth/token" -- "$BENCH_TMP/codes.txt" "$BENCH_THREADS"

# Sign-in form POSTs: each a pending sign-in of its own (an Argon2id verification each).
taskset -c "$LOAD_CPU" "$PREP" "$REG_URL" "$SPA_ID" "$EMAIL" "$PASSWORD" "$BENCH_TMP" signins "$BENCH_SIGNINS"
run_wrk "sign-in form POST" -s "$BENCH_ROOT/bench/signins.lua" "$REG_URL/" -- "$BENCH_TMP/signins.txt" "$BENCH_THREADS"

SECTION="$BENCH_TMP/section.md"
cc=$(result_field client_credentials 2)
{
  echo "## Sign-in"
  echo
  provenance bench/signin.sh "BENCH_DURATION=$BENCH_DURATION BENCH_CONNECTIONS=$BENCH_CONNECTIONS BENCH_THREADS=$BENCH_THREADS BENCH_CODES=$BENCH_CODES BENCH_SIGNINS=$BENCH_SIGNINS bash bench/signin.sh"
  machine_note
  echo "The baseline is \`client_credentials\` issuance with \`client_secret_basic\` (one ES256 signature per token)."
  echo "A code exchange reads the code, marks it used and creates its grant in one SQLite write transaction (\`synchronous=FULL\`, group commit), then signs an access token and an ID token; a refresh rotates the token (one write transaction) and signs an access token and an ID token."
  echo "Each sign-in POST verifies an Argon2id hash with OWASP's parameters (m = 19 MiB, t = 2, p = 1), writes the session and the code, and answers a 303; the server runs on one CPU."
  echo "Codes are minted (one \`GET /oauth/authorize\` each, with a session) right before their run, since they live 60 s (${BENCH_CODES} in ${MINT_SECS} s)."
  echo "No code, refresh token or sign-in form is sent twice: the refresh run keeps ${FAMILIES} token families (twice the connections and 8 more per thread), each request takes a family's live token and its answer puts the rotated one back; a refused answer puts nothing back, so it costs one family and is counted as non-2xx."
  echo
  results_table "hello-world POST"
  echo
  echo "Targets: authorization-code exchange at least 50% of client_credentials, measured $(ratio "$(result_field "authorization_code exchange" 2)" "$cc"); refresh-token rotation at least 50%, measured $(ratio "$(result_field "refresh_token rotation" 2)" "$cc")."
  echo "Sign-in throughput: $(result_field "sign-in form POST" 2) sign-ins per second on one CPU (Argon2id m = 19 MiB, t = 2, p = 1)."
  echo "The machine is shared with other builds and benchmarks, so absolute figures vary from run to run; the ratios are taken within one run."
} >"$SECTION"

write_section bench/signin.sh "$SECTION"
cat "$SECTION"
