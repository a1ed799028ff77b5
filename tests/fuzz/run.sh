#!/bin/sh
# run.sh - `make fuzz`: runs each libFuzzer harness build/fuzz/fuzz_<name> for
# SECONDS on a seed corpus made from the repository's own files, and prints
# one line per harness: executions, seconds, and whether it found a crash.
#   sh tests/fuzz/run.sh SECONDS cfg data weights cifar image
#   FUZZ_RUNS=1000000 sh tests/fuzz/run.sh ...   (also stop after that many executions)
# The corpus grows in build/fuzz/corpus/<name> (kept between runs); a crashing
# input is left as build/fuzz/crash-<name>-*. Exit 1 if any harness failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
secs=${1:-60}
shift
O=build/fuzz
fails=0

# seed corpus: cfgs and .data files of the repository, a valid .weights file
# for fuzz_weights' network, CIFAR records and PNG images
seed() {
    mkdir -p "$O/corpus/$1" "$O/seed/$1"
    case $1 in
    cfg) cp cfg/*.cfg cfg/ablations/*.cfg "$O/seed/cfg/" ;;
    data) cp cfg/*.data "$O/seed/data/" ;;
    weights) # header 0.2.0, seen, then 2*(4+4*3*9)... floats: written by count below
        n=$2
        { printf '\000\000\000\000\002\000\000\000\000\000\000\000\020\000\000\000\000\000\000\000'
          head -c $((4 * n)) /dev/zero; } > "$O/seed/weights/zeros.weights" ;;
    cifar)
        b=${DN_CIFAR:-../shared/cifar}/cifar-10-batches-bin/data_batch_1.bin
        c=${DN_CIFAR:-../shared/cifar}/cifar-100-binary/train.bin
        if [ -f "$b" ]; then { printf '\000'; head -c 3073 "$b"; } > "$O/seed/cifar/c10.bin"; fi
        if [ -f "$c" ]; then { printf '\001'; head -c 3074 "$c"; } > "$O/seed/cifar/c100.bin"; fi
        { printf '\000\003'; head -c 3072 /dev/zero; } > "$O/seed/cifar/zero10.bin"
        printf '\002a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n' > "$O/seed/cifar/labels.txt" ;;
    image) # PNGs written by ./darknet's own code (cifar extract of two records)
        t=$(mktemp -d)
        mkdir "$t/bin"
        { printf '\001'; head -c 3072 /dev/urandom; printf '\002'; head -c 3072 /dev/zero; } > "$t/bin/data_batch_1.bin"
        printf 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n' > "$t/bin/batches.meta.txt"
        if [ -x ./darknet ] && ./darknet cifar extract "$t/bin" "$t/out" > /dev/null 2>&1; then
            cp "$t"/out/training/*.png "$O/seed/image/"
        fi
        printf 'P6\n32 32\n255\n' > "$O/seed/image/tiny.ppm"; head -c 3072 /dev/zero >> "$O/seed/image/tiny.ppm"
        rm -rf "$t" ;;
    esac
}

for name in "$@"; do
    bin=$O/fuzz_$name
    [ -x "$bin" ] || { echo "FAIL fuzz $name: $bin is not built (make fuzz_build)"; fails=$((fails + 1)); continue; }
    # fuzz_weights' network: 2 conv+BN (4x3x3x3, 4x4x3x3), SE(4->2->4), connected 4->10
    seed "$name" $((4 * 4 + 108 + 4 * 4 + 144 + 2 + 8 + 4 + 8 + 10 + 40))
    log=$O/fuzz_$name.log
    rm -f "$log"
    max_len=4096
    [ "$name" = cifar ] && max_len=12300
    [ "$name" = image ] && max_len=16384
    "$bin" "$O/corpus/$name" "$O/seed/$name" -max_total_time="$secs" -max_len=$max_len \
        -rss_limit_mb=2048 -timeout=60 -artifact_prefix="$O/crash-$name-" -print_final_stats=1 ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} > "$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    if [ "$rc" -eq 0 ]; then
        echo "ok   fuzz $name: ${runs:-?} executions in ${took:-$secs} s, no crash"
    else
        echo "FAIL fuzz $name: exit $rc after ${runs:-?} executions; see $log:"
        grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -5
        fails=$((fails + 1))
    fi
done
[ "$fails" -eq 0 ]
