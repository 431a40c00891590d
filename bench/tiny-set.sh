# Sourced by bench scripts for --tiny: a small random tree, to check that a script runs end to end (not to measure).
# tiny_set DIR FILES MAX_BYTES BIG_FILES [SEED]: FILES random files of up to MAX_BYTES in 10 folders, and BIG_FILES
# of 4 MiB; written to DIR.tmp and renamed to DIR when complete (DIR/.complete names the seed).
tiny_set() {
    local dir=$1 files=$2 max=$3 big=$4 seed=${5:-${SEED:-42}} i
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    for ((i = 0; i < files; i++)); do
        mkdir -p "$dir.tmp/d$((i % 10))"
        head -c $((RANDOM * RANDOM % max)) /dev/urandom >"$dir.tmp/d$((i % 10))/f$i.bin"
    done
    for ((i = 0; i < big; i++)); do head -c 4194304 /dev/urandom >"$dir.tmp/big$i.bin"; done
    echo "seed=$seed tiny" >"$dir.tmp/.complete"
    mv "$dir.tmp" "$dir"
}
