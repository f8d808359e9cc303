#!/usr/bin/env bash
# Peer scanners and eksguard side by side on the same corpora (issue 4): wall time, peak RSS,
# exit status and objects flagged per shared concept.
#
#   bench/peers.sh                                  # real corpus and the generated 10k corpus
#   export PEERS_BIN=$(../shared/peers/install)     # kube-linter, kubeaudit, Polaris, Trivy
#   PEERS_SKIP=polaris,trivy bench/peers.sh         # skip tools (or corpus:tool, e.g. gen10k:trivy)
#   PEERS_CORPORA=real bench/peers.sh               # real, gen10k, gen10k-single (one 14.6 MB file)
#   TRIVY_TIMEOUT=900 bench/peers.sh                # seconds before Trivy is stopped (default 900)
#   PEERS_REV=abc1234 bench/peers.sh                # commit to name in the header (default: git HEAD)
#   PEERS_WAIT_IDLE=600 bench/peers.sh              # before each run wait up to 600 s for 3 s in which
#                                                   # the CPUs are at least 90% idle (shared machines)
#
# Builds bench/out/eksguard and bench/out/peercount, installs kube-score v1.20.0 into
# bench/out/bin with `go install` when missing, (re)generates bench/out/corpus (10,000
# documents) when needed, then for each corpus runs every tool found (bench/out/bin, PEERS_BIN,
# PATH) once, timed by GNU time (wall and CPU seconds, peak RSS), with the flags of
# shared/peers/README.md:
#
#   eksguard scan -o json CORPUS                    (and again with --include-system-namespaces)
#   kube-score score -o json FILE...
#   kube-linter lint --format json PATH             (files over 10 MB split into 1,000-document
#                                                    parts first: kube-linter skips them silently;
#                                                    and again with --add-all-built-in, less the
#                                                    schema-validation check, which needs network)
#   kubeaudit all -p json -f FILE                   (once per file; it reads one file per run)
#   polaris audit --format json --audit-path CORPUS
#   trivy config --format json --quiet --skip-check-update --skip-version-check CORPUS
#
# bench/peercount maps every rule to a shared concept (an eksguard check, through the anchors of
# spec/checks.yaml) and writes the tables: bench/out/peers.md (printed at the end), plus
# bench/out/peers/<corpus>-gaps.md listing the objects a peer flags that eksguard does not.
# Raw reports, stderr and timings stay in bench/out/peers/<corpus>/.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=bench/out
DIR=$OUT/peers
BIN=$OUT/eksguard
GEN=$OUT/corpus
GEN_SINGLE=$OUT/corpus-single
TRIVY_TIMEOUT=${TRIVY_TIMEOUT:-900}
PEERS_SKIP=${PEERS_SKIP:-}
PEERS_CORPORA=${PEERS_CORPORA:-real,gen10k}
PEERS_WAIT_IDLE=${PEERS_WAIT_IDLE:-0}

if [ ! -x /usr/bin/time ] || ! /usr/bin/time -f "%e %M" true 2>/dev/null; then
	echo "peers.sh: needs GNU time at /usr/bin/time (apt-get install time)" >&2
	exit 2
fi
mkdir -p "$DIR" "$OUT/bin"
CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$BIN" ./cmd/eksguard # built as released (README, Install)
go build -o "$OUT/peercount" ./bench/peercount

if [ ! -x "$OUT/bin/kube-score" ]; then
	echo "installing kube-score v1.20.0 into $OUT/bin" >&2
	GOBIN="$PWD/$OUT/bin" go install github.com/zegl/kube-score/cmd/kube-score@v1.20.0 ||
		echo "peers.sh: go install kube-score failed; it will be skipped" >&2
fi

# find_tool NAME: path of the tool in bench/out/bin, PEERS_BIN or PATH, or nothing.
find_tool() {
	local name=$1 d
	for d in "$OUT/bin" ${PEERS_BIN:+"$PEERS_BIN"}; do
		if [ -x "$d/$name" ]; then
			echo "$d/$name"
			return
		fi
	done
	command -v "$name" 2>/dev/null || true
}

version_of() { # tool path -> version string
	local out
	case $1 in
	eksguard) "$2" version 2>/dev/null | awk '{ print $2; exit }' ;;
	kube-score) # a go-installed kube-score says "development"; the module version is in the binary
		out=$("$2" version 2>/dev/null | sed -n 's/.*version: \([^,]*\),.*/\1/p' | head -n 1)
		if [ -z "$out" ] || [ "$out" = development ]; then
			out=$(go version -m "$2" 2>/dev/null | awk '$1 == "mod" { print $3; exit }')
		fi
		echo "$out"
		;;
	kube-linter | kubeaudit) "$2" version 2>/dev/null | head -n 1 ;;
	polaris) "$2" version 2>/dev/null | sed -n 's/.*version:[[:space:]]*//p' | head -n 1 ;;
	trivy) out=$("$2" --version 2>/dev/null) && echo "$out" | sed -n 's/^Version: //p' | head -n 1 ;;
	esac
}

skipped() { # corpus tool -> 0 when PEERS_SKIP names the tool, or corpus:tool
	local s x
	IFS=, read -ra s <<<"$PEERS_SKIP"
	for x in "${s[@]}"; do
		if [ "$x" = "$2" ] || [ "$x" = "$1:$2" ]; then
			return 0
		fi
	done
	return 1
}

ensure_gen() { # dir single(true|false)
	local dir=$1 single=$2 flag=
	[ "$single" = true ] && flag=-single
	if ! grep -qs "corpus: 10000 documents,.*single=$single" "$dir/.eksguard-corpus"; then
		echo "generating 10000 documents into $dir" >&2
		go run ./bench/corpusgen -n 10000 $flag -o "$dir"
	fi
}

idle_pct() { # percentage of CPU time idle over the next 3 seconds
	local a b
	a=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
	sleep 3
	b=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
	echo "$a $b" | awk '{ d = $4 - $2; printf "%d", (d > 0 ? 100 * ($3 - $1) / d : 0) }'
}

# wait_idle: with PEERS_WAIT_IDLE > 0, waits (at most that many seconds) for a 3-second window
# with at least 90% idle CPU; prints the idle percentage of the last window.
wait_idle() {
	local start=$SECONDS idle
	while :; do
		idle=$(idle_pct)
		if [ "$idle" -ge 90 ] || [ $((SECONDS - start)) -ge "$PEERS_WAIT_IDLE" ]; then
			echo "$idle"
			return
		fi
	done
}

# timed ID TOOL LABEL VERSION REPORT NOTES CMD... : runs CMD with stdout to REPORT under GNU time
# and appends a line to $runs (the format bench/peercount reads).
timed() {
	local id=$1 tool=$2 label=$3 version=$4 report=$5 notes=$6
	shift 6
	local tf="$work/$id.time" err="$work/$id.err" code=0 load wall rss user sys cpu=
	if [ "$PEERS_WAIT_IDLE" -gt 0 ]; then
		notes="idle $(wait_idle)% before${notes:+; $notes}"
	fi
	load=$(cut -d' ' -f1 /proc/loadavg)
	echo "  $label ..." >&2
	/usr/bin/time -f "%e %M %U %S" -o "$tf" "$@" >"$report" 2>"$err" || code=$?
	read -r wall rss user sys < <(tail -n 1 "$tf") || true
	[ -n "${sys:-}" ] && cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
	case $code in
	124) notes="timeout after ${TRIVY_TIMEOUT} s${notes:+; $notes}" ;;
	esac
	if [ "$tool" = trivy ] && grep -q "deadline exceeded" "$err"; then
		notes="timeout (Trivy's own --timeout)${notes:+; $notes}"
	fi
	if [ ! -s "$report" ]; then
		notes="no report${notes:+; $notes}: $(grep -v '^\s*$' "$err" | head -n 1 | cut -c1-160 | tr '\t|' '  ')"
		report=-
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$tool" "$label" "${version:-?}" "${wall:-}" "$cpu" "${rss:-}" \
		"$code" "load=$load${notes:+ $notes}" "$report" >>"$runs"
}

append_note() { # adds a note to the last run
	awk -v note="$1" 'BEGIN { FS = OFS = "\t" } { if (NR > 1) print prev; prev = $0 }
		END { n = split(prev, f, "\t"); f[9] = f[9] "; " note; s = f[1]; for (i = 2; i <= n; i++) s = s OFS f[i]; print s }' \
		"$runs" >"$runs.tmp" && mv "$runs.tmp" "$runs"
}

skip_row() { # id tool label why
	printf '%s\t%s\t%s\t%s\t\t\t\t–\t%s\t-\n' "$1" "$2" "$3" "–" "$4" >>"$runs"
	echo "  $3: $4" >&2
}

run_corpus() { # name dir title
	local name=$1 corpus=$2 title=$3
	work=$DIR/$name
	runs=$work/runs.tsv
	rm -rf "$work"
	mkdir -p "$work"
	: >"$runs"
	echo "== $title" >&2
	local files=()
	mapfile -t files < <(find "$corpus" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -not -path '*/.*' | LC_ALL=C sort)

	# eksguard
	local v
	v=$(version_of eksguard "$BIN")
	if skipped "$name" eksguard; then
		skip_row eksguard eksguard eksguard "skipped (PEERS_SKIP)"
	else
		timed eksguard eksguard eksguard "$v" "$work/eksguard.json" "" "$BIN" scan -o json "$corpus"
		timed eksguard-sys eksguard "eksguard --include-system-namespaces" "$v" "$work/eksguard-sys.json" "" \
			"$BIN" scan -o json --include-system-namespaces "$corpus"
	fi

	# kube-score
	local t
	t=$(find_tool kube-score)
	if skipped "$name" kube-score; then
		skip_row kube-score kube-score kube-score "skipped (PEERS_SKIP)"
	elif [ -z "$t" ]; then
		skip_row kube-score kube-score kube-score "skipped: not installed (go install failed?)"
	else
		timed kube-score kube-score kube-score "$(version_of kube-score "$t")" "$work/kube-score.json" "" \
			"$t" score -o json "${files[@]}"
	fi

	# kube-linter: split files over 10 MB, which it would skip without a word.
	t=$(find_tool kube-linter)
	if skipped "$name" kube-linter; then
		skip_row kube-linter kube-linter kube-linter "skipped (PEERS_SKIP)"
	elif [ -z "$t" ]; then
		skip_row kube-linter kube-linter kube-linter "skipped: not in PEERS_BIN or PATH"
	else
		local kl_in=() big=0 f
		mkdir -p "$work/split"
		for f in "${files[@]}"; do
			if [ "$(stat -c %s "$f")" -gt 10000000 ]; then
				big=$((big + 1))
				local base
				base=$(basename "$f" | tr -c 'A-Za-z0-9.\n-' _)
				awk -v dir="$work/split" -v base="$base" -v n=1000 '
					BEGIN { part = 0; docs = 0; out = sprintf("%s/%s.part%03d.yaml", dir, base, part) }
					/^---[[:space:]]*$/ { docs++; if (docs % n == 0) { close(out); part++; out = sprintf("%s/%s.part%03d.yaml", dir, base, part) } }
					{ print > out }' "$f"
			else
				kl_in+=("$f")
			fi
		done
		local kl_note="no file over 10 MB"
		if [ "$big" -gt 0 ]; then
			kl_in+=("$work/split")
			kl_note="$big file(s) over 10 MB split into 1,000-document parts"
		fi
		local klv
		klv=$(version_of kube-linter "$t")
		timed kube-linter kube-linter kube-linter "$klv" "$work/kube-linter.json" "$kl_note" \
			"$t" lint --format json "${kl_in[@]}"
		timed kube-linter-all kube-linter "kube-linter --add-all-built-in" "$klv" "$work/kube-linter-all.json" \
			"all built-in checks but schema-validation" \
			"$t" lint --add-all-built-in --exclude schema-validation --format json "${kl_in[@]}"
	fi

	# kubeaudit: one run per file, reports appended.
	t=$(find_tool kubeaudit)
	if skipped "$name" kubeaudit; then
		skip_row kubeaudit kubeaudit kubeaudit "skipped (PEERS_SKIP)"
	elif [ -z "$t" ]; then
		skip_row kubeaudit kubeaudit kubeaudit "skipped: not in PEERS_BIN or PATH"
	else
		: >"$work/kubeaudit.codes"
		# shellcheck disable=SC2016
		timed kubeaudit kubeaudit kubeaudit "$(version_of kubeaudit "$t")" "$work/kubeaudit.json" "" \
			bash -c 'ka=$1 codes=$2; shift 2; for f in "$@"; do "$ka" all -p json -f "$f" || echo "$? $f" >>"$codes"; done' \
			_ "$t" "$work/kubeaudit.codes" "${files[@]}"
		local n2 nother
		n2=$(awk '$1 == 2' "$work/kubeaudit.codes" | wc -l)
		nother=$(awk '$1 != 2' "$work/kubeaudit.codes" | wc -l)
		local note="${#files[@]} runs, exit 2 (errors found) on $n2"
		[ "$nother" -gt 0 ] && note="$note, other exit codes on $nother"
		append_note "$note"
	fi

	# Polaris
	t=$(find_tool polaris)
	if skipped "$name" polaris; then
		skip_row polaris polaris polaris "skipped (PEERS_SKIP)"
	elif [ -z "$t" ]; then
		skip_row polaris polaris polaris "skipped: not in PEERS_BIN or PATH"
	else
		timed polaris polaris polaris "$(version_of polaris "$t")" "$work/polaris.json" "" \
			"$t" audit --format json --audit-path "$corpus"
	fi

	# Trivy, with a timeout.
	t=$(find_tool trivy)
	if skipped "$name" trivy; then
		skip_row trivy trivy trivy "skipped (PEERS_SKIP)"
	elif [ -z "$t" ]; then
		skip_row trivy trivy trivy "skipped: not in PEERS_BIN or PATH"
	else
		mkdir -p "$OUT/trivy-cache"
		timed trivy trivy trivy "$(version_of trivy "$t")" "$work/trivy.json" "" \
			timeout "$TRIVY_TIMEOUT" "$t" config --format json --quiet --skip-check-update --skip-version-check \
			--timeout "${TRIVY_TIMEOUT}s" --cache-dir "$OUT/trivy-cache" "$corpus"
	fi

	"$OUT/peercount" -corpus "$corpus" -spec spec/checks.yaml -runs "$runs" -title "$title" \
		-o "$DIR/$name.md" -gaps "$DIR/$name-gaps.md"
}

IFS=, read -ra corpora <<<"$PEERS_CORPORA"
for c in "${corpora[@]}"; do
	case $c in
	real) run_corpus real bench/corpus "Real manifests (bench/corpus)" ;;
	gen10k)
		ensure_gen "$GEN" false
		run_corpus gen10k "$GEN" "Generated corpus, 10,000 documents (bench/out/corpus)"
		;;
	gen10k-single)
		ensure_gen "$GEN_SINGLE" true
		run_corpus gen10k-single "$GEN_SINGLE" "Generated corpus, 10,000 documents in one file (bench/out/corpus-single)"
		;;
	*)
		echo "peers.sh: unknown corpus $c (real, gen10k, gen10k-single)" >&2
		exit 2
		;;
	esac
done

{
	echo "## Peers: eksguard and peer scanners side by side"
	echo
	echo "$(date -u +%Y-%m-%dT%H:%MZ), commit ${PEERS_REV:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo '+dirty')}; $(nproc) CPUs, $(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	for c in "${corpora[@]}"; do
		cat "$DIR/$c.md"
		echo
	done
} >"$OUT/peers.md"
cat "$OUT/peers.md"
