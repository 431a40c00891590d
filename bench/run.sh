#!/usr/bin/env bash
# keepwatch benchmark (issue 2): keepwatch once vs rsync, side by side, medians over N repetitions.
#
#   bench/run.sh [-n N] [-s SEED] [-d BENCH_DIR] [--only A|B|B1|V] [--warm]
#
#   (1) first run on data set A: `keepwatch once` into an empty backup root
#       vs `rsync -a A/ dest/ && sync` into an empty folder;
#   (2) no-change run on data set B: `keepwatch once` after an initial run vs a second `rsync -a` (a no-op).
#   (3) B with one file changed (issue 14): a line appended to one file of a copy of B (another file each
#       repetition), then `keepwatch once` vs `rsync -a` of that copy, each into its own up-to-date destination.
#   (4) `keepwatch verify` of A's backup (issue 14) vs `restic check --read-data` of a restic repository of A
#       (needs restic; skipped without it): wall time and peak resident memory (GNU time's %M), cache dropped
#       before each. --only takes A, B, B1 (case 3) or V (case 4).
#
# Data and backups live under BENCH_DIR (default /work/benchdata), never in the repo. Data is generated
# from the seed by bench/GenData.java if missing. Every first-run repetition starts from a fresh empty
# destination, after `sync` and (if permitted, i.e. as root) `echo 3 > /proc/sys/vm/drop_caches`, so both
# tools start with no dirty pages and a cold page cache; --warm skips the cache drop. The order of the
# two tools alternates between repetitions. keepwatch runs the way an installed keepwatch runs: through the
# launcher packaging/bin/keepwatch (its JVM flags, and the collector it picks for `once`), with the built jar as
# its lib/keepwatch.jar; its time is the whole process, launcher and JVM start-up included. Extra JVM options
# for keepwatch: KW_JAVA_OPTS (passed as the launcher's JAVA_OPTS; default none).
set -euo pipefail

N=3
SEED=42
BENCH_DIR=${BENCH_DIR:-/work/benchdata}
ONLY=""
WARM=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        -n) N=$2; shift 2 ;;
        -s) SEED=$2; shift 2 ;;
        -d) BENCH_DIR=$2; shift 2 ;;
        --only) ONLY=$2; shift 2 ;;
        --warm) WARM=1; shift ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 64 ;;
    esac
done

REPO=$(cd "$(dirname "$0")/.." && pwd)
JAR=${KW_JAR:-$REPO/target/keepwatch.jar}
KW_JAVA_OPTS=${KW_JAVA_OPTS:-}
DATA=$BENCH_DIR/data
WORK=$BENCH_DIR/work
RESULTS=$BENCH_DIR/results
mkdir -p "$DATA" "$WORK" "$RESULTS"

log() { echo "[bench $(date +%T)] $*" >&2; }

# --- prerequisites -------------------------------------------------------------------------------
if ! command -v rsync >/dev/null; then
    log "installing rsync"
    apt-get install -y rsync >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y rsync >/dev/null; }
fi
if [[ ! -f $JAR ]]; then
    log "building $JAR"
    (cd "$REPO" && mvn -B -q package -DskipTests)
fi
for set in A B; do
    if [[ ! -f $DATA/$set/.complete ]]; then
        log "generating data set $set (seed $SEED) in $DATA/$set"
        java "$REPO/bench/GenData.java" "$DATA" "$set" "$SEED"
    elif ! grep -q "seed=$SEED " "$DATA/$set/.complete"; then
        echo "$DATA/$set was generated with another seed ($(cat "$DATA/$set/.complete")); remove it first" >&2
        exit 1
    fi
done

# An installation of keepwatch made of the launcher, the built jar and the shipped logging setup.
APP=$WORK/app
rm -rf "$APP"
mkdir -p "$APP/bin" "$APP/lib" "$APP/conf"
cp "$REPO/packaging/bin/keepwatch" "$APP/bin/keepwatch"
ln -s "$JAR" "$APP/lib/keepwatch.jar"
cp "$REPO/src/main/resources/keepwatch-logback.xml" "$APP/conf/logback.xml"
# The launcher makes its class-data archive (lib/keepwatch.jsa) the first time it runs; an installation does that
# once, so it is done here, before anything is timed. KEEPWATCH_CDS=off measures keepwatch without it.
JAVA_OPTS="$KW_JAVA_OPTS" "$APP/bin/keepwatch" --version >/dev/null
if [[ -f $APP/lib/keepwatch.jsa ]]; then CDS="lib/keepwatch.jsa"; else CDS="none"; fi

CAN_DROP=0
if [[ $WARM == 0 ]] && sync && (echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null; then
    CAN_DROP=1
fi
settle() {
    sync
    if [[ $CAN_DROP == 1 ]]; then echo 3 > /proc/sys/vm/drop_caches; fi
}

now() { date +%s.%N; }

# time_cmd VAR cmd...: runs cmd, stores elapsed seconds in VAR; fails the benchmark if cmd fails
time_cmd() {
    local var=$1; shift
    local t0 t1 rc=0
    t0=$(now)
    "$@" || rc=$?
    t1=$(now)
    if [[ $rc != 0 ]]; then
        echo "benchmark command failed (exit $rc): $*" >&2
        exit 1
    fi
    printf -v "$var" '%.3f' "$(echo "$t1 - $t0" | bc -l)"
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# kw_config FILE SOURCE_PATH BACKUP_ROOT LOG_DIR
kw_config() {
    cat >"$1" <<EOF
{
  "sources": [{"name": "src", "path": "$2"}],
  "backup_root": "$3",
  "log_dir": "$4"
}
EOF
}

kw_once() {  # kw_once CONFIG
    JAVA_OPTS="$KW_JAVA_OPTS" "$APP/bin/keepwatch" once -c "$1" 2>"$WORK/kw-console.log" >/dev/null
}
rsync_sync() { rsync -a "$1/" "$2/" && sync; }
rsync_only() { rsync -a "$1/" "$2/"; }

command -v bc >/dev/null || { echo "bc is needed" >&2; exit 1; }

STAMP=$(date +%Y%m%d-%H%M%S)
CSV=$RESULTS/run-$STAMP.csv
echo "case,tool,rep,seconds" >"$CSV"
log "N=$N seed=$SEED data=$DATA cache-drop=$([[ $CAN_DROP == 1 ]] && echo yes || echo no) load: $(cut -d' ' -f1-3 /proc/loadavg)"
log "keepwatch: $APP/bin/keepwatch once (JAVA_OPTS='$KW_JAVA_OPTS', lib/keepwatch.jar -> $JAR, class-data archive: $CDS; $(java -version 2>&1 | sed -n 1p))"

declare -a A_KW=() A_RS=() B_KW=() B_RS=() B1_KW=() B1_RS=() V_KW=() V_RS=() V_KW_RSS=() V_RS_RSS=()

# --- (1) first run on A --------------------------------------------------------------------------
if [[ -z $ONLY || $ONLY == A ]]; then
    for ((rep = 1; rep <= N; rep++)); do
        order=(kw rs)
        ((rep % 2 == 0)) && order=(rs kw)
        for tool in "${order[@]}"; do
            rm -rf "$WORK/A-kw" "$WORK/A-rs" "$WORK/logs-A"
            mkdir -p "$WORK/A-rs"
            kw_config "$WORK/A.json" "$DATA/A" "$WORK/A-kw" "$WORK/logs-A"
            settle
            if [[ $tool == kw ]]; then
                time_cmd t kw_once "$WORK/A.json"
                A_KW+=("$t")
                grep -h 'Run complete' "$WORK/logs-A/keepwatch.log" | sed 's/^/    /' >&2 || true
            else
                time_cmd t rsync_sync "$DATA/A" "$WORK/A-rs"
                A_RS+=("$t")
            fi
            echo "A-first,$tool,$rep,$t" >>"$CSV"
            log "A first run, rep $rep, $tool: $t s"
        done
    done
    rm -rf "$WORK/A-kw" "$WORK/A-rs"
fi

# --- (2) no-change run on B ----------------------------------------------------------------------
if [[ -z $ONLY || $ONLY == B ]]; then
    rm -rf "$WORK/B-kw" "$WORK/B-rs" "$WORK/logs-B"
    mkdir -p "$WORK/B-rs"
    kw_config "$WORK/B.json" "$DATA/B" "$WORK/B-kw" "$WORK/logs-B"
    log "B: initial runs (not timed)"
    kw_once "$WORK/B.json"
    rsync_only "$DATA/B" "$WORK/B-rs"
    sync
    for ((rep = 1; rep <= N; rep++)); do
        order=(kw rs)
        ((rep % 2 == 0)) && order=(rs kw)
        for tool in "${order[@]}"; do
            sync   # no-change runs are timed with a warm cache (the metadata was just read): a restart
            if [[ $tool == kw ]]; then
                time_cmd t kw_once "$WORK/B.json"
                B_KW+=("$t")
                grep -h 'Run complete' "$WORK/logs-B/keepwatch.log" | tail -1 | sed 's/^/    /' >&2 || true
            else
                time_cmd t rsync_only "$DATA/B" "$WORK/B-rs"
                B_RS+=("$t")
            fi
            echo "B-nochange,$tool,$rep,$t" >>"$CSV"
            log "B no-change run, rep $rep, $tool: $t s"
        done
    done
fi

# --- (3) B with one file changed ------------------------------------------------------------------
if [[ -z $ONLY || $ONLY == B1 ]]; then
    rm -rf "$WORK/B1-src" "$WORK/B1-kw" "$WORK/B1-rs" "$WORK/logs-B1"
    log "B1: copying B (the edits go to a copy, never to the shared data set), initial runs (not timed)"
    cp -a "$DATA/B" "$WORK/B1-src"
    mkdir -p "$WORK/B1-rs"
    kw_config "$WORK/B1.json" "$WORK/B1-src" "$WORK/B1-kw" "$WORK/logs-B1"
    kw_once "$WORK/B1.json"
    rsync_only "$WORK/B1-src" "$WORK/B1-rs"
    mapfile -t B1_FILES < <(cd "$WORK/B1-src" && find . -type f ! -name .complete | sort | awk 'NR % 997 == 1' | head -n "$N")
    for ((rep = 1; rep <= N; rep++)); do
        edited=${B1_FILES[$(( (rep - 1) % ${#B1_FILES[@]} ))]}
        echo "edit $rep" >>"$WORK/B1-src/$edited"
        sync
        order=(kw rs)
        ((rep % 2 == 0)) && order=(rs kw)
        for tool in "${order[@]}"; do
            if [[ $tool == kw ]]; then
                time_cmd t kw_once "$WORK/B1.json"
                B1_KW+=("$t")
                grep -h 'Run complete' "$WORK/logs-B1/keepwatch.log" | tail -1 | sed 's/^/    /' >&2 || true
            else
                time_cmd t rsync_only "$WORK/B1-src" "$WORK/B1-rs"
                B1_RS+=("$t")
            fi
            echo "B-onechanged,$tool,$rep,$t" >>"$CSV"
            log "B one file changed ($edited), rep $rep, $tool: $t s"
        done
    done
    rm -rf "$WORK/B1-src" "$WORK/B1-kw" "$WORK/B1-rs"
fi

# --- (4) verify of A vs restic check --read-data -------------------------------------------------
if [[ -z $ONLY || $ONLY == V ]] && ! command -v restic >/dev/null; then
    log "restic is not installed (apt-get install restic): case (4) skipped"
elif [[ -z $ONLY || $ONLY == V ]]; then
    GNU_TIME=/usr/bin/time
    [[ -x $GNU_TIME ]] || apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
    rm -rf "$WORK/V-kw" "$WORK/V-restic" "$WORK/logs-V"
    kw_config "$WORK/V.json" "$DATA/A" "$WORK/V-kw" "$WORK/logs-V"
    log "V: keepwatch once of A and restic backup of A (not timed)"
    kw_once "$WORK/V.json"
    export RESTIC_PASSWORD=bench-password
    restic init -q -r "$WORK/V-restic" --repository-version 2 >/dev/null
    restic backup -q -r "$WORK/V-restic" --no-cache --compression auto "$DATA/A" >/dev/null
    # peak_cmd VAR RSSVAR cmd...: wall seconds and peak RSS (MB) of cmd; a failing cmd stops the benchmark
    peak_cmd() {
        local var=$1 rssvar=$2; shift 2
        "$GNU_TIME" -f '%e %M' -o "$WORK/V.time" "$@" >/dev/null 2>"$WORK/V.err" \
            || { echo "benchmark command failed: $*" >&2; cat "$WORK/V.err" >&2; exit 1; }
        read -r secs kib <"$WORK/V.time"
        printf -v "$var" '%.3f' "$secs"
        printf -v "$rssvar" '%d' "$((kib / 1024))"
    }
    for ((rep = 1; rep <= N; rep++)); do
        order=(kw rs)
        ((rep % 2 == 0)) && order=(rs kw)
        for tool in "${order[@]}"; do
            settle
            if [[ $tool == kw ]]; then
                peak_cmd t m env JAVA_OPTS="$KW_JAVA_OPTS" "$APP/bin/keepwatch" verify -c "$WORK/V.json"
                V_KW+=("$t"); V_KW_RSS+=("$m")
            else
                peak_cmd t m restic check -q -r "$WORK/V-restic" --no-cache --read-data
                V_RS+=("$t"); V_RS_RSS+=("$m")
            fi
            echo "A-verify,$tool,$rep,$t,$m" >>"$CSV"
            log "A verify / check --read-data, rep $rep, $tool: $t s, peak RSS $m MB"
        done
    done
    rm -rf "$WORK/V-kw" "$WORK/V-restic"
fi

# --- report --------------------------------------------------------------------------------------
row() {  # row LABEL REFLABEL kw-times... -- ref-times...
    local label=$1 ref=$2; shift 2
    local kw=() rs=()
    while [[ $1 != -- ]]; do kw+=("$1"); shift; done; shift
    rs=("$@")
    local mk mr ratio
    mk=$(median "${kw[@]}")
    mr=$(median "${rs[@]}")
    ratio=$(echo "scale=3; $mk / $mr" | bc -l)
    printf '%-28s %12s %12s  %-20s %8.2fx   (kw: %s | ref: %s)\n' "$label" "$mk" "$mr" "$ref" "$ratio" "${kw[*]}" "${rs[*]}"
}
echo
echo "keepwatch benchmark, N=$N, seed=$SEED, cache drop before first runs: $([[ $CAN_DROP == 1 ]] && echo yes || echo no), load now: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %12s %12s  %-20s %9s\n' "case" "keepwatch s" "reference s" "reference" "kw/ref"
[[ ${#A_KW[@]} -gt 0 ]] && row "A first run (1.8 GiB)" "rsync -a + sync" "${A_KW[@]}" -- "${A_RS[@]}"
[[ ${#B_KW[@]} -gt 0 ]] && row "B no-change (200k files)" "rsync -a (no-op)" "${B_KW[@]}" -- "${B_RS[@]}"
[[ ${#B1_KW[@]} -gt 0 ]] && row "B one file changed" "rsync -a" "${B1_KW[@]}" -- "${B1_RS[@]}"
[[ ${#V_KW[@]} -gt 0 ]] && row "A verify (1.8 GiB)" "restic check --read-data" "${V_KW[@]}" -- "${V_RS[@]}"
[[ ${#V_KW[@]} -gt 0 ]] && echo "A verify peak RSS, MB: keepwatch median $(median "${V_KW_RSS[@]}") (${V_KW_RSS[*]}), restic median $(median "${V_RS_RSS[@]}") (${V_RS_RSS[*]})"
echo "(medians; targets: <= 1.00x; B one file changed <= 1.00x, A verify <= 0.70x with peak RSS <= 256 MB (issue 14); raw times in $CSV)"
