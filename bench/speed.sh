#!/usr/bin/env bash
# Repeated side-by-side timing of eksguard and the two fastest peers (issue 4's speed goal).
# peers.sh times every tool once; single wall times on a shared VM vary by 30% or more, so
# this runs eksguard, kube-linter and kube-score alternately N times on each corpus (the same
# command lines as peers.sh) and prints the median wall and CPU seconds of each, and the ratios.
#
#   bench/peers.sh once first (it builds bench/out/eksguard, installs kube-score, generates
#   the corpus), then:  SPEED_RUNS=5 bench/speed.sh
#   PEERS_BIN=$(../shared/peers/install) provides kube-linter.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${SPEED_RUNS:-5}
OUT=bench/out
EKSGUARD=$OUT/eksguard
KUBE_SCORE=$OUT/bin/kube-score
KUBE_LINTER=$(PATH="${PEERS_BIN:-}:$PATH" command -v kube-linter || true)
for t in "$EKSGUARD" "$KUBE_SCORE" "$KUBE_LINTER"; do
	if [ -z "$t" ] || [ ! -x "$t" ]; then
		echo "speed.sh: missing ${t:-kube-linter}: run bench/peers.sh first (and export PEERS_BIN)" >&2
		exit 2
	fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# timeit NAME CMD...: appends "wall cpu" of one run to $tmp/NAME (exit 1 = findings: expected;
# GNU time then writes a "Command exited" line before the figures)
timeit() {
	local name=$1
	shift
	/usr/bin/time -f "%e %U %S" -o "$tmp/t" "$@" >/dev/null 2>&1 || true
	tail -n 1 "$tmp/t" | awk '{ printf "%s %.2f\n", $1, $2 + $3 }' >>"$tmp/$name"
}

median() { # file column
	sort -n -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

for corpus in bench/corpus "$OUT/corpus"; do
	mapfile -t files < <(find "$corpus" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -not -path '*/.*' | LC_ALL=C sort)
	rm -f "$tmp"/eksguard "$tmp"/kube-linter "$tmp"/kube-score
	for _ in $(seq "$RUNS"); do
		timeit eksguard "$EKSGUARD" scan -o json "$corpus"
		timeit kube-linter "$KUBE_LINTER" lint --format json "$corpus"
		timeit kube-score "$KUBE_SCORE" score -o json "${files[@]}"
	done
	echo "$corpus ($RUNS runs each, median wall / CPU seconds; load average now $(cut -d' ' -f1-3 /proc/loadavg)):"
	ew=$(median "$tmp/eksguard" 1)
	ec=$(median "$tmp/eksguard" 2)
	for tool in eksguard kube-linter kube-score; do
		w=$(median "$tmp/$tool" 1)
		c=$(median "$tmp/$tool" 2)
		awk -v t="$tool" -v w="$w" -v c="$c" -v ew="$ew" -v ec="$ec" \
			'BEGIN { printf "  %-12s %6.2f s / %6.2f s   eksguard faster: %.1fx wall, %.1fx CPU\n", t, w, c, w / ew, c / ec }'
	done
done
