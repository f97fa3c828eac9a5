#!/usr/bin/env bash
# Benchmarks for `miwake scan` (issue 6). Not part of the test suite: run by hand.
#
#   scripts/bench-scan.sh [CORPUS_EMAIL_DIR] [MBOX_GB]
#
# 1. Throughput over the corpus's e-mails with 1 and 2 worker threads (best of 3 runs each):
#    messages/s and the speed-up. Target: >= 1.8x on 2 cores, >= 5,000 messages/s per core.
# 2. Peak memory (max RSS, /usr/bin/time -v) scanning an mbox of MBOX_GB (default 2) GB built
#    by repeating the corpus's messages in mboxrd form. Target: < 200 MB. The file is deleted.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpus/email}
gigabytes=${2:-2}
[ -d "$corpus" ] || { echo "no corpus at $corpus" >&2; exit 1; }

cargo build --release -p miwake-cli >&2
bin=target/release/miwake
echo "machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# Prints "messages seconds" for one scan (the scan's own clock: discovery + analysis).
run_scan() {
    "$bin" scan --json --threads "$1" "$corpus" | tail -n 1 |
        python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["messages"], s["seconds"])'
}

best_rate() {
    local best=0
    for _ in 1 2 3; do
        read -r n secs < <(run_scan "$1")
        rate=$(python3 -c "print(round($n / $secs))")
        echo "  threads=$1: $n messages in ${secs}s = $rate messages/s" >&2
        [ "$rate" -gt "$best" ] && best=$rate
    done
    echo "$best"
}

echo "== throughput over $corpus"
one=$(best_rate 1)
two=$(best_rate 2)
echo "best: 1 thread $one messages/s; 2 threads $two messages/s; speed-up $(python3 -c "print(round($two / $one, 2))")x"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== peak memory over a ${gigabytes} GB mbox"
mbox=$(mktemp --tmpdir miwake-bench-XXXXXX.mbox)
trap 'rm -f "$mbox"' EXIT
python3 - "$corpus" "$mbox" "$gigabytes" <<'PY'
import os, re, sys
corpus, out, gb = sys.argv[1], sys.argv[2], float(sys.argv[3])
quote = re.compile(rb"^(>*From )", re.M)
messages = []
for root, _, files in os.walk(corpus):
    for name in sorted(files):
        raw = open(os.path.join(root, name), "rb").read()
        if raw.startswith(b"From "):
            raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
        if not raw.endswith(b"\n"):
            raw += b"\n"
        messages.append(b"From bench@example.com Thu Jan  1 00:00:00 2025\n" + quote.sub(rb">\1", raw) + b"\n")
target, written, count = int(gb * 1e9), 0, 0
with open(out, "wb", buffering=1 << 20) as f:
    while written < target:
        for m in messages:
            f.write(m); written += len(m); count += 1
            if written >= target:
                break
print(f"built {out}: {written / 1e9:.2f} GB, {count} messages", file=sys.stderr)
PY
/usr/bin/time -v "$bin" scan --threads 2 "$mbox" > /tmp/miwake-bench-summary.txt 2> /tmp/miwake-bench-time.txt || true
grep -E "Scanned:|スキャン済み" /tmp/miwake-bench-summary.txt || true
grep -E "Maximum resident set size|Elapsed \(wall clock\)" /tmp/miwake-bench-time.txt
