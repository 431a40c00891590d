#!/usr/bin/env bash
# Interleaved comparison of keepwatch variants with each other and with rsync, on one case, medians over N rounds:
#
#   bench/interleave.sh A|B N 'LABEL[:VAR=VALUE ...]' ...
#
#   A: first run on data set A (cold cache, fresh destination, like bench/run.sh), against rsync -a + sync;
#   B: no-change run on data set B (warm cache), against a second rsync -a.
#
# Each round runs every variant and then rsync, in that order. A variant is keepwatch through the launcher
# installed by bench/run.sh (run that first: it makes $BENCH_DIR/work/app, the data and B's first backups), with
# the given environment, e.g. 'cds' 'nocds:KEEPWATCH_CDS=off' 'g1:JAVA_OPTS=-XX:+UseG1GC'; JAR=/path/to.jar runs
# the variant on another build (its own copy of the installation). Used for the before/after figures in docs/benchmarks.md.
# A JAR variant gets a logback.xml its build understands (an older jar has no io.keepwatch.cli.EscapedMessage or
# OwnerOnlyFileAppender) and, for B, a backup root of its own (its mirror hard-linked from B's once, its own files copied, then brought to its own
# state format by two untimed runs): builds of other state formats never read each other's state.
set -euo pipefail

CASE=${1:?A or B}
N=${2:?number of rounds}
shift 2
BENCH_DIR=${BENCH_DIR:-/work/benchdata}
WORK=$BENCH_DIR/work
DATA=$BENCH_DIR/data
[[ -x $WORK/app/bin/keepwatch && -f $WORK/$CASE.json ]] || { echo "run bench/run.sh first" >&2; exit 1; }
[[ $# -gt 0 ]] || { echo "name at least one variant" >&2; exit 64; }

declare -A TIMES APP CONF
LABELS=()
for spec in "$@"; do
    label=${spec%%:*}
    LABELS+=("$label")
    APP[$label]=$WORK/app
    CONF[$label]=$WORK/$CASE.json
    env=""
    [[ $spec == *:* ]] && env=${spec#*:}
    for kv in $env; do
        if [[ $kv == JAR=* ]]; then
            APP[$label]=$WORK/app-$label
            rm -rf "${APP[$label]}"
            cp -r "$WORK/app" "${APP[$label]}"
            rm -f "${APP[$label]}"/lib/keepwatch.jar "${APP[$label]}"/lib/keepwatch.jsa*
            ln -s "${kv#JAR=}" "${APP[$label]}/lib/keepwatch.jar"
            conf=${APP[$label]}/conf/logback.xml
            unzip -l "${kv#JAR=}" | grep -q 'io/keepwatch/cli/OwnerOnlyFileAppender.class' \
                || sed -i 's#io.keepwatch.cli.OwnerOnlyFileAppender#ch.qos.logback.core.rolling.RollingFileAppender#' "$conf"
            unzip -l "${kv#JAR=}" | grep -q 'io/keepwatch/cli/EscapedMessage.class' || sed -i '/EscapedMessage/d' "$conf"
            "${APP[$label]}/bin/keepwatch" --version >/dev/null
            CONF[$label]=$WORK/$CASE-$label.json
            if [[ $CASE == B ]]; then
                rm -rf "$WORK/B-kw-$label" "$WORK/logs-B-$label"
                # The mirror hard-linked (never written in place); keepwatch's own files copied: SQLite and the
                # change log write in place, and must not reach B-kw through a shared inode.
                cp -al "$WORK/B-kw" "$WORK/B-kw-$label"
                rm -rf "$WORK/B-kw-$label/.keepwatch" "$WORK/B-kw-$label/state.json"
                cp -a "$WORK/B-kw/.keepwatch" "$WORK/B-kw/state.json" "$WORK/B-kw-$label/"
                sed -e "s#$WORK/B-kw\"#$WORK/B-kw-$label\"#; s#$WORK/logs-B\"#$WORK/logs-B-$label\"#" "$WORK/B.json" > "${CONF[$label]}"
                for _ in 1 2; do "${APP[$label]}/bin/keepwatch" once -c "${CONF[$label]}" >/dev/null 2>&1; done
            else
                cp "$WORK/A.json" "${CONF[$label]}"
            fi
        fi
    done
done

now() { date +%s%N; }
settle() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }

for ((i = 1; i <= N; i++)); do
    for spec in "$@" rsync; do
        label=${spec%%:*}
        env=""
        [[ $spec == *:* ]] && env=${spec#*:}
        if [[ $CASE == A ]]; then
            rm -rf "$WORK/A-kw" "$WORK/logs-A" "$WORK/A-rs"
            mkdir -p "$WORK/A-rs"
            settle
        fi
        t0=$(now)
        if [[ $label == rsync && $CASE == A ]]; then
            rsync -a "$DATA/A/" "$WORK/A-rs/" && sync
        elif [[ $label == rsync ]]; then
            rsync -a "$DATA/B/" "$WORK/B-rs/"
        else
            vars=()
            for kv in $env; do [[ $kv == JAR=* ]] || vars+=("$kv"); done
            env "${vars[@]}" "${APP[$label]}/bin/keepwatch" once -c "${CONF[$label]}" >/dev/null 2>&1
        fi
        t1=$(now)
        TIMES[$label]+="$(echo "($t1 - $t0) / 1000000000" | bc -l | xargs printf '%.3f') "
    done
done
rm -rf "$WORK/A-rs"

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }
# shellcheck disable=SC2086
ref=$(median ${TIMES[rsync]})
printf '%s, %d rounds (medians; each round: the variants, then rsync)\n' "$CASE" "$N"
for label in "${LABELS[@]}" rsync; do
    # shellcheck disable=SC2086
    m=$(median ${TIMES[$label]})
    printf '%-12s %7.3f s  %5.2fx rsync   (%s)\n' "$label" "$m" "$(echo "$m / $ref" | bc -l)" "${TIMES[$label]% }"
done
