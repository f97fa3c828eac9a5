#!/usr/bin/env bash
# Shows that the end-to-end XSS tests can fail: builds `miwake` with a defence removed
# (test-only features of miwake-server), runs the XSS tests against it and expects them to
# FAIL, then rebuilds the normal binary and expects them to PASS.
#
#   e2e/prove-xss-test-fails.sh            # escaping removed (CSP kept)
#   e2e/prove-xss-test-fails.sh both       # escaping and CSP removed: the message's code runs
set -euo pipefail
cd "$(dirname "$0")/.."
features="miwake-server/unsafe-no-escape"
if [ "${1:-}" = "both" ]; then
  features="$features,miwake-server/unsafe-no-csp"
fi
unsafe_bin="$(mktemp -d)/miwake-unsafe"
cargo build -p miwake-cli --features "$features"
cp target/debug/miwake "$unsafe_bin"
cargo build -p miwake-cli   # put the safe binary back
echo "== XSS tests against a build with: $features (must FAIL)"
if (cd e2e && MIWAKE_BIN="$unsafe_bin" node run.mjs xss); then
  echo "PROOF FAILED: the XSS tests passed although $features removed a defence" >&2
  exit 1
fi
echo "== XSS tests against the normal build (must PASS)"
(cd e2e && node run.mjs xss)
echo "PROOF OK: the XSS tests fail without the defence and pass with it"
