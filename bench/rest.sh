#!/bin/bash
# bench/rest.sh JAR LABEL [CONFIG] [IDLE]: runs `keepwatch run` with JAR on CONFIG's existing backup root (default: the
# backup of data set C that `KEEP=1 bench/scale.sh` leaves, /work/benchdata/work-C/kw.json) until its log says Ready,
# then prints the time to Ready, the start-up line and VmRSS IDLE seconds (default 30) after the service came to rest
# (bench/at-rest.sh: state.json loaded after Ready, the status page's count of the backup root's disk use done), with
# the reading at Ready + IDLE s beside it; every second goes to run-LABEL.rss beside the config. The JVM flags are the
# launcher's (packaging/bin/keepwatch) long-running ones. Run it with the backup root's service stopped; two jars one
# after the other in the same minutes give a comparison.
set -euo pipefail
JAR=${1:?jar}; L=${2:?label}; CONFIG=${3:-/work/benchdata/work-C/kw.json}; IDLE=${4:-30}
JAVA=(java -Dfile.encoding=UTF-8 -Dsun.jnu.encoding=UTF-8 -XX:+ExitOnOutOfMemoryError -XX:MinHeapFreeRatio=10
      -XX:MaxHeapFreeRatio=30 -XX:G1PeriodicGCInterval=10000 --add-opens java.base/sun.nio.fs=ALL-UNNAMED)
LOG=$(dirname "$CONFIG")/run-$L.log
. "$(dirname "$0")/at-rest.sh"
t0=$(date +%s.%N)
"${JAVA[@]}" -jar "$JAR" run -c "$CONFIG" >"$LOG" 2>&1 &
pid=$!
until grep -q 'Ready' "$LOG"; do kill -0 $pid 2>/dev/null || { tail -5 "$LOG"; exit 1; }; sleep 0.1; done
t1=$(date +%s.%N)
rest_measure $pid "$IDLE" "${LOG%.log}.rss" || { tail -5 "$LOG"; exit 1; }
kill $pid; wait $pid 2>/dev/null || true
echo "$L: Ready $(echo "$t1 - $t0" | bc) s; RSS at rest $REST_LINE; $(grep -o 'Start-up:.*' "$LOG" | head -1)"
