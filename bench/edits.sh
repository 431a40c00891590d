#!/usr/bin/env bash
# What `keepwatch run` costs per change (issue 14), on data set B (200,000 files):
#   - bytes written by the service per small edit, at RATE edits/s for SECONDS s (write_bytes of /proc/PID/io:
#     state, journal, logs, copies and versions together), beside the bytes the edits themselves wrote;
#   - resident memory at rest (after IDLE s without changes) and at the peak of a burst of BURST edits.
#
#   bench/edits.sh                                  # RATE=2 SECONDS=60 BURST=1000 IDLE=20, the built jar
#   JAR=/path/to/other/keepwatch.jar bench/edits.sh # another build (its own copy of the tree and backup)
#   FLAGS="-Xmx256m" bench/edits.sh                 # extra JVM flags
#
# Data (outside the repo): a copy of data set B in $WORK/<label>/B (default WORK=/work/benchdata/edits), copied
# from $DATA/B (bench/GenData.java, seed 42), backed up once with `keepwatch once` before the service starts, so the
# service starts on a valid state (a restart), as it would in production.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
WORK=${WORK:-/work/benchdata/edits}
DATA=${DATA:-/work/benchdata/data}
JAR=${JAR:-$REPO/target/keepwatch.jar}
RATE=${RATE:-2}
SECONDS_=${SECONDS_:-60}
BURST=${BURST:-1000}
IDLE=${IDLE:-20}
FLAGS=${FLAGS:-}
JAVA="java -Dfile.encoding=UTF-8 -Dsun.jnu.encoding=UTF-8"

if [ -z "${JAR_GIVEN:-}" ] && [ "$JAR" = "$REPO/target/keepwatch.jar" ] && { [ ! -f "$JAR" ] || [ -n "$(find src pom.xml -newer "$JAR" -print -quit)" ]; }; then
  mvn -B -q package -DskipTests
fi
[ -f "$DATA/B/.complete" ] || $JAVA bench/GenData.java "$DATA" B 42
label=$(sha1sum "$JAR" | cut -c1-10)
T=$WORK/$label
rm -rf "$T" && mkdir -p "$T"
cp -a "$DATA/B" "$T/B"
printf '{"sources": ["%s"], "backup_root": "%s", "log_dir": "%s"}\n' "$T/B" "$T/backup" "$T/logs" > "$T/config.json"
echo "== keepwatch run: bytes written per edit and memory (bench/edits.sh), $(date -u +%FT%TZ), jar $JAR ($label), commit $(git rev-parse --short HEAD)"
echo "machine: $(nproc) cores, $(free -m | awk '/Mem:/{print $2}') MB RAM; uptime: $(uptime)"
echo "first backup (keepwatch once) ..."
$JAVA -jar "$JAR" once -c "$T/config.json" > "$T/once.log" 2>&1 || { tail -5 "$T/once.log"; exit 1; }
$JAVA bench/EditsBench.java jar="$JAR" config="$T/config.json" src="$T/B" copy="$T/backup/B" \
  rate="$RATE" seconds="$SECONDS_" burst="$BURST" idle="$IDLE" flags="$FLAGS"
echo "targets (issue 14): bytes_per_edit <= 65536; rss_rest_mb <= 256; rss_burst_peak_mb <= 320"
rm -rf "$T"
