#!/bin/bash
# bench/rest.sh JAR LABEL [CONFIG] [IDLE]: runs `keepwatch run` with JAR on CONFIG's existing backup root (default: the
# backup of data set C that bench/scale.sh leaves, /work/benchdata/work-C/kw.json) until its log says Ready, then prints
# the time to Ready, the start-up line and VmRSS after IDLE seconds (default 30) idle. The JVM flags are the launcher's
# (packaging/bin/keepwatch) long-running ones. Run it with the backup root's service stopped; two jars one after the
# other in the same minutes give a comparison.
set -euo pipefail
JAR=${1:?jar}; L=${2:?label}; CONFIG=${3:-/work/benchdata/work-C/kw.json}; IDLE=${4:-30}
JAVA=(java -Dfile.encoding=UTF-8 -Dsun.jnu.encoding=UTF-8 -XX:+ExitOnOutOfMemoryError -XX:MinHeapFreeRatio=10
      -XX:MaxHeapFreeRatio=30 -XX:G1PeriodicGCInterval=10000 --add-opens java.base/sun.nio.fs=ALL-UNNAMED)
LOG=$(dirname "$CONFIG")/run-$L.log
t0=$(date +%s.%N)
"${JAVA[@]}" -jar "$JAR" run -c "$CONFIG" >"$LOG" 2>&1 &
pid=$!
until grep -q 'Ready' "$LOG"; do kill -0 $pid 2>/dev/null || { tail -5 "$LOG"; exit 1; }; sleep 0.1; done
t1=$(date +%s.%N)
sleep "$IDLE"
rss=$(awk '/VmRSS/{print $2}' /proc/$pid/status); hwm=$(awk '/VmHWM/{print $2}' /proc/$pid/status)
kill $pid; wait $pid 2>/dev/null || true
echo "$L: Ready $(echo "$t1 - $t0" | bc) s; RSS after $IDLE s idle $((rss/1024)) MB (peak $((hwm/1024)) MB); $(grep -o 'Start-up:.*' "$LOG" | head -1)"
