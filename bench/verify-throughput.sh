#!/usr/bin/env bash
# Measures `keepwatch verify` hashing throughput on large files.
#
#   bench/verify-throughput.sh            # 4 files of 512 MiB (2 GiB), sha256
#   FILES=8 SIZE_MB=256 ALGO=sha512 bench/verify-throughput.sh
#
# Backs up FILES random files of SIZE_MB MiB into a temp backup root, then runs `verify` RUNS times and
# prints the best throughput. The files are read right after being written, so they are in the page
# cache: this measures hashing (CPU) and keepwatch's reading path, not the disk. The figure uses the
# time verify itself reports (JVM start-up excluded) and, for reference, the whole command's wall time.
# On a shared machine the wall-clock figure depends on what else runs; the MiB per CPU-second figure
# (bytes / (user + sys CPU time of the verify process, JVM start-up included)) does not, and times the
# number of idle cores bounds what verify reaches on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${FILES:-4}
SIZE_MB=${SIZE_MB:-512}
RUNS=${RUNS:-3}
ALGO=${ALGO:-sha256}

if [ ! -f target/keepwatch.jar ] || [ -n "$(find src -newer target/keepwatch.jar -print -quit)" ]; then
  mvn -B -q -o package -DskipTests
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/source"
for i in $(seq 1 "$FILES"); do
  head -c $((SIZE_MB << 20)) /dev/urandom > "$work/source/big-$i.bin"
done
printf '{"sources": ["./source"], "backup_root": "./backup", "log_dir": "./logs", "hash_algorithm": "%s"}\n' "$ALGO" > "$work/config.json"
java -jar target/keepwatch.jar once -c "$work/config.json" > /dev/null 2>&1
rm -rf "$work/source"   # free the page cache for the backup copies

total_mb=$((FILES * SIZE_MB))
best=""
for r in $(seq 1 "$RUNS"); do
  start=$(date +%s.%N)
  TIMEFORMAT='%U %S'
  { cpu=$( { time java -jar target/keepwatch.jar verify -c "$work/config.json" > "$work/out" ; } 2>&1 ); }
  out=$(cat "$work/out")
  end=$(date +%s.%N)
  secs=$(sed -n 's/.* in \([0-9.]*\) s;.*/\1/p' <<< "$out")
  mbs=$(awk -v mb="$total_mb" -v s="$secs" 'BEGIN { printf "%.0f", mb / s }')
  wall=$(awk -v mb="$total_mb" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", mb / (b - a) }')
  echo "run $r: $out"
  percpu=$(awk -v mb="$total_mb" -v c="$cpu" 'BEGIN { split(c, t, " "); printf "%.0f", mb / (t[1] + t[2]) }')
  echo "run $r: ${total_mb} MiB in ${secs} s = ${mbs} MiB/s hashing (${wall} MiB/s including JVM start-up);" \
       "CPU time ${cpu% *} user + ${cpu#* } sys = ${percpu} MiB per CPU-second"
  if [ -z "$best" ] || [ "$mbs" -gt "$best" ]; then best=$mbs; fi
done
echo "best: ${best} MiB/s ($ALGO, $FILES x $SIZE_MB MiB, $(nproc) cores)"
