#!/usr/bin/env bash
# B with one file changed (issue 14's `once` <= 1.0x `rsync -a`), several keepwatch builds or JVM flag sets side by
# side with rsync in the same minutes, interleaved: each round appends a line to one file of a private copy of data
# set B, then runs every variant's `once` (each on its own backup root) and `rsync -a` into its own copy, in an order
# that rotates by one each round; warm cache, as bench/run.sh's B1 case. Prints each one's times, median wall and
# median user+system CPU-s. Used for docs/benchmarks.md, "B with one file changed: the JIT".
#
#   bench/b1-interleave.sh ROUNDS 'LABEL=JAR[:KEEPWATCH_OPTS]' ...
#   bench/b1-interleave.sh 7 main=target/keepwatch.jar 'c2=target/keepwatch.jar:-XX:TieredStopAtLevel=4'
#
# Each variant is installed as a user would (packaging/bin/keepwatch, its class-data archive made first) under
# $BENCH_DIR/b1/app-LABEL and backs B up once, untimed, before the rounds (a minute or two a variant). Work stays in
# $BENCH_DIR/b1 for reruns with the same labels (delete it to start over: about 1 GB a variant).
set -euo pipefail
ROUNDS=${1:?rounds}; shift
[[ $# -gt 0 ]] || { echo "name at least one variant: LABEL=JAR[:KEEPWATCH_OPTS]" >&2; exit 64; }
REPO=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/work/benchdata}
W=$BENCH_DIR/b1
[[ -f $BENCH_DIR/data/B/.complete ]] || { echo "no data set B in $BENCH_DIR/data: run bench/run.sh first" >&2; exit 1; }
command -v rsync >/dev/null && command -v bc >/dev/null || { echo "rsync and bc are needed" >&2; exit 1; }
mkdir -p "$W"
[[ -d $W/src ]] || cp -a "$BENCH_DIR/data/B" "$W/src"
declare -A JAR OPTS
LABELS=()
for spec in "$@"; do
    label=${spec%%=*}; rest=${spec#*=}
    JAR[$label]=$(realpath "${rest%%:*}"); OPTS[$label]=""
    [[ $rest == *:* ]] && OPTS[$label]=${rest#*:}
    LABELS+=("$label")
    app=$W/app-$label
    if [[ ! -f $app/installed || $(readlink "$app/lib/keepwatch.jar") != "${JAR[$label]}" ]]; then
        rm -rf "$app" "$W/root-$label" "$W/logs-$label"
        mkdir -p "$app/bin" "$app/lib" "$app/conf"
        cp "$REPO/packaging/bin/keepwatch" "$app/bin/keepwatch"
        ln -s "${JAR[$label]}" "$app/lib/keepwatch.jar"
        cp "$REPO/src/main/resources/keepwatch-logback.xml" "$app/conf/logback.xml"
        "$app/bin/keepwatch" --version >/dev/null
        printf '{"sources": [{"name": "src", "path": "%s"}], "backup_root": "%s", "log_dir": "%s"}\n' \
            "$W/src" "$W/root-$label" "$W/logs-$label" >"$W/$label.json"
        KEEPWATCH_OPTS=${OPTS[$label]} "$app/bin/keepwatch" once -c "$W/$label.json" >/dev/null 2>&1
        touch "$app/installed"
    fi
done
mkdir -p "$W/rs"
rsync -a "$W/src/" "$W/rs/"
mapfile -t FILES < <(cd "$W/src" && find . -type f ! -name .complete | sort | awk 'NR % 997 == 1')
TOOLS=("${LABELS[@]}" rsync)
declare -A WALL CPU
for ((r = 0; r < ROUNDS; r++)); do
    echo "edit $r $(date +%s%N)" >>"$W/src/${FILES[$((RANDOM % ${#FILES[@]}))]}"
    for ((k = 0; k < ${#TOOLS[@]}; k++)); do
        t=${TOOLS[$(((k + r) % ${#TOOLS[@]}))]}
        sync
        if [[ $t == rsync ]]; then
            /usr/bin/time -f '%e %U %S' -o "$W/time" rsync -a "$W/src/" "$W/rs/"
        else
            KEEPWATCH_OPTS=${OPTS[$t]} /usr/bin/time -f '%e %U %S' -o "$W/time" \
                "$W/app-$t/bin/keepwatch" once -c "$W/$t.json" >/dev/null 2>"$W/err-$t" \
                || { echo "$t failed:" >&2; tail -5 "$W/err-$t" >&2; exit 1; }
        fi
        read -r e u s <"$W/time"
        WALL[$t]+="$e "; CPU[$t]+="$(echo "$u + $s" | bc) "
    done
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }
# shellcheck disable=SC2086
ref=$(median ${WALL[rsync]})
printf 'B, one file changed, %d rounds, load %s (medians; wall s, user+system CPU-s)\n' "$ROUNDS" "$(cut -d' ' -f1-3 /proc/loadavg)"
for t in "${TOOLS[@]}"; do
    # shellcheck disable=SC2086
    m=$(median ${WALL[$t]}); c=$(median ${CPU[$t]})
    printf '%-12s %6.3f s %5.2fx rsync  %5.2f CPU-s  (%s)\n' "$t" "$m" "$(echo "$m / $ref" | bc -l)" "$c" "${WALL[$t]% }"
done
