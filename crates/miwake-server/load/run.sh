#!/usr/bin/env bash
# Load figures for `miwake serve`: check latency through the JSON API under 200 concurrent
# connections from wrk on the loopback interface (apt-get install wrk).
#
#   [CONNECTIONS=200] crates/miwake-server/load/run.sh [MESSAGE.eml] [SECONDS]
#
# Uses the release binary (cargo build --release -p miwake-cli). Prints the machine's load
# before and after, since the figures depend on what else runs.
set -euo pipefail
cd "$(dirname "$0")/../../.."
eml="${1:-fixtures/demo/scam-gift-card-review.eml}"
seconds="${2:-20}"
bin=target/release/miwake
[ -x "$bin" ] || { echo "build it first: cargo build --release -p miwake-cli" >&2; exit 3; }
out="$(mktemp)"
"$bin" serve --port 0 --no-open --no-history >"$out" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 50); do grep -q 'http://127.0.0.1:' "$out" && break; sleep 0.1; done
url="$(grep -o 'http://127.0.0.1:[0-9]*' "$out" | head -1)"
token="$(curl -s "$url/api/v1/token" | sed 's/.*"csrf_token":"\([0-9a-f]*\)".*/\1/')"
echo "message: $eml ($(wc -c <"$eml") bytes); $(nproc) CPUs; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
curl -s -H "X-Miwake-Csrf: $token" -H 'Content-Type: message/rfc822' --data-binary @"$eml" \
  "$url/api/v1/check" | grep -o '"level":"[a-z]*"' | head -1
MIWAKE_EML="$eml" MIWAKE_TOKEN="$token" wrk -t2 -c"${CONNECTIONS:-200}" -d"${seconds}s" --timeout 10s \
  -s crates/miwake-server/load/check.lua "$url/api/v1/check"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
