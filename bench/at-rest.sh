# Sourced by bench/scale.sh and bench/rest.sh (bash): the resident memory of a `keepwatch run` at rest.
#
# "Ready" is not "at rest": a service that became Ready from its metadata index then loads state.json (2-5 s on C),
# and the status page counts the backup root's disk use, a walk of every file of the backup (on C, 1,000,000 files:
# 15-40 s and 5-13 CPU-s after Ready). Both allocate, and the heap grows for the load; G1 gives the heap back only at
# the end of a concurrent cycle, which it starts by itself once 10 s have passed without a collection
# (-XX:G1PeriodicGCInterval=10000, checked every 10 s), so up to about 20 s after the last collection the work
# caused. A reading at a fixed time after Ready catches the peak or the shrunk heap depending on how long that work
# took (docs/benchmarks.md, "C's RSS at rest: when to read it").
#
# rest_measure PID IDLE OUT: samples the process about once a second from now (call it at Ready) and waits for rest:
# the process used at most REST_CPU_PCT % of one core (default 4) over the last REST_WINDOW samples (default 5). It
# then reads VmRSS IDLE s later. Gives up REST_MAX s (default 600) after Ready and reports the reading then, marked
# "never at rest". Writes a line a sample to OUT (s since Ready, VmRSS MB, VmHWM MB, CPU-s) and sets REST_AT (s after
# Ready when the quiet window was seen, or "never"), REST_RSS, REST_HWM (MB), RSS_FIXED (MB at Ready + IDLE s, the
# reading the scripts printed before) and REST_LINE (a summary for the report).
rest_measure() {
    local pid=$1 idle=$2 out=$3
    local window=${REST_WINDOW:-5} pct=${REST_CPU_PCT:-4} max=${REST_MAX:-600}
    local hz t0 t i=0 ticks rss hwm until=
    local -a tk=() tm=()
    hz=$(getconf CLK_TCK)
    t0=$(date +%s.%N)
    REST_AT=never RSS_FIXED=
    : > "$out"
    while kill -0 "$pid" 2>/dev/null; do
        t=$(echo "$(date +%s.%N) - $t0" | bc -l)
        ticks=$(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')
        rss=$(awk '/VmRSS/{print int($2 / 1024)}' "/proc/$pid/status")
        hwm=$(awk '/VmHWM/{print int($2 / 1024)}' "/proc/$pid/status")
        tk[i]=$ticks tm[i]=$t
        printf '%.1f\t%s\t%s\t%.2f\n' "$t" "$rss" "$hwm" "$(echo "$ticks / $hz" | bc -l)" >> "$out"
        if [[ -z $RSS_FIXED ]] && (($(echo "$t >= $idle" | bc))); then RSS_FIXED=$rss; fi
        # at rest: at most pct % of one core over the last `window` samples (about one a second)
        if [[ -z $until ]] && ((i >= window)) \
            && (($(echo "($ticks - ${tk[i - window]}) / $hz <= $pct / 100 * ($t - ${tm[i - window]})" | bc -l))); then
            REST_AT=$(printf %.0f "$t")
            until=$(echo "$t + $idle" | bc -l)
        fi
        if [[ -n $until ]] && (($(echo "$t >= $until && $t >= $idle" | bc -l))); then break; fi
        if [[ -z $until ]] && (($(echo "$t >= $max" | bc -l))); then break; fi
        sleep 1
        i=$((i + 1))
    done
    kill -0 "$pid" 2>/dev/null || { echo "keepwatch run ended while its memory was measured" >&2; return 1; }
    REST_RSS=$rss REST_HWM=$hwm
    if [[ $REST_AT == never ]]; then
        REST_LINE=$(printf '%s MB, never at rest within %s s of Ready (above %s%% of a core in every %s s); peak %s MB' \
            "$REST_RSS" "$max" "$pct" "$window" "$REST_HWM")
    else
        REST_LINE=$(printf '%s MB, %s s after the service came to rest (Ready + %s s: state loaded, disk use counted); peak %s MB; at Ready + %s s %s MB' \
            "$REST_RSS" "$idle" "$REST_AT" "$REST_HWM" "$idle" "${RSS_FIXED:-?}")
    fi
}
