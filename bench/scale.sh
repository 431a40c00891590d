#!/usr/bin/env bash
# keepwatch at a million files (issue 14): data set C (1,000,000 files of 0..1 KB in 100,000 folders x 10,
# bench/GenData.java C, generated here if missing; never committed), side by side with rsync in the same run:
#   (1) first `keepwatch once` into an empty backup root vs `rsync -a C/ dest/ && sync` into an empty folder;
#   (2) no-change `keepwatch once` vs a second `rsync -a` (a no-op);
#   (3) `keepwatch run` until "Ready" (watching and reconciled), then its resident memory (VmRSS) IDLE s after it came
#       to rest (bench/at-rest.sh: after Ready it still loads state.json and counts the backup root's disk use; G1 gives
#       the heap back some seconds after that); also the reading at Ready + IDLE s, and every second in $RESULTS;
#   (4) state.json load in a fresh JVM (bench/StateLoadBench.java cold) of the backup (1) made.
# Medians over N repetitions for (1) and (2); the order of the two tools alternates. Targets (issue 14): first once
# <= 1.0x rsync -a + sync; no-change once <= 1.0x rsync no-op; run ready <= 10 s; RSS at rest <= 768 MB; load <= 3 s.
#
#   bench/scale.sh                                  # N=1 IDLE=30, the built jar, BENCH_DIR=/work/benchdata
#   N=3 BENCH_DIR=/work/benchdata-mine bench/scale.sh
#   KW_JAR=/path/to/keepwatch.jar FLAGS="-Xmx768m" bench/scale.sh
#
# Data under $BENCH_DIR/data/C (made once, about 4 GB on disk with 4 KiB blocks), work under $BENCH_DIR/work-C
# (deleted at the end unless KEEP=1, which leaves the backup for bench/rest.sh); the page cache is dropped before each
# first run when running as root. REST_WINDOW, REST_CPU_PCT, REST_MAX: what counts as at rest (bench/at-rest.sh).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/work/benchdata}
N=${N:-1}
IDLE=${IDLE:-30}
SEED=${SEED:-42}
FLAGS=${FLAGS:-}
JAR=${KW_JAR:-$REPO/target/keepwatch.jar}
DATA=$BENCH_DIR/data
WORK=$BENCH_DIR/work-C
RESULTS=$BENCH_DIR/results
. "$REPO/bench/at-rest.sh"
# The launchers' flags (packaging/bin/keepwatch): the serial collector for `once`, G1 giving memory back for `run`.
JAVA="java -Dfile.encoding=UTF-8 -Dsun.jnu.encoding=UTF-8 -XX:+ExitOnOutOfMemoryError -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:G1PeriodicGCInterval=10000 --add-opens java.base/sun.nio.fs=ALL-UNNAMED $FLAGS"

log() { echo "[scale $(date +%T)] $*" >&2; }
now() { date +%s.%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }
settle() { sync; (echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null || true; }
timed() {  # timed VAR cmd...
    local var=$1; shift
    local t0 rc=0
    t0=$(now)
    "$@" || rc=$?
    if [[ $rc != 0 ]]; then echo "benchmark command failed (exit $rc): $*" >&2; exit 1; fi
    printf -v "$var" '%.3f' "$(echo "$(now) - $t0" | bc -l)"
}
command -v rsync >/dev/null || { echo "rsync is needed (apt-get install rsync)" >&2; exit 1; }
command -v bc >/dev/null || { echo "bc is needed" >&2; exit 1; }
[[ -f $JAR ]] || (cd "$REPO" && mvn -B -q package -DskipTests)
mkdir -p "$DATA"
[[ -f $DATA/C/.complete ]] || { log "generating data set C (seed $SEED) in $DATA/C"; java "$REPO/bench/GenData.java" "$DATA" C "$SEED"; }

rm -rf "$WORK" && mkdir -p "$WORK"
cfg() {  # cfg FILE BACKUP_ROOT
    printf '{"sources": [{"name": "src", "path": "%s"}], "backup_root": "%s", "log_dir": "%s"}\n' "$DATA/C" "$2" "$WORK/logs" > "$1"
}
cfg "$WORK/kw.json" "$WORK/kw"
kw_once() { $JAVA -XX:+UseSerialGC -jar "$JAR" once -c "$WORK/kw.json" > "$WORK/once.log" 2>&1; }
echo "== keepwatch on data set C (bench/scale.sh), $(date -u +%FT%TZ), jar $JAR, commit $(git -C "$REPO" rev-parse --short HEAD)"
echo "machine: $(nproc) cores, $(free -m | awk '/Mem:/{print $2}') MB RAM; load: $(cut -d' ' -f1-3 /proc/loadavg)"

declare -a F_KW=() F_RS=() U_KW=() U_RS=()
for ((rep = 1; rep <= N; rep++)); do
    order=(kw rs); ((rep % 2 == 0)) && order=(rs kw)
    for tool in "${order[@]}"; do
        # only this tool's destination: the other's first run is what its no-change run below starts from
        if [[ $tool == kw ]]; then rm -rf "$WORK/kw" "$WORK/logs"; else rm -rf "$WORK/rs"; mkdir -p "$WORK/rs"; fi
        settle
        if [[ $tool == kw ]]; then timed t kw_once; F_KW+=("$t"); else timed t sh -c "rsync -a '$DATA/C/' '$WORK/rs/' && sync"; F_RS+=("$t"); fi
        log "first run rep $rep $tool: $t s"
    done
    for tool in "${order[@]}"; do
        if [[ $tool == kw ]]; then timed t kw_once; U_KW+=("$t"); else timed t rsync -a "$DATA/C/" "$WORK/rs/"; U_RS+=("$t"); fi
        log "no-change rep $rep $tool: $t s"
    done
done
fk=$(median "${F_KW[@]}"); fr=$(median "${F_RS[@]}"); uk=$(median "${U_KW[@]}"); ur=$(median "${U_RS[@]}")
printf 'first once:      keepwatch %s s, rsync -a + sync %s s, ratio %.2f (target <= 1.0)\n' "$fk" "$fr" "$(echo "$fk / $fr" | bc -l)"
printf 'no-change once:  keepwatch %s s, rsync no-op %s s, ratio %.2f (target <= 1.0)\n' "$uk" "$ur" "$(echo "$uk / $ur" | bc -l)"

# (3) run until Ready, then memory at rest
t0=$(now)
$JAVA -jar "$JAR" run -c "$WORK/kw.json" > "$WORK/run.log" 2>&1 &
pid=$!
until grep -q 'Ready' "$WORK/run.log" 2>/dev/null; do
    kill -0 $pid 2>/dev/null || { tail -5 "$WORK/run.log"; echo "keepwatch run ended before Ready" >&2; exit 1; }
    sleep 0.05
done
ready=$(echo "$(now) - $t0" | bc -l)
mkdir -p "$RESULTS"
rss_log=$RESULTS/scale-rss-$(date -u +%Y%m%dT%H%M%SZ).tsv
rest_measure $pid "$IDLE" "$rss_log" || { tail -5 "$WORK/run.log"; exit 1; }
kill -TERM $pid; wait $pid || true
printf 'run ready:       %.2f s (target <= 10 s)\n' "$ready"
printf 'RSS at rest:     %s (target <= 768 MB; each second in %s)\n' "$REST_LINE" "$rss_log"

# (4) state.json load in a fresh JVM
echo "state.json: $(du -m "$WORK/kw/state.json" | cut -f1) MB; load: $(java -cp "$JAR" "$REPO/bench/StateLoadBench.java" cold "$WORK/kw" 2>&1 | tail -1) (target <= 3 s)"
[[ ${KEEP:-0} == 1 ]] || rm -rf "$WORK"
