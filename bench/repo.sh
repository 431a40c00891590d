#!/usr/bin/env bash
# keepwatch repository benchmark (issue 15): keepwatch push/check vs restic, side by side, in the same run.
#
#   bench/repo.sh [-n N] [-s SEED] [-d BENCH_DIR] [--warm] [--tiny] [--cases 1,3,4] [--big-mib M[,M2...]]
#
#   (1) first push of data set A into an empty folder repository: `keepwatch push` (of a backup root that
#       `keepwatch once` made of A, not timed) vs `restic backup A` into an empty local repository; both encrypted,
#       both compressed (restic repository version 2, compression auto); median of N, fresh repositories and
#       caches each time, page cache dropped before each (as root; --warm skips it); sizes of both repositories.
#   (2) one 1 MiB edit in the middle of a 1 GiB file: bytes each repository grows by on the next push/backup.
#   (3) no-change push on data set B (after an initial push) vs restic's no-change backup: median of N.
#   (4) `keepwatch check --read-data` on the 1 GiB file's repository vs `restic check --read-data` on its own:
#       MB/s of plaintext (the file's size over the wall time, JVM start-up included), median of N; kw/rs ratio is
#       of throughputs. A second line gives keepwatch's own figure (the time its summary line reports, from opening
#       the repository to the end: no JVM start-up), median of N; restic prints no such figure.
#   (5) repository size after A plus 10 rounds of edits to 100 of its files (each round: a line appended to each,
#       then `once` + `push` / `restic backup`), beside restic's.
#   (6) `keepwatch export` of A into one archive file and `keepwatch import --to` of it: median of N each, MB/s of
#       A's bytes, the archive's size; the imported tree is compared with A (diff -r); then one
#       `import --backup-root` that `keepwatch verify` must accept. (restic has no single-file export: no reference.)
#
# --cases: only the listed cases (default all six); the report shows those.
# --big-mib M: cases (2) and (4) on a file of M MiB instead of 1 GiB (e.g. 4096: check --read-data's rate where the
# JVM's start and the JIT's compilations weigh less; the report names the size). A list (--big-mib 1024,4096) runs
# them on each size in turn, in the same run, and reports one line per size (each size's repositories are removed
# before the next is made: 4 GiB needs about 5 x 4 GiB free under BENCH_DIR).
# --tiny: small generated data sets (a few MB, in BENCH_DIR/tiny) and a 32 MiB file instead of 1 GiB, to check
# that the script runs end to end; its figures mean nothing.
#
# Data and repositories live under BENCH_DIR (default /work/benchdata), never in the repo; data sets A and B are
# generated from the seed by bench/GenData.java if missing (the same as bench/run.sh). keepwatch runs through the
# launcher packaging/bin/keepwatch with the built jar, as bench/run.sh does.
set -euo pipefail

N=3
SEED=42
BENCH_DIR=${BENCH_DIR:-/work/benchdata}
WARM=0
TINY=0
CASES=1,2,3,4,5,6
BIG_MIB_ARG=
while [[ $# -gt 0 ]]; do
    case "$1" in
        -n) N=$2; shift 2 ;;
        -s) SEED=$2; shift 2 ;;
        -d) BENCH_DIR=$2; shift 2 ;;
        --warm) WARM=1; shift ;;
        --tiny) TINY=1; shift ;;
        --cases) CASES=$2; shift 2 ;;
        --big-mib) BIG_MIB_ARG=$2; shift 2 ;;
        -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 64 ;;
    esac
done

REPO=$(cd "$(dirname "$0")/.." && pwd)
JAR=${KW_JAR:-$REPO/target/keepwatch.jar}
DATA=$BENCH_DIR/data
WORK=$BENCH_DIR/repo-work
RESULTS=$BENCH_DIR/results
BIG_MIBS=1024
if [[ $TINY == 1 ]]; then
    DATA=$BENCH_DIR/tiny/data
    WORK=$BENCH_DIR/tiny/repo-work
    RESULTS=$BENCH_DIR/tiny/results
    BIG_MIBS=32
fi
if [[ -n $BIG_MIB_ARG ]]; then
    [[ $BIG_MIB_ARG =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || { echo "--big-mib: '$BIG_MIB_ARG' is not a whole number of MiB (or a list: 1024,4096)" >&2; exit 64; }
    BIG_MIBS=${BIG_MIB_ARG//,/ }
fi
mkdir -p "$DATA" "$WORK" "$RESULTS"

log() { echo "[bench $(date +%T)] $*" >&2; }

command -v restic >/dev/null || { echo "restic is needed (apt-get install restic)" >&2; exit 1; }
command -v bc >/dev/null || { echo "bc is needed" >&2; exit 1; }
if [[ ! -f $JAR ]]; then
    log "building $JAR"
    (cd "$REPO" && mvn -B -q package -DskipTests)
fi
source "$REPO/bench/tiny-set.sh"
if [[ $TINY == 1 ]]; then
    [[ -f $DATA/A/.complete ]] || tiny_set "$DATA/A" 200 65536 2
    [[ -f $DATA/B/.complete ]] || tiny_set "$DATA/B" 500 4096 0
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

APP=$WORK/app
rm -rf "$APP"
mkdir -p "$APP/bin" "$APP/lib" "$APP/conf"
cp "$REPO/packaging/bin/keepwatch" "$APP/bin/keepwatch"
ln -s "$JAR" "$APP/lib/keepwatch.jar"
cp "$REPO/src/main/resources/keepwatch-logback.xml" "$APP/conf/logback.xml"
"$APP/bin/keepwatch" --version >/dev/null   # the launcher's one-time class-data archive, before anything is timed

export RESTIC_PASSWORD=bench-password
RESTIC_VERSION=$(restic version | awk '{print $2}')

CAN_DROP=0
if [[ $WARM == 0 ]] && sync && (echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null; then
    CAN_DROP=1
fi
settle() {
    sync
    if [[ $CAN_DROP == 1 ]]; then echo 3 > /proc/sys/vm/drop_caches; fi
}
now() { date +%s.%N; }
time_cmd() {  # time_cmd VAR cmd...: elapsed seconds of cmd into VAR; a failing cmd stops the benchmark
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
bytes_of() { du -sb "$1" | cut -f1; }
mib() { echo "scale=1; $1 / 1048576" | bc -l; }

# kw_config FILE SOURCE_PATH BACKUP_ROOT LOG_DIR
kw_config() {
    cat >"$1" <<JSON
{
  "sources": [{"name": "src", "path": "$2"}],
  "backup_root": "$3",
  "log_dir": "$4"
}
JSON
}
kw() { "$APP/bin/keepwatch" "$@" >>"$WORK/kw-console.log" 2>&1; }
# kw_repo CMD CONFIG REPO CACHE [args...]: a repository command with its key beside the repository's folder
kw_repo() {
    local cmd=$1 cfg=$2 repo=$3 cache=$4; shift 4
    kw "$cmd" -c "$cfg" --repo "$repo" --key-file "$repo.key" --cache-dir "$cache" "$@"
}
kw_init() { rm -rf "$1" "$1.key"; kw init --repo "$1" --key-file "$1.key"; }
kw_check() {  # kw_check CONFIG REPO CACHE: check --read-data, its output kept in $WORK/check.out
    "$APP/bin/keepwatch" check -c "$1" --repo "$2" --key-file "$2.key" --cache-dir "$3" --read-data >"$WORK/check.out" 2>>"$WORK/kw-console.log"
}
rs_init() { rm -rf "$1"; restic init --repo "$1" --repository-version 2 >/dev/null; }
rs_backup() {  # rs_backup REPO CACHE PATH
    restic --repo "$1" --cache-dir "$2" --compression auto backup --quiet --host bench "$3" >/dev/null
}

has() { [[ ",$CASES," == *",$1,"* ]]; }   # has N: case N was asked for

STAMP=$(date +%Y%m%d-%H%M%S)
CSV=$RESULTS/repo-$STAMP.csv
echo "case,tool,rep,value" >"$CSV"
log "N=$N seed=$SEED cache-drop=$([[ $CAN_DROP == 1 ]] && echo yes || echo no) restic $RESTIC_VERSION load: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- (1) first push of A ------------------------------------------------------------------------
declare -a A_KW=() A_RS=() X_KW=() I_KW=() C_KW=() C_RS=() C_OWN=() B_KW=() B_RS=()
# per size of the big file (MiB): case (2)'s bytes added and case (4)'s times, space-separated
declare -A G_ADDED_KW_BY=() G_ADDED_RS_BY=() C_KW_BY=() C_RS_BY=() C_OWN_BY=()
if has 1 || has 6; then
    rm -rf "$WORK/A-backup" "$WORK/logs"
    kw_config "$WORK/A.json" "$DATA/A" "$WORK/A-backup" "$WORK/logs"
    log "A: keepwatch once into a backup root (not timed)"
    kw once -c "$WORK/A.json"
fi
has 1 && for ((rep = 1; rep <= N; rep++)); do
    order=(kw rs)
    ((rep % 2 == 0)) && order=(rs kw)
    for tool in "${order[@]}"; do
        rm -rf "$WORK/cache-kw" "$WORK/cache-rs"
        if [[ $tool == kw ]]; then
            kw_init "$WORK/A-repo-kw"
            settle
            time_cmd t kw_repo push "$WORK/A.json" "$WORK/A-repo-kw" "$WORK/cache-kw"
            A_KW+=("$t")
        else
            rs_init "$WORK/A-repo-rs"
            settle
            time_cmd t rs_backup "$WORK/A-repo-rs" "$WORK/cache-rs" "$DATA/A"
            A_RS+=("$t")
        fi
        echo "A-first-push,$tool,$rep,$t" >>"$CSV"
        log "A first push, rep $rep, $tool: $t s"
    done
done
if has 1; then
    A_SIZE_KW=$(bytes_of "$WORK/A-repo-kw")
    A_SIZE_RS=$(bytes_of "$WORK/A-repo-rs")
fi

# --- (6) export of A into one archive, import of it -------------------------------------------------------
if has 6; then
A_BYTES=$(bytes_of "$DATA/A")
for ((rep = 1; rep <= N; rep++)); do
    rm -rf "$WORK/A.kwx" "$WORK/A.kwx.key" "$WORK/A-import"
    settle
    time_cmd t kw export -c "$WORK/A.json" --to "$WORK/A.kwx" --key-file "$WORK/A.kwx.key"
    X_KW+=("$t")
    echo "A-export,kw,$rep,$t" >>"$CSV"
    settle
    time_cmd t kw import "$WORK/A.kwx" --key-file "$WORK/A.kwx.key" --to "$WORK/A-import"
    I_KW+=("$t")
    echo "A-import,kw,$rep,$t" >>"$CSV"
    log "A export / import, rep $rep: ${X_KW[-1]} s / $t s"
    if ! diff -r "$DATA/A" "$WORK/A-import/src" >/dev/null; then
        echo "the imported tree differs from data set A ($WORK/A-import/src)" >&2
        exit 1
    fi
done
X_SIZE_KW=$(bytes_of "$WORK/A.kwx")
rm -rf "$WORK/A-root" "$WORK/A-import"
time_cmd t kw import "$WORK/A.kwx" --key-file "$WORK/A.kwx.key" --backup-root "$WORK/A-root"
echo "A-import-backup-root,kw,1,$t" >>"$CSV"
R_KW=$t
kw_config "$WORK/A-root.json" "$DATA/A" "$WORK/A-root" "$WORK/logs"
if ! kw verify -c "$WORK/A-root.json"; then
    echo "keepwatch verify does not accept the backup root imported into $WORK/A-root" >&2
    exit 1
fi
rm -rf "$WORK/A-root" "$WORK/A.kwx"
fi

# --- (5) A + 10 rounds of edits to 100 files ------------------------------------------------------
if has 5; then
log "A + 10 x 100 edits (not timed)"
rm -rf "$WORK/A-edit" "$WORK/A-edit-backup" "$WORK/cache-kw" "$WORK/cache-rs"
cp -a "$DATA/A" "$WORK/A-edit"
kw_config "$WORK/A-edit.json" "$WORK/A-edit" "$WORK/A-edit-backup" "$WORK/logs"
kw_init "$WORK/E-repo-kw"
rs_init "$WORK/E-repo-rs"
mapfile -t EDITED < <(cd "$WORK/A-edit" && find . -type f ! -name .complete | sort | head -100)
for ((round = 0; round <= 10; round++)); do
    if ((round > 0)); then
        for f in "${EDITED[@]}"; do echo "edit $round" >>"$WORK/A-edit/$f"; done
    fi
    kw once -c "$WORK/A-edit.json"
    kw_repo push "$WORK/A-edit.json" "$WORK/E-repo-kw" "$WORK/cache-kw"
    rs_backup "$WORK/E-repo-rs" "$WORK/cache-rs" "$WORK/A-edit"
done
E_SIZE_KW=$(bytes_of "$WORK/E-repo-kw")
E_SIZE_RS=$(bytes_of "$WORK/E-repo-rs")
rm -rf "$WORK/A-edit" "$WORK/A-edit-backup"
fi

# --- (2) 1 MiB edit in a 1 GiB file, and (4) check --read-data ----------------------------------------
if has 2 || has 4; then
for BIG_MIB in $BIG_MIBS; do
log "$BIG_MIB MiB file: initial push and backup (not timed)"
rm -rf "$WORK/big" "$WORK/big-backup" "$WORK/cache-kw" "$WORK/cache-rs" "$WORK/G-repo-kw" "$WORK/G-repo-kw.key" "$WORK/G-repo-rs"
C_KW=() C_RS=() C_OWN=()
mkdir -p "$WORK/big"
head -c $((BIG_MIB * 1048576)) /dev/urandom >"$WORK/big/big.bin"
kw_config "$WORK/big.json" "$WORK/big" "$WORK/big-backup" "$WORK/logs"
kw once -c "$WORK/big.json"
kw_init "$WORK/G-repo-kw"
rs_init "$WORK/G-repo-rs"
kw_repo push "$WORK/big.json" "$WORK/G-repo-kw" "$WORK/cache-kw"
rs_backup "$WORK/G-repo-rs" "$WORK/cache-rs" "$WORK/big"
G0_KW=$(bytes_of "$WORK/G-repo-kw")
G0_RS=$(bytes_of "$WORK/G-repo-rs")
dd if=/dev/urandom of="$WORK/big/big.bin" bs=1M seek=$((BIG_MIB / 2)) count=1 conv=notrunc status=none
kw once -c "$WORK/big.json"
kw_repo push "$WORK/big.json" "$WORK/G-repo-kw" "$WORK/cache-kw"
rs_backup "$WORK/G-repo-rs" "$WORK/cache-rs" "$WORK/big"
G_ADDED_KW=$(($(bytes_of "$WORK/G-repo-kw") - G0_KW))
G_ADDED_RS=$(($(bytes_of "$WORK/G-repo-rs") - G0_RS))
echo "edit-1MiB-added-bytes-$BIG_MIB,kw,1,$G_ADDED_KW" >>"$CSV"
echo "edit-1MiB-added-bytes-$BIG_MIB,rs,1,$G_ADDED_RS" >>"$CSV"
G_ADDED_KW_BY[$BIG_MIB]=$G_ADDED_KW
G_ADDED_RS_BY[$BIG_MIB]=$G_ADDED_RS
# The repository now holds the 1 GiB current copy and its 1 GiB old version: 2 GiB of plaintext that share all
# but a few chunks. Each tool's check --read-data decrypts and hashes each stored chunk once, so the plaintext each
# reads is the file's BIG_MIB MiB plus the few chunks of the edit (under 1% more): BIG_MIB MiB is the plaintext both
# throughputs are given for, over each command's wall time (start-up included). keepwatch's own figure (its
# last line: plaintext read and the time from opening the repository to the end) is printed beside it.
PLAIN=$((BIG_MIB * 1048576))
has 4 && for ((rep = 1; rep <= N; rep++)); do
    settle
    : >"$WORK/check.out"
    time_cmd t kw_check "$WORK/big.json" "$WORK/G-repo-kw" "$WORK/cache-kw"
    C_KW+=("$t")
    # keepwatch's own figure: the seconds from opening the repository to the end (no JVM start-up), from its last line
    C_OWN+=("$(sed -n 's/.* of plaintext in \([0-9.]*\) s.*/\1/p' "$WORK/check.out" | tail -1)")
    echo "check-read-data-in-process-$BIG_MIB,kw,$rep,${C_OWN[-1]}" >>"$CSV"
    settle
    time_cmd t restic --repo "$WORK/G-repo-rs" --cache-dir "$WORK/cache-rs" check --read-data --quiet
    C_RS+=("$t")
    echo "check-read-data-$BIG_MIB,kw,$rep,${C_KW[-1]}" >>"$CSV"
    echo "check-read-data-$BIG_MIB,rs,$rep,$t" >>"$CSV"
    log "check --read-data, $BIG_MIB MiB, rep $rep: keepwatch ${C_KW[-1]} s (in-process ${C_OWN[-1]} s), restic $t s"
done
C_KW_BY[$BIG_MIB]="${C_KW[*]}"
C_RS_BY[$BIG_MIB]="${C_RS[*]}"
C_OWN_BY[$BIG_MIB]="${C_OWN[*]}"
rm -rf "$WORK/big" "$WORK/big-backup"
done
fi

# --- (3) no-change push on B -----------------------------------------------------------------------
if has 3; then
log "B: once, first push and first backup (not timed)"
rm -rf "$WORK/B-backup" "$WORK/cache-kw" "$WORK/cache-rs"
kw_config "$WORK/B.json" "$DATA/B" "$WORK/B-backup" "$WORK/logs"
kw once -c "$WORK/B.json"
kw_init "$WORK/B-repo-kw"
rs_init "$WORK/B-repo-rs"
kw_repo push "$WORK/B.json" "$WORK/B-repo-kw" "$WORK/cache-kw"
rs_backup "$WORK/B-repo-rs" "$WORK/cache-rs" "$DATA/B"
for ((rep = 1; rep <= N; rep++)); do
    order=(kw rs)
    ((rep % 2 == 0)) && order=(rs kw)
    for tool in "${order[@]}"; do
        sync   # warm cache: a no-change run right after the last one
        if [[ $tool == kw ]]; then
            time_cmd t kw_repo push "$WORK/B.json" "$WORK/B-repo-kw" "$WORK/cache-kw"
            B_KW+=("$t")
        else
            time_cmd t rs_backup "$WORK/B-repo-rs" "$WORK/cache-rs" "$DATA/B"
            B_RS+=("$t")
        fi
        echo "B-nochange-push,$tool,$rep,$t" >>"$CSV"
        log "B no-change push, rep $rep, $tool: $t s"
    done
done
fi

# --- report ---------------------------------------------------------------------------------------
ratio() { echo "scale=2; $1 / $2" | bc -l; }
mbps() { echo "scale=0; $1 / $2 / 1000000" | bc -l; }
echo
echo "keepwatch repository benchmark, N=$N, seed=$SEED, restic $RESTIC_VERSION, cache drop: $([[ $CAN_DROP == 1 ]] && echo yes || echo no), load now: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %14s %14s %8s   target\n' "case" "keepwatch" "restic" "kw/rs"
if has 1; then
    mk=$(median "${A_KW[@]}"); mr=$(median "${A_RS[@]}")
    printf '%-44s %13ss %13ss %7sx   <= 0.8x   (kw: %s | restic: %s)\n' "(1) first push of A" "$mk" "$mr" "$(ratio "$mk" "$mr")" "${A_KW[*]}" "${A_RS[*]}"
    printf '%-44s %12sMiB %12sMiB\n' "    repository size after A" "$(mib "$A_SIZE_KW")" "$(mib "$A_SIZE_RS")"
fi
if has 2; then
    for m in $BIG_MIBS; do
        printf '%-44s %12sMiB %12sMiB %8s   <= 16 MiB\n' "(2) added by a 1 MiB edit in a $m MiB file" "$(mib "${G_ADDED_KW_BY[$m]}")" "$(mib "${G_ADDED_RS_BY[$m]}")" ""
    done
fi
if has 3; then
    bk=$(median "${B_KW[@]}"); br=$(median "${B_RS[@]}")
    printf '%-44s %13ss %13ss %7sx   <= 0.5x   (kw: %s | restic: %s)\n' "(3) no-change push of B" "$bk" "$br" "$(ratio "$bk" "$br")" "${B_KW[*]}" "${B_RS[*]}"
fi
if has 4; then
    for m in $BIG_MIBS; do
    read -ra C_KW <<<"${C_KW_BY[$m]}"; read -ra C_RS <<<"${C_RS_BY[$m]}"; read -ra C_OWN <<<"${C_OWN_BY[$m]}"
    PLAIN=$((m * 1048576))
    ck=$(median "${C_KW[@]}"); cr=$(median "${C_RS[@]}"); co=$(median "${C_OWN[@]}")
    printf '%-44s %11sMB/s %11sMB/s %7sx   >= 1000 MB/s (wall, start-up included; s, kw: %s | restic: %s)\n' \
    "(4) check --read-data, $m MiB file repo" "$(mbps "$PLAIN" "$ck")" "$(mbps "$PLAIN" "$cr")" "$(ratio "$cr" "$ck")" \
    "${C_KW[*]}" "${C_RS[*]}"
    printf '%-44s %11sMB/s %14s %8s   >= 1000 MB/s (kw in-process, s: %s; restic reports no figure of its own)\n' \
    "    keepwatch's own figure (no JVM start-up)" "$(mbps "$PLAIN" "$co")" "" "" "${C_OWN[*]}"
    done
fi
has 5 && printf '%-44s %12sMiB %12sMiB %7sx\n' "(5) size after A + 10 x 100 edits" "$(mib "$E_SIZE_KW")" "$(mib "$E_SIZE_RS")" "$(ratio "$E_SIZE_KW" "$E_SIZE_RS")"
if has 6; then
    xk=$(median "${X_KW[@]}"); ik=$(median "${I_KW[@]}")
    printf '%-44s %13ss %11sMB/s   (export: %s | import: %s)\n' "(6) export of A to one file" "$xk" "$(mbps "$A_BYTES" "$xk")" "${X_KW[*]}" "${I_KW[*]}"
    printf '%-44s %13ss %11sMB/s\n' "    import --to of that archive" "$ik" "$(mbps "$A_BYTES" "$ik")"
    printf '%-44s %13ss\n' "    import --backup-root (then verify: ok)" "$R_KW"
    printf '%-44s %12sMiB (A: %s MiB)\n' "    archive size" "$(mib "$X_SIZE_KW")" "$(mib "$A_BYTES")"
fi
echo "raw figures: $CSV"
