#!/usr/bin/env bash
# Load-independent estimate of `miwake scan`'s 2-thread speed-up, for busy shared machines where
# wall-clock timings mean little. Counts instructions per thread with callgrind
# (valgrind --separate-threads) for --threads 1 and 2 over the corpus's e-mails, then:
#   speed-up ~ (discovery + worker work, 1 thread) / (discovery + busiest worker, 2 threads)
# It ignores cache effects and assumes two free cores. Takes ~10 min (valgrind is ~50x slower).
#
#   scripts/bench-scan-callgrind.sh [CORPUS_EMAIL_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpus/email}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
cargo build --release -p miwake-cli >&2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for t in 1 2; do
    # scan exits 1 or 2 when it found caution or danger: only 3 and above are failures.
    rc=0
    valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$out/cg.$t" \
        target/release/miwake scan --threads "$t" "$corpus" > /dev/null 2> "$out/log.$t" || rc=$?
    if [ "$rc" -ge 3 ]; then cat "$out/log.$t" >&2; exit "$rc"; fi
done
python3 - "$out" <<'PY'
import glob, re, subprocess, sys
out = sys.argv[1]

def per_thread(t):
    counts = []
    for f in sorted(glob.glob(f"{out}/cg.{t}-*")):
        for line in open(f):
            if line.startswith("summary:"):
                counts.append(int(line.split()[1]))
                break
    return counts

def discovery(t):
    ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", f"{out}/cg.{t}-01"],
                         capture_output=True, text=True).stdout
    m = re.search(r"^\s*([\d,]+) .*miwake_mailbox::discover::discover ", ann, re.M)
    return int(m.group(1).replace(",", "")) if m else 0

one, two = per_thread(1), per_thread(2)
# Thread 1 is main (startup, discovery, output); the big ones are the workers.
workers1 = sorted(one[1:], reverse=True)[:1]
workers2 = sorted(two[1:], reverse=True)[:2]
d1, d2 = discovery(1), discovery(2)
print(f"1 thread : worker {workers1[0]/1e9:.2f} G instructions, discovery {d1/1e6:.0f} M")
print(f"2 threads: workers {workers2[0]/1e9:.2f} + {workers2[1]/1e9:.2f} G "
      f"(work +{100*(sum(workers2)/workers1[0]-1):.1f} %), discovery {d2/1e6:.0f} M")
print(f"estimated speed-up on 2 free cores: {(d1 + workers1[0]) / (d2 + workers2[0]):.2f}x")
PY
