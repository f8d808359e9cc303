#!/usr/bin/env bash
# Wall time and peak RSS of the real CLI scanning the benchmark corpus (issue 3):
#
#   bench/rss.sh            # 10,000 documents, 3 runs, prints each run and the medians
#   DOCS=50000 RUNS=5 bench/rss.sh
#   RSS_TOOL=rusage bench/rss.sh   # use bench/rusage even where GNU time exists
#
# Builds bench/out/eksguard from ./cmd/eksguard, (re)generates bench/out/corpus when it is
# missing or holds a different document count, then times
#   eksguard scan -o json bench/out/corpus > /dev/null
# with GNU /usr/bin/time -v, or with bench/rusage (getrusage ru_maxrss) where GNU time is
# not installed. Exit status 1 from eksguard (findings at or above --fail-on) is expected.
set -euo pipefail
cd "$(dirname "$0")/.."

DOCS=${DOCS:-10000}
RUNS=${RUNS:-3}
OUT=bench/out
CORPUS=$OUT/corpus
BIN=$OUT/eksguard

if [ ! -d cmd/eksguard ] || [ -z "$(ls cmd/eksguard/*.go 2>/dev/null)" ]; then
	echo "rss.sh: ./cmd/eksguard does not exist yet; nothing to measure" >&2
	exit 2
fi
mkdir -p "$OUT"
CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$BIN" ./cmd/eksguard # built as released (README, Install)

if ! grep -qs "corpus: $DOCS documents," "$CORPUS/.eksguard-corpus" || grep -qs "single=true" "$CORPUS/.eksguard-corpus"; then
	echo "generating $DOCS documents into $CORPUS" >&2
	go run ./bench/corpusgen -n "$DOCS" -o "$CORPUS"
fi
docs=$(find "$CORPUS" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -exec cat {} + | grep -c '^---$')

if [ "${RSS_TOOL:-}" != rusage ] && [ -x /usr/bin/time ] && /usr/bin/time -v true 2>/dev/null; then
	measure() { # prints "<wall seconds> <max RSS KiB> <exit code> <user+system CPU seconds>"
		local log code=0
		log=$(mktemp)
		/usr/bin/time -v -o "$log" "$BIN" scan -o json "$CORPUS" >/dev/null || code=$?
		awk -v code="$code" '
			/Elapsed \(wall clock\)/ { n = split($NF, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; wall = s }
			/Maximum resident set size/ { rss = $NF }
			/User time \(seconds\)|System time \(seconds\)/ { cpu += $NF }
			END { printf "%.2f %d %d %.2f\n", wall, rss, code, cpu }' "$log"
		rm -f "$log"
	}
	tool="/usr/bin/time -v"
else
	go build -o "$OUT/rusage" ./bench/rusage
	measure() {
		local line code=0
		line=$("$OUT/rusage" -- "$BIN" scan -o json "$CORPUS" 2>&1 >/dev/null | tail -n 1) || code=$?
		echo "$line" | sed -E 's/wall_seconds=([0-9.]+) maxrss_kib=([0-9]+) exit=([0-9]+) cpu_seconds=([0-9.]+)/\1 \2 \3 \4/'
	}
	tool="bench/rusage (getrusage)"
fi

load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
walls=() rsss=() cpus=()
for i in $(seq "$RUNS"); do
	read -r wall rss code cpu < <(measure)
	if [ "$code" -gt 1 ]; then
		echo "rss.sh: eksguard exited $code (input or usage error)" >&2
		exit 1
	fi
	mib=$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')
	echo "run $i: ${wall} s wall, ${mib} MiB peak RSS, ${cpu} s CPU (user+system)"
	walls+=("$wall") rsss+=("$mib") cpus+=("$cpu")
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "tool: $tool; machine: $(nproc) CPUs, $(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1); load average before the runs: $load"
echo "docs: $docs"
echo "wall seconds (median of $RUNS): $(median "${walls[@]}")"
echo "peak RSS MiB (median of $RUNS): $(median "${rsss[@]}")"
echo "CPU seconds (median of $RUNS): $(median "${cpus[@]}")"
