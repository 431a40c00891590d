#!/usr/bin/env bash
# Start-up of `keepwatch run` until "Ready" (watching and reconciled), for one or more jars interleaved, beside
# `inotifywait -r` on the same source in the same minutes (the machine is shared: compare ratios). Each run is
# started with bench/scale.sh's JVM flags, timed until its log says Ready, its CPU read, then stopped (SIGTERM);
# each prints its start-up phase line. The config's backup root must hold a backup of SRC already (a restart), with a
# current metadata index: with none, or one an older format wrote, a new jar's run loads the state first; run
# `java -jar NEW.jar once -c CONFIG` on it once before timing (a `once` that finds nothing changed writes the index).
#
# LAUNCHER=1 runs each jar the way the installed service runs (systemd's ExecStart is the launcher): through
# packaging/bin/keepwatch with the jar as lib/keepwatch.jar, in an installation made here per jar, its class-data
# archive made (`keepwatch --version`) before anything is timed; the flags are then the launcher's, not FLAGS.
#
#   CONFIG=/work/benchdata/mine/kwB.json SRC=/work/benchdata/data/B N=2 bench/ready.sh OLD.jar target/keepwatch.jar
#   LAUNCHER=1 CONFIG=... SRC=... N=3 bench/ready.sh target/keepwatch.jar
set -euo pipefail
: "${CONFIG:?CONFIG=the config file}" "${SRC:?SRC=the source folder (for inotifywait -r)}"
N=${N:-1}
[[ $# -ge 1 ]] || { echo "usage: CONFIG=... SRC=... bench/ready.sh JAR [JAR...]" >&2; exit 2; }
command -v inotifywait > /dev/null || { echo "needs inotifywait: apt-get install inotify-tools" >&2; exit 1; }
JAVA="java -Dfile.encoding=UTF-8 -Dsun.jnu.encoding=UTF-8 -XX:+ExitOnOutOfMemoryError -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:G1PeriodicGCInterval=10000 --add-opens java.base/sun.nio.fs=ALL-UNNAMED ${FLAGS:-}"
LOGS=$(mktemp -d)
REPO=$(cd "$(dirname "$0")/.." && pwd)
install_app() {  # install_app JAR DIR: an installation of JAR with the repo's launcher and logging setup
  mkdir -p "$2/bin" "$2/lib" "$2/conf"
  cp "$REPO/packaging/bin/keepwatch" "$2/bin/keepwatch"
  cp "$1" "$2/lib/keepwatch.jar"
  cp "$REPO/src/main/resources/keepwatch-logback.xml" "$2/conf/logback.xml"
  "$2/bin/keepwatch" --version > /dev/null
}
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc -l; }
inw() {
  local f=$LOGS/inotifywait.err t0 pid
  t0=$(now)
  inotifywait -r -e modify,create,delete,move "$SRC" > /dev/null 2> "$f" &
  pid=$!
  until grep -q established "$f"; do kill -0 $pid 2>/dev/null || { cat "$f" >&2; exit 1; }; sleep 0.02; done
  printf 'inotifywait -r: %.2f s\n' "$(since "$t0")"
  kill $pid; wait $pid 2>/dev/null || true
}
ready() {  # ready JAR LOG [APP]
  local t0 pid cpu r
  t0=$(now)
  if [[ -n ${3:-} ]]; then
    "$3/bin/keepwatch" run -c "$CONFIG" > "$2" 2>&1 &
  else
    $JAVA -jar "$1" run -c "$CONFIG" > "$2" 2>&1 &
  fi
  pid=$!
  until grep -q 'Ready' "$2" 2>/dev/null; do
    kill -0 $pid 2>/dev/null || { tail -5 "$2" >&2; echo "keepwatch run ended before Ready" >&2; exit 1; }
    sleep 0.05
  done
  r=$(since "$t0")
  cpu=$(awk '{print ($14+$15)/100}' "/proc/$pid/stat")
  kill -TERM $pid; wait $pid || true
  printf '%s: Ready %.2f s, %.1f CPU-s | %s\n' "$1" "$r" "$cpu" "$(grep -o 'Start-up:.*' "$2")"
}
k=0
if [[ ${LAUNCHER:-0} == 1 ]]; then
  for jar in "$@"; do k=$((k + 1)); install_app "$jar" "$LOGS/app-$k"; done
fi
echo "== bench/ready.sh $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg), source $SRC$([[ ${LAUNCHER:-0} == 1 ]] && echo ', through the launcher')"
for ((rep = 1; rep <= N; rep++)); do
  inw
  k=0
  for jar in "$@"; do
    k=$((k + 1))
    ready "$jar" "$LOGS/run-$rep-$k.log" "$([[ ${LAUNCHER:-0} == 1 ]] && echo "$LOGS/app-$k")"
  done
done
echo "(logs: $LOGS)"
