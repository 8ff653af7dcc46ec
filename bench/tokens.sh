#!/usr/bin/env bash
# Token service benchmark: client_credentials issuance with client_secret_basic
# and with private_key_jwt (RS256, a fresh pre-signed assertion per request),
# beside a bare-axum hello-world POST of the same body, in one run.
# Writes its marked section of bench/RESULTS.md (`## Token service`).
#
#   bench/tokens.sh            (BENCH_DURATION, BENCH_CONNECTIONS, BENCH_THREADS, BENCH_ASSERTIONS)
source "$(dirname "$0")/lib.sh"

BENCH_ASSERTIONS=${BENCH_ASSERTIONS:-60000}
SIGNER="$BENCH_TARGET/release/examples/sign_assertions"

build_release
(cd "$BENCH_ROOT" && cargo build --release --example sign_assertions)

DB="sqlite://$BENCH_TMP/tokens.db"
read -r ADMIN_ID ADMIN_SECRET < <(new_tenant "$DB")
start_registrar "$DB"
start_hello
trap 'stop_pid "$REG_PID"; stop_pid "$HELLO_PID"' EXIT
ADMIN_TOKEN=$(token "$REG_URL" "$ADMIN_ID" "$ADMIN_SECRET")

# A web client with a secret, and one with an RS256 key.
SECRET_CLIENT=$(curl -sf -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
  -d '{"appType":"web","clientName":"bench secret","allowedGrantTypes":["client_credentials"],"allowedScopes":["bench"]}' \
  "$REG_URL/api/core/oauth-clients")
SECRET_ID=$(jq -r .clientId <<<"$SECRET_CLIENT")
SECRET=$(jq -r .clientSecret <<<"$SECRET_CLIENT")
"$SIGNER" keygen "$BENCH_TMP"
KEY_ID=$(jq -n --argjson jwk "$(cat "$BENCH_TMP/jwk.json")" \
  '{appType:"web",clientName:"bench key",allowedGrantTypes:["client_credentials"],allowedAuthMethods:["private_key_jwt"],allowedScopes:["bench"],publicKeys:[$jwk]}' |
  curl -sf -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' -d @- "$REG_URL/api/core/oauth-clients" |
  jq -r .clientId)

BODY="grant_type=client_credentials"
BASIC="Authorization: Basic $(printf '%s:%s' "$SECRET_ID" "$SECRET" | base64 -w0)"
# Sanity: each workload succeeds once before it is measured.
curl -sf -H "$BASIC" -d "$BODY" "$REG_URL/oauth/token" >/dev/null

BENCH_BODY="$BODY" run_wrk "hello-world POST" -s "$BENCH_ROOT/bench/post.lua" "$HELLO_URL/"
BENCH_BODY="$BODY" run_wrk "client_secret_basic" -s "$BENCH_ROOT/bench/post.lua" -H "$BASIC" "$REG_URL/oauth/token"
# Signed just before use: assertions expire five minutes after signing.
"$SIGNER" sign "$BENCH_TMP" "$KEY_ID" "$REG_URL/oauth/token" "$BENCH_ASSERTIONS"
run_wrk "private_key_jwt (RS256)" -s "$BENCH_ROOT/bench/assertions.lua" "$REG_URL/oauth/token" -- "$BENCH_TMP/assertions.txt" "$BENCH_THREADS"

# Floor: one ES256 signature (every token carries one), on the server's CPU.
SIGN_US=$(taskset -c "$SERVER_CPU" "$FLOORS_BIN" sign | jq -r .es256_sign_us)
echo "bench: floor: ES256 signature ${SIGN_US} us" >&2

SECTION="$BENCH_TMP/section.md"
{
  echo "## Token service"
  echo
  provenance bench/tokens.sh "BENCH_DURATION=$BENCH_DURATION BENCH_CONNECTIONS=$BENCH_CONNECTIONS BENCH_THREADS=$BENCH_THREADS BENCH_ASSERTIONS=$BENCH_ASSERTIONS bash bench/tokens.sh"
  machine_note
  echo "Each workload POSTs \`grant_type=client_credentials\` as a form; the hello world answers the same POST with no work (examples/hello.rs)."
  echo "\`private_key_jwt\` sends a different pre-signed RS256 assertion per request (its \`jti\` is recorded once, in a SQLite write transaction with \`synchronous=FULL\`)."
  echo
  results_table "hello-world POST"
  echo
  ratio_basic=$(ratio "$(result_field client_secret_basic 2)" "$(result_field "hello-world POST" 2)")
  echo "Target: client_secret_basic at least 25% of the hello-world req/s; measured $ratio_basic."
  hello_us=$(awk -v r="$(result_field "hello-world POST" 2)" 'BEGIN { printf "%.1f", 1e6 / r }')
  allowed_us=$(awk -v h="$hello_us" 'BEGIN { printf "%.1f", 4 * h }')
  basic_us=$(awk -v r="$(result_field client_secret_basic 2)" 'BEGIN { printf "%.1f", 1e6 / r }')
  echo "Time per request on the server's CPU: hello-world POST $hello_us µs; client_secret_basic $basic_us µs; allowed at 25%: $allowed_us µs."
  echo "Floor (examples/floors.rs, same CPU): one ES256 signature, which every access token carries, takes $SIGN_US µs by itself."
  echo "\`private_key_jwt\` is bounded by its replay check, not by signature verification: each request commits its \`jti\` durably before the token is issued, through SQLite's one writer connection (concurrent requests share a group commit, but their statements run one after another)."
} >"$SECTION"

write_section bench/tokens.sh "$SECTION"
cat "$SECTION"
