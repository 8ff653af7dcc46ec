#!/usr/bin/env bash
# The web console's first screen and size: writes the "## Console" section
# of bench/RESULTS.md.
#
#   bash bench/console.sh
#
# Runs the console's browser test (tests/api/console_browser.rs on SQLite:
# headless Chromium through Selenium against a real debug server on
# loopback), which records with the Navigation Timing API how long a reload
# takes to the console's first drawn view (the `registrar:first-view` mark,
# after the sign-in redirect through the server's session, the code
# exchange and the first API call), next to the server's built-in Swagger
# UI page in the same browser as the baseline; then sizes every file of
# console/ (raw and gzip -9). Needs REGISTRAR_TEST_PYTHON (a virtualenv with
# tests/python/requirements.txt), Chromium and its driver, and
# tests/browser/node_modules (npm ci), as .ci/run installs them.
# The machine is shared and noisy: read the figures as orders of magnitude.

set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
RESULTS="$ROOT/bench/RESULTS.md"
FIGURES="$TARGET/tmp/console-browser-sqlite.jsonl"
SECTION=$(mktemp)
: "${REGISTRAR_TEST_PYTHON:?name a Python with tests/python/requirements.txt installed}"

(cd "$ROOT" && CI=true cargo test --test api console_browser -- --nocapture)

{
  echo "## Console"
  echo
  echo "Written by \`bench/console.sh\` on $(date -u +%Y-%m-%d) ($(nproc) cores, shared and noisy; debug build of the server on loopback, headless Chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'))."
  echo "Times are in milliseconds from the Navigation Timing API of the last document (\`domInteractive\`; \`firstView\` is the console's mark once its first page is drawn and usable; \`redirect\` the same-origin redirect through \`/oauth/authorize\` before it) and \`wall\` as Selenium sees it from \`get\` to the drawn page, including the console's own redirect to sign in."
  echo
  echo "| measure | figures |"
  echo "| --- | --- |"
  python3 - "$FIGURES" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    f = json.loads(line)
    v = f["value"]
    text = ", ".join(f"{k} {v[k]}" for k in v) if isinstance(v, dict) else str(v)
    print(f"| {f['name']} | {text} |")
PY
  echo
  echo "The target is a first screen under 1 s on loopback; the reload figures include signing in again through the server's session (tokens are kept in memory only)."
  echo
  echo "| file | bytes | gzip -9 bytes |"
  echo "| --- | ---: | ---: |"
  total=0; gz_total=0
  while IFS= read -r f; do
    size=$(wc -c <"$f"); gz=$(gzip -9c "$f" | wc -c)
    total=$((total + size)); gz_total=$((gz_total + gz))
    echo "| \`${f#"$ROOT"/}\` | $size | $gz |"
  done < <(find "$ROOT/console" -type f | sort)
  echo "| all (budget: 250 KB gzipped) | $total | $gz_total |"
  echo
} >"$SECTION"

touch "$RESULTS"
python3 - "$RESULTS" "$SECTION" <<'PY'
import re, sys
path, section = sys.argv[1], open(sys.argv[2]).read()
text = open(path).read()
pattern = re.compile(r"^## Console\n.*?(?=^## |\Z)", re.S | re.M)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
open(path, "w").write(text)
PY
cat "$SECTION"
