#!/bin/sh
# scripts/bench_gpu.sh - our training throughput next to PyTorch's, same
# network, batch and GPU, in one run: ResNet-20 and Res-SE-Net-110 at batch
# 128 (images/s and ms per iteration), plus what the paper's schedule
# (64k iterations) would take at that speed.
#
#   make GPU=1 CUDNN=1                  (builds ./darknet with CUDA)
#   sh scripts/bench_gpu.sh             (from the repository root)
#
# Environment: BATCH (128), NETS ("resnet_20 res_se_net_110"), ITERS (100),
# WARMUP (10), DEVICE (0), TF32=1 (allow TF32 on both sides; default strict
# FP32 on both), PYTHON (python3, needs torch with CUDA; its column is left
# empty without it). Both sides use synthetic data and upload each batch from
# host memory; ours is ./darknet bench -gpus N (the training loop's calls), theirs
# scripts/bench_torch.py (our networks written in PyTorch).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
BATCH=${BATCH:-128}
NETS=${NETS:-"resnet_20 res_se_net_110"}
ITERS=${ITERS:-100}
WARMUP=${WARMUP:-10}
DEVICE=${DEVICE:-0}
PY=${PYTHON:-python3}
OURS_FLAGS=""
TORCH_FLAGS=""
MODE="strict FP32"
if [ "${TF32:-0}" = 1 ]; then OURS_FLAGS="-tf32"; TORCH_FLAGS="--tf32"; MODE="TF32 allowed"; fi

if [ ! -x ./darknet ]; then
    echo "bench_gpu.sh: ./darknet is missing: make GPU=1 CUDNN=1" >&2
    exit 2
fi
have_torch=1
if ! "$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    echo "bench_gpu.sh: no PyTorch with CUDA in $PY: its column stays empty" >&2
    have_torch=0
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bench_gpu.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
fail=0
for net in $NETS; do
    # deep networks take longer per iteration: fewer timed iterations
    it=$ITERS
    case $net in *_110|*_56) it=$((ITERS / 2 > 10 ? ITERS / 2 : 10)) ;; esac
    echo "== $net, batch $BATCH, $it iterations"
    if ./darknet bench "cfg/$net.cfg" -batch "$BATCH" -iters "$it" -warmup "$WARMUP" -gpus "$DEVICE" $OURS_FLAGS \
        >"$TMP/ours.$net" 2>&1; then
        grep -v '^bench ' "$TMP/ours.$net"
    else
        cat "$TMP/ours.$net"; fail=1
    fi
    if [ $have_torch = 1 ]; then
        if CUDA_VISIBLE_DEVICES=$DEVICE "$PY" scripts/bench_torch.py --net "$net" --batch "$BATCH" --iters "$it" \
            --warmup "$WARMUP" $TORCH_FLAGS >"$TMP/torch.$net" 2>&1; then
            grep -v '^RESULT' "$TMP/torch.$net"
        else
            cat "$TMP/torch.$net"; fail=1
        fi
    fi
done

echo
printf '%-16s %5s | %10s %9s | %10s %9s | %6s | %s\n' network batch "ours img/s" "ours ms" "torch img/s" "torch ms" \
    "ratio" "64k iterations (ours)"
for net in $NETS; do
    o=$(grep '^bench ' "$TMP/ours.$net" 2>/dev/null)
    t=$(grep '^RESULT' "$TMP/torch.$net" 2>/dev/null)
    oi=$(echo "$o" | tr ' ' '\n' | sed -n 's/^img_s=//p'); om=$(echo "$o" | tr ' ' '\n' | sed -n 's/^median_ms=//p')
    ti=$(echo "$t" | awk '{print $5}'); tm=$(echo "$t" | awk '{print $6}')
    ratio=$(awk -v a="$oi" -v b="$ti" 'BEGIN { if (a != "" && b != "" && b > 0) printf "%.2fx", a / b; else print "-" }')
    eta=$(awk -v m="$om" 'BEGIN { if (m != "") printf "%.1f min", m * 64000 / 60000; else print "-" }')
    printf '%-16s %5s | %10s %9s | %10s %9s | %6s | %s\n' "$net" "$BATCH" "${oi:--}" "${om:--}" "${ti:--}" "${tm:--}" \
        "$ratio" "$eta"
done
echo "(ratio = our images/s over PyTorch's; $MODE on both sides)"
exit $fail
