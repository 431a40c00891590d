#!/usr/bin/env bash
# Benchmark of `keepwatch run` (issue 3): start-up until Ready on data set B beside `inotifywait -r` and
# `find` of the same tree, idle CPU, resident memory, and event-to-backup latency over single-file edits on B
# and on a 2,000-file tree. Everything is printed from one run; start-up figures are medians over N
# repetitions.
#
#   bench/watch.sh                          # N=5 start-ups, 1,000 edits per tree, 60 s idle
#   N=3 EDITS=200 IDLE=30 bench/watch.sh    # shorter
#   FLAGS="-Xmx128m" bench/watch.sh         # JVM flags for every keepwatch process
#   ALT_FLAGS="-Xmx96m -XX:+UseSerialGC" bench/watch.sh   # also time each start-up with these flags
#   STATE_FLUSH_MS=60000 bench/watch.sh     # watch.state_flush_ms in both configs (default 2000, as shipped)
#
# Data (outside the repo, under $WORK, default /work/benchdata/watch):
#   $WORK/B      a copy of data set B (200,000 files of 0..4 KB in 20,000 folders, bench/GenData.java seed 42),
#                copied from $DATA/B (default /work/benchdata/data/B) or generated if that is missing;
#                the edits change files in it, so the shared data set is never touched
#   $WORK/S2000  2,000 files of 0..4 KB in 200 folders (10 x 20), bench/WatchBench.java gen, seed 42
# Each tree has its own config (debounce $DEBOUNCE_MS, default 1000) and backup root; `keepwatch once` fills
# the backup and writes state.json before the first run, so every start-up sees a valid state (a restart).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
WORK=${WORK:-/work/benchdata/watch}
DATA=${DATA:-/work/benchdata/data}
N=${N:-5}
EDITS=${EDITS:-1000}
IDLE=${IDLE:-60}
DEBOUNCE_MS=${DEBOUNCE_MS:-1000}
STATE_FLUSH_MS=${STATE_FLUSH_MS:-2000}
POLL_MS=${POLL_MS:-2}
FLAGS=${FLAGS:-}
ALT_FLAGS=${ALT_FLAGS:-}
BIG=${BIG:-B}
JAVA="java -Dfile.encoding=UTF-8 -Dsun.jnu.encoding=UTF-8"

command -v inotifywait > /dev/null || { echo "needs inotifywait: apt-get install inotify-tools" >&2; exit 1; }
if [ ! -f target/keepwatch.jar ] || [ -n "$(find src pom.xml -newer target/keepwatch.jar -print -quit)" ]; then
  mvn -B -q package -DskipTests
fi
mkdir -p "$WORK"

# --- data
if [ ! -f "$WORK/$BIG/.complete" ]; then
  if [ "$BIG" = B ] && [ -f "$DATA/B/.complete" ]; then
    rm -rf "$WORK/B.tmp-copy" && mkdir -p "$WORK/B.tmp-copy" && cp -a "$DATA/B/." "$WORK/B.tmp-copy/" && mv "$WORK/B.tmp-copy" "$WORK/B"
  elif [ "$BIG" = B ]; then
    $JAVA bench/GenData.java "$WORK" B 42
  else
    echo "no tree $WORK/$BIG" >&2; exit 1
  fi
fi
$JAVA bench/WatchBench.java gen "$WORK/S2000" 2000 10 20 42

config() { # tree
  mkdir -p "$WORK/cfg-$1"
  printf '{"sources": ["%s"], "backup_root": "%s", "log_dir": "%s", "watch": {"debounce_ms": %s, "state_flush_ms": %s}}\n' \
    "$WORK/$1" "$WORK/backup-$1" "$WORK/logs-$1" "$DEBOUNCE_MS" "$STATE_FLUSH_MS" > "$WORK/cfg-$1/config.json"
  if [ ! -f "$WORK/backup-$1/state.json" ]; then
    echo "first backup of $WORK/$1 (keepwatch once) ..." >&2
    $JAVA -jar target/keepwatch.jar once -c "$WORK/cfg-$1/config.json" > /dev/null 2> "$WORK/once-$1.log" \
      || { tail -5 "$WORK/once-$1.log" >&2; exit 1; }
  fi
}
config "$BIG"
config S2000

# --- noise: wait until no other benchmark runs
while [ -z "${NO_WAIT:-}" ] && pgrep -f 'rsync|GenData|bench/run.sh' > /dev/null; do
  echo "waiting: another benchmark is running ($(pgrep -fa 'rsync|GenData|bench/run.sh' | head -1 | cut -c1-80))" >&2
  sleep 30
done

echo "== keepwatch run benchmark (bench/watch.sh), $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo '+changes')"
echo "machine: $(nproc) cores, $(free -m | awk '/Mem:/{print $2}') MB RAM, $(java -version 2>&1 | head -1)"
echo "fs.inotify.max_user_watches = $(sysctl -n fs.inotify.max_user_watches)"
echo "big tree   $WORK/$BIG: $(find "$WORK/$BIG" -type f | wc -l) files, $(find "$WORK/$BIG" -mindepth 1 -type d | wc -l) folders"
echo "small tree $WORK/S2000: $(find "$WORK/S2000" -type f | wc -l) files, $(find "$WORK/S2000" -mindepth 1 -type d | wc -l) folders"
echo "N=$N EDITS=$EDITS IDLE=$IDLE s DEBOUNCE_MS=$DEBOUNCE_MS STATE_FLUSH_MS=$STATE_FLUSH_MS POLL_MS=$POLL_MS FLAGS='$FLAGS' ALT_FLAGS='$ALT_FLAGS'"
echo "uptime before: $(uptime)"
RUN=$WORK/run-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RUN"
$JAVA bench/WatchBench.java measure n="$N" edits="$EDITS" idle="$IDLE" hz="$(getconf CLK_TCK)" \
  debounce="$DEBOUNCE_MS" pollMs="$POLL_MS" jar="$REPO/target/keepwatch.jar" work="$RUN" \
  bigSrc="$WORK/$BIG" bigConfig="$WORK/cfg-$BIG/config.json" bigCopy="$WORK/backup-$BIG/$BIG" \
  bigDesc="$BIG ($(find "$WORK/$BIG" -type f | wc -l) files)" \
  smallSrc="$WORK/S2000" smallConfig="$WORK/cfg-S2000/config.json" smallCopy="$WORK/backup-S2000/S2000" \
  smallDesc="S2000 (2000 files)" flags="$FLAGS" altFlags="$ALT_FLAGS"
echo
echo "uptime after: $(uptime)"
echo "(keepwatch's stderr of each process, with seconds since its start: $RUN/*.log)"
