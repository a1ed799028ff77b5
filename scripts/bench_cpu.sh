#!/bin/sh
# bench_cpu.sh - CPU speed of ./darknet against PyTorch on this machine, side by side.
#
#   scripts/bench_cpu.sh [-threads N] [-iters N] [-reps N] [-batch N] [-quick]
#                        [-max-other P] [-load] [network ...]
#
# For each network (default: resnet_20 res_se_net_20 se_resnet_20 resnet_110)
# and each mode (training: forward + backward + SGD update; inference:
# forward in eval mode) it runs `./darknet bench cfg/<net>.cfg` and
# scripts/bench_cpu_torch.py (PyTorch definitions of the same networks) one
# after the other, -reps times (default 3), alternating which goes first, and
# takes the median of each side's per-run medians (a run times -iters
# iterations, default 10, after 3 warm-up ones). So a machine that slows
# down or speeds up during the script affects both sides alike. It also
# measures the machine's SGEMM peak (sgemm 2048^3 through OpenBLAS on the
# same threads, best of 10) and prints one table:
#
#   img/s      images per second (batch / median iteration time), ours, PyTorch's, and
#              their ratio: the median over the back-to-back pairs of runs of ours / PyTorch
#   CPU ms/it  CPU time (user + system, all threads) per iteration: the cost
#              of an iteration independent of how much of the machine the
#              process got (on a busy machine wall time says little)
#   RSS MB     peak resident memory of the process (getrusage), ours and PyTorch's
#   GFLOP/s    ours: whole network and the convolution layers alone
#              (2 flops per multiply-accumulate; a training image counts 3x
#              the forward MACs), and the latter as % of the SGEMM peak
#
# A table is only worth quoting from a quiet machine. The script reads the
# machine's busy CPU time (/proc/stat) before and after each row and takes
# away its own and its children's (/proc/self/stat of this shell): what is
# left is CPU that other processes used, shown per row as "other%" (percent
# of all cores' time) and summed at the end. Above -max-other (default 3)
# percent the table is marked NOT VALID: other work then slows both sides
# unevenly (PyTorch loses more than we do, which flatters the ratio). The
# load average at the start and end and the CPU model are printed too.
#
# -load runs the table under a stated load instead: one `nice -n 15` busy
# loop started by the script (its CPU is shown apart and not counted in
# other%). Compare such a table's -threads 2 with a -threads 1 one: two
# threads must not be slower than one.
#
# -quick runs 3 pairs of 5 timed iterations (instead of -reps 3 -iters 10):
# resnet_20 res_se_net_20 resnet_110 take about 3 minutes on a quiet
# 2-core machine (the default settings about 5, -reps 5 about 8); the
# script prints how long it took.
#
# Both sides run with the same environment: OMP_NUM_THREADS (=-threads,
# default all cores) and glibc's malloc kept from returning memory to the
# system (MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=...), which PyTorch needs
# to keep its deeper networks from slowing down on page faults (we allocate
# everything once, so it makes no difference to us). Needs Debian's
# python3-torch (/usr/bin/python3); builds ./darknet if it is missing.
set -eu
cd "$(dirname "$0")/.."

threads=$(nproc)
iters=10
reps=3
batch=128
max_other=3
load=0
nets=""
while [ $# -gt 0 ]; do
    case "$1" in
    -threads) threads=$2; shift 2 ;;
    -iters) iters=$2; shift 2 ;;
    -reps) reps=$2; shift 2 ;;
    -batch) batch=$2; shift 2 ;;
    -quick) reps=3; iters=5; shift ;;
    -max-other) max_other=$2; shift 2 ;;
    -load) load=1; shift ;;
    -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench_cpu.sh: unknown option $1" >&2; exit 2 ;;
    *) nets="$nets $1"; shift ;;
    esac
done
[ -n "$nets" ] || nets="resnet_20 res_se_net_20 se_resnet_20 resnet_110"
PY=/usr/bin/python3
if ! $PY -c 'import torch' 2>/dev/null; then
    echo "bench_cpu.sh: $PY cannot import torch (apt-get install python3-torch)" >&2
    exit 1
fi
[ -x ./darknet ] || make -s darknet >&2

export OMP_NUM_THREADS="$threads"
export MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736
tmp=$(mktemp -d)
loadpid=
trap 'rm -rf "$tmp"; [ -z "$loadpid" ] || kill "$loadpid"' EXIT

# CPU time in clock ticks (USER_HZ): busy time of all cores (user, nice,
# system, irq, softirq, steal), total time of all cores, and the time of
# this shell plus its waited-for children (utime stime cutime cstime)
cpu_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
cpu_total() { awk '/^cpu / {print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit}' /proc/stat; }
cpu_self() {
    s=$(sed 's/.*) //' /proc/$$/stat | awk '{print $12 + $13 + $14 + $15}')
    [ -z "$loadpid" ] || s=$((s + $(sed 's/.*) //' /proc/"$loadpid"/stat | awk '{print $12 + $13}')))
    echo "$s"
}
# other% between two snapshots "busy total self" in $1 and $2
other_pct() {
    echo "$1 $2" | awk '{t = $5 - $2; o = ($4 - $1) - ($6 - $3); if (o < 0) o = 0; printf "%.1f", (t > 0 ? 100 * o / t : 0)}'
}
snapshot() { echo "$(cpu_busy) $(cpu_total) $(cpu_self)"; }

# value of key in a "bench key=value ..." line
field() { sed -n "s/^bench .*[ ]$1=\([^ ]*\).*/\1/p" "$2" | tail -n 1; }
median() { sort -g | awk '{a[NR] = $1} END {if (NR) print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
# median over the runs in file $2 of key $1
med() { sed -n "s/^bench .*[ ]$1=\([^ ]*\).*/\1/p" "$2" | median; }

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(getconf _NPROCESSORS_ONLN) cores; threads $threads;" \
    "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-default};" \
    "GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-default (./darknet: 1000)}"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$load" = 1 ]; then
    nice -n 15 sh -c 'while :; do :; done' &
    loadpid=$!
    load0=$(sed 's/.*) //' /proc/"$loadpid"/stat | awk '{print $12 + $13}')
    echo "STATED LOAD: one nice -n 15 busy loop (pid $loadpid) runs beside the table"
fi
start_s=$(date +%s)
start_snap=$(snapshot)
worst=0
echo "PyTorch $($PY -c 'import torch; print(torch.__version__)'); ./darknet $(git describe --always --dirty 2>/dev/null || echo '(no git)')"

./darknet bench gemm -iters 10 > "$tmp/gemm" 2>&1
peak=$(field best_gflops "$tmp/gemm")
echo "SGEMM 2048^3 (OpenBLAS, $threads threads): best $peak GFLOP/s, median $(field gflops "$tmp/gemm")"
echo

printf '%-14s %-5s | %8s %8s %6s | %8s %8s | %7s %7s | %7s %7s %6s | %6s\n' \
    network mode "ours" "PyTorch" ratio "ours" "PyTorch" "ours" "PyTorch" "net" "conv" "conv%" "other%"
printf '%-14s %-5s | %24s | %17s | %15s | %22s |\n' "" "" "images/s" "CPU ms/iteration" "peak RSS MB" "ours GFLOP/s (% SGEMM)"
for net in $nets; do
    for mode in train infer; do
        tr=1; [ $mode = infer ] && tr=0
        : > "$tmp/ours"; : > "$tmp/torch"; : > "$tmp/ratios"
        row_snap=$(snapshot)
        r=1
        while [ $r -le "$reps" ]; do
            ours_cmd="./darknet bench cfg/$net.cfg -batch $batch -iters $iters -train $tr"
            torch_cmd="$PY scripts/bench_cpu_torch.py $net --batch $batch --iters $iters --train $tr --threads $threads"
            if [ $((r % 2)) -eq 1 ]; then
                $ours_cmd > "$tmp/o" 2>&1 || { cat "$tmp/o" >&2; exit 1; }
                $torch_cmd > "$tmp/t" 2>&1 || { cat "$tmp/t" >&2; exit 1; }
            else
                $torch_cmd > "$tmp/t" 2>&1 || { cat "$tmp/t" >&2; exit 1; }
                $ours_cmd > "$tmp/o" 2>&1 || { cat "$tmp/o" >&2; exit 1; }
            fi
            grep '^bench' "$tmp/o" >> "$tmp/ours"
            grep '^bench' "$tmp/t" >> "$tmp/torch"
            awk -v a="$(field img_s "$tmp/o")" -v b="$(field img_s "$tmp/t")" 'BEGIN {print a / b}' >> "$tmp/ratios"
            r=$((r + 1))
        done
        oi=$(med img_s "$tmp/ours"); ti=$(med img_s "$tmp/torch")
        oc=$(med cpu_ms "$tmp/ours"); tc=$(med cpu_ms "$tmp/torch")
        orss=$(med rss_mb "$tmp/ours"); trss=$(med rss_mb "$tmp/torch")
        og=$(med gflops "$tmp/ours"); ocg=$(med conv_gflops "$tmp/ours")
        ratio=$(median < "$tmp/ratios")
        other=$(other_pct "$row_snap" "$(snapshot)")
        worst=$(awk -v a="$worst" -v b="$other" 'BEGIN {print (b > a ? b : a)}')
        awk -v n="$net" -v m="$mode" -v oi="$oi" -v ti="$ti" -v r="$ratio" -v oc="$oc" -v tc="$tc" \
            -v orss="$orss" -v trss="$trss" -v og="$og" -v ocg="$ocg" -v pk="$peak" -v ot="$other" 'BEGIN {
            printf "%-14s %-5s | %8.1f %8.1f %5.2fx | %8.0f %8.0f | %7.0f %7.0f | %7.1f %7.1f %5.0f%% | %5.1f%%\n",
                n, m, oi, ti, r, oc, tc, orss, trss, og, ocg, 100 * ocg / pk, ot }'
    done
done
all=$(other_pct "$start_snap" "$(snapshot)")
echo
took=$(($(date +%s) - start_s))
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); took $took s"
if [ -n "$loadpid" ]; then
    lt=$(sed 's/.*) //' /proc/"$loadpid"/stat | awk '{print $12 + $13}')
    echo "the busy loop used $(awk -v t=$((lt - load0)) -v s="$took" -v c="$(getconf _NPROCESSORS_ONLN)" 'BEGIN {printf "%.1f", (s > 0 ? t / s / c : 0)}')% of the machine's CPU time"
fi
if awk -v a="$all" -v w="$worst" -v m="$max_other" 'BEGIN {exit !(a != "" && a <= m && w <= m)}'; then
    [ -z "$loadpid" ] || printf 'UNDER STATED LOAD, otherwise '
    echo "VALID: other processes used $all% of the machine's CPU time during the table (at most $worst% in a row;"
    echo "limit $max_other%)"
else
    echo "NOT VALID: other processes used $all% of the machine's CPU time during the table (up to $worst% in a"
    echo "row; limit $max_other%): rerun on a quiet machine before quoting any figure"
fi
echo "images/s, CPU ms, RSS, GFLOP/s: medians over $reps runs of each side (each run: the median of $iters"
echo "iterations after 3 warm-up ones, batch $batch); ratio: the median over the $reps back-to-back pairs of"
echo "ours/PyTorch images/s (a pair sees about the same machine load); other%: CPU time that other"
echo "processes used during the row, as a percentage of all cores' time"
