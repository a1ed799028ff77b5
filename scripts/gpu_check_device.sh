#!/bin/sh
# scripts/gpu_check_device.sh - the one prepared check run of the GPU path
# (issue 13, docs/gpu.md): on a machine with one NVIDIA GPU, in under 9
# minutes, with no network and no installs, from the repository's working
# tree alone. Five steps, each under its own time limit; a failing step does
# not stop the later ones. Writes one log per step and summary.txt (the
# table, also printed at the end) to the output folder.
#
#   sh scripts/gpu_check_device.sh --prepare   (here, beside ../shared: fills
#        gpu_run/, an ignored folder: the CIFAR subset and the stb headers)
#   sh scripts/gpu_check_device.sh [OUTDIR]    (on the GPU machine, from the
#        repository root; OUTDIR defaults to $OUT, else ./gpu_out)
#
# gpu_run/ is ignored by git (.gitignore), so a copy of the working tree
# that only takes tracked and unignored files must be told to take it too
# (the device tool's `carry`: ["gpu_run"]).
#
# Steps:
#   1 build    make GPU=1 CUDNN=1 darknet gpu_check for the GPU that
#              nvidia-smi reports (compute_cap; sm_90 if none is found).
#              Fallbacks, each said in the log: nvcc from CUDA_PATH, PATH or
#              the nvidia-cuda-nvcc wheel; cuDNN from CUDA_PATH, the system,
#              or the nvidia-cudnn wheel (found with
#              list(nvidia.cudnn.__path__)[0]), else CUDNN=0 (the cuDNN path
#              is then NOT tested: the summary says so); no OpenBLAS:
#              OPENBLAS=0; no libstb-dev: a static libstb built from
#              gpu_run/stb (--prepare copies /usr/include/stb there).
#   2 gpu_check  build/gpu_check, every case (layers on cuDNN and im2col,
#              exact convolutions at batch 128, large tensors, training,
#              augmentation).
#   3 sanitize compute-sanitizer memcheck and racecheck on a few small
#              gpu_check cases.
#   4 speed    batch 128, ours (./darknet bench -gpus 0) and PyTorch
#              (scripts/bench_torch.py) in the same run: resnet_20,
#              res_se_net_20, resnet_110, training and inference: images/s,
#              ms/iteration, kernels per iteration (ours: cuda_launch_count,
#              our kernels + one per cuBLAS/cuDNN call; PyTorch:
#              torch.profiler's CUDA kernels) and the convolution path.
#   5 train    ResNet-20 on the CIFAR-10 subset (gpu_run/cifar), batch 128,
#              200 iterations (12.8 epochs of its 2000 images), the same seed on the CPU and the GPU at the
#              same time: the first 3 losses within 1e-4 relative, and
#              validation top-1 within 1 point.
#
# Environment: TOTAL (seconds for everything, default 520), JOBS (make -j,
# default nproc), CUDA_PATH, ARCH (overrides the detected architecture).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1

if [ "${1:-}" = --prepare ]; then
    src=${DN_CIFAR:-../shared/cifar}
    mkdir -p gpu_run/stb || exit 1
    rm -rf gpu_run/cifar && cp -r "$src" gpu_run/cifar || { echo "prepare: cannot copy $src" >&2; exit 1; }
    for h in stb_image.h stb_image_write.h; do
        [ -f "/usr/include/stb/$h" ] && cp "/usr/include/stb/$h" gpu_run/stb/
    done
    echo "prepare: gpu_run/ holds $(du -sh gpu_run | cut -f1): cifar/ ($(ls gpu_run/cifar | tr '\n' ' ')) and stb/ ($(ls gpu_run/stb | tr '\n' ' '))"
    exit 0
fi

OUTDIR=${1:-${OUT:-./gpu_out}}
mkdir -p "$OUTDIR" || exit 1
OUTDIR=$(cd "$OUTDIR" && pwd)
TOTAL=${TOTAL:-520}
START=$(date +%s)
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 4)}
DEVROOT=$(mktemp -d "${TMPDIR:-/tmp}/dn_devroot.XXXXXX") || exit 1
ROWS=$OUTDIR/.rows
: >"$ROWS"

say() { echo "### $*"; }
now() { date +%s; }
# seconds a step may take: its own limit, or what is left of TOTAL
limit() {
    left=$((TOTAL - ($(now) - START)))
    [ "$left" -lt 5 ] && left=5
    [ "$1" -lt "$left" ] && echo "$1" || echo "$left"
}
# key K LINE: the value of K in a "bench k=v ..." line of ./darknet bench
key() { echo "$2" | sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

# row STEP RESULT SECONDS DETAIL: one line of the summary table
row() { printf '%-12s %-5s %5s s  %s\n' "$1" "$2" "$3" "$4" >>"$ROWS"; }
# find a built program (the build may put it under tests/ or build/)
bin() {
    for p in "tests/$1" "build/$1" "build/tests/$1" "./$1"; do
        [ -x "$p" ] && { echo "$p"; return 0; }
    done
    return 1
}
# why a timed command failed
why() {
    case $1 in
    124 | 137) echo "timed out" ;;
    stopped) echo "stopped (no GPU run to compare with)" ;;
    *) echo "exit $1" ;;
    esac
}

# ---------------------------------------------------------------- 1 build
step_build() {
    log=$OUTDIR/1_build.log
    t0=$(now)
    {
        say "machine"
        uname -a
        nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv 2>&1 || echo "nvidia-smi failed"
    } >"$log" 2>&1
    CUDA_PATH=${CUDA_PATH:-/usr/local/cuda}
    if [ ! -x "$CUDA_PATH/bin/nvcc" ] && command -v nvcc >/dev/null 2>&1; then
        CUDA_PATH=$(dirname "$(dirname "$(command -v nvcc)")")
    fi
    if [ ! -x "$CUDA_PATH/bin/nvcc" ]; then
        # the CUDA pieces PyTorch's wheels bring: nvcc, runtime, cuBLAS
        W=$(python3 -c 'import nvidia.cuda_nvcc as m; print(list(m.__path__)[0])' 2>/dev/null)
        if [ -n "$W" ] && [ -x "$W/bin/nvcc" ]; then
            CUDA_PATH=$DEVROOT/cuda
            mkdir -p "$CUDA_PATH/include" "$CUDA_PATH/lib64"
            for e in "$W"/*; do [ "$(basename "$e")" = include ] || ln -sfn "$e" "$CUDA_PATH/$(basename "$e")"; done
            for pkg in cuda_nvcc cuda_runtime cublas cuda_cccl; do
                d=$(python3 -c "import nvidia.$pkg as m; print(list(m.__path__)[0])" 2>/dev/null) || continue
                for f in "$d"/include/*; do [ -e "$f" ] && ln -sfn "$f" "$CUDA_PATH/include/$(basename "$f")"; done
                for f in "$d"/lib/*.so*; do
                    [ -e "$f" ] || continue
                    ln -sf "$f" "$CUDA_PATH/lib64/$(basename "$f")"
                    b=$(basename "$f" | sed 's/\.so\..*/.so/')
                    [ -e "$CUDA_PATH/lib64/$b" ] || ln -sf "$f" "$CUDA_PATH/lib64/$b"
                done
            done
            echo "### nvcc: from the Python wheel in $W (CUDA tree assembled in $CUDA_PATH)" >>"$log"
        else
            echo "### nvcc: not found in CUDA_PATH, PATH or the nvidia-cuda-nvcc wheel" >>"$log"
            row "1 build" FAIL $(($(now) - t0)) "nvcc not found (no CUDA toolkit): nothing can be built"
            return 1
        fi
    fi
    export CUDA_PATH PATH="$CUDA_PATH/bin:$PATH"
    export LD_LIBRARY_PATH="$CUDA_PATH/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    "$CUDA_PATH/bin/nvcc" --version 2>&1 | tail -2 >>"$log"
    MAKEVARS="GPU=1 CUDNN=1 CUDA_PATH=$CUDA_PATH"
    CONV="cuDNN"
    if [ -f "$CUDA_PATH/include/cudnn.h" ] || echo '#include <cudnn.h>' | cc -E -x c - >/dev/null 2>&1; then
        echo "### cuDNN: system or CUDA_PATH" >>"$log"
    else
        W=$(python3 -c 'import nvidia.cudnn as m; print(list(m.__path__)[0])' 2>/dev/null)
        if [ -n "$W" ] && [ -f "$W/include/cudnn.h" ]; then
            mkdir -p "$DEVROOT/cudnn/lib"
            ln -sfn "$W/include" "$DEVROOT/cudnn/include"
            for f in "$W"/lib/libcudnn*.so*; do
                ln -sf "$f" "$DEVROOT/cudnn/lib/$(basename "$f")"
                b=$(basename "$f" | sed 's/\.so\..*/.so/')
                [ -e "$DEVROOT/cudnn/lib/$b" ] || ln -sf "$f" "$DEVROOT/cudnn/lib/$b"
            done
            MAKEVARS="$MAKEVARS CUDNN_PATH=$DEVROOT/cudnn"
            export LD_LIBRARY_PATH="$W/lib:$LD_LIBRARY_PATH"
            echo "### cuDNN: from the Python wheel in $W" >>"$log"
        else
            MAKEVARS="GPU=1 CUDNN=0 CUDA_PATH=$CUDA_PATH"
            CONV="im2col only (cuDNN NOT found, NOT tested)"
            echo "### cuDNN: not found: building CUDNN=0; the cuDNN path is NOT tested" >>"$log"
        fi
    fi
    if ! printf '#include <stb/stb_image.h>\nint main(void){return 0;}\n' | cc -x c - -lstb -o "$DEVROOT/stbtest" >/dev/null 2>&1; then
        if [ -f gpu_run/stb/stb_image.h ] && [ -f gpu_run/stb/stb_image_write.h ]; then
            mkdir -p "$DEVROOT/include/stb" "$DEVROOT/lib"
            cp gpu_run/stb/stb_image.h gpu_run/stb/stb_image_write.h "$DEVROOT/include/stb/"
            printf '#define STB_IMAGE_IMPLEMENTATION\n#include <stb/stb_image.h>\n#define STB_IMAGE_WRITE_IMPLEMENTATION\n#include <stb/stb_image_write.h>\n' >"$DEVROOT/stb.c"
            cc -O2 -I"$DEVROOT/include" -c "$DEVROOT/stb.c" -o "$DEVROOT/stb.o" && ar rcs "$DEVROOT/lib/libstb.a" "$DEVROOT/stb.o"
            export CPATH="$DEVROOT/include${CPATH:+:$CPATH}" LIBRARY_PATH="$DEVROOT/lib${LIBRARY_PATH:+:$LIBRARY_PATH}"
            echo "### stb: static libstb built from gpu_run/stb" >>"$log"
        else
            echo "### stb: no libstb-dev and no gpu_run/stb (run --prepare on a machine with libstb-dev)" >>"$log"
        fi
    fi
    TRAIN_BATCH=32
    if ! printf '#include <cblas.h>\nint main(void){return 0;}\n' | cc -x c - -lopenblas -o "$DEVROOT/blastest" >/dev/null 2>&1; then
        MAKEVARS="$MAKEVARS OPENBLAS=0"
        TRAIN_BATCH=16
        echo "### OpenBLAS: missing: OPENBLAS=0 (plain C gemm), gpu_check trains at batch $TRAIN_BATCH" >>"$log"
    fi
    if [ -z "${ARCH:-}" ]; then
        cc_=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' .')
        case $cc_ in
        [0-9][0-9] | [0-9][0-9][0-9]) ARCH="-gencode arch=compute_$cc_,code=sm_$cc_" ;;
        *)
            ARCH="-gencode arch=compute_90,code=sm_90"
            NOTE="; no GPU found by nvidia-smi: built for sm_90"
            echo "### no GPU found by nvidia-smi: building for sm_90" >>"$log"
            ;;
        esac
    fi
    echo "### make -j$JOBS $MAKEVARS ARCH=\"$ARCH\" darknet gpu_check" >>"$log"
    # shellcheck disable=SC2086
    timeout "$(limit 200)" make -j"$JOBS" $MAKEVARS ARCH="$ARCH" darknet gpu_check >>"$log" 2>&1
    rc=$?
    if [ $rc = 0 ] && GPU_CHECK=$(bin gpu_check) && DARKNET=$(bin darknet); then
        row "1 build" ok $(($(now) - t0)) "$MAKEVARS, $ARCH; convolution: $CONV${NOTE:-}"
        return 0
    fi
    row "1 build" FAIL $(($(now) - t0)) "make: $(why $rc): $(grep -m1 -E 'error|Error' "$log" | cut -c1-150)"
    return 1
}

# ------------------------------------------------------------ 2 gpu_check
step_check() {
    log=$OUTDIR/2_gpu_check.log
    t0=$(now)
    [ "$BUILT" = 1 ] || { row "2 gpu_check" FAIL 0 "not built (step 1)"; return; }
    timeout "$(limit 140)" "$GPU_CHECK" -train-batch "$TRAIN_BATCH" >"$log" 2>&1
    rc=$?
    tot=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
    if [ $rc = 0 ]; then
        row "2 gpu_check" ok $(($(now) - t0)) "$tot"
    else
        row "2 gpu_check" FAIL $(($(now) - t0)) "$(why $rc)${tot:+: $tot}: $(grep -m1 -E '^FAIL|no CUDA|error' "$log" | cut -c1-150)"
    fi
}

# ------------------------------------------------------------- 3 sanitize
step_sanitize() {
    log=$OUTDIR/3_sanitize.log
    t0=$(now)
    [ "$BUILT" = 1 ] || { row "3 sanitize" FAIL 0 "not built (step 1)"; return; }
    CS=$(command -v compute-sanitizer || echo "${CUDA_PATH:-/usr/local/cuda}/bin/compute-sanitizer")
    [ -x "$CS" ] || { row "3 sanitize" FAIL 0 "compute-sanitizer not found (CUDA toolkit's bin/)"; return; }
    : >"$log"
    bad=""
    # small cases that together run every kernel family: conv + BN + SE +
    # bridge, softmax + avgpool + connected, max-pool, the u8 renderer
    for tool in memcheck racecheck; do
        for c in bridge/se_after_r4 softmax/cross_entropy maxpool/3x3_s2_odd9 augment; do
            [ $tool = racecheck ] && [ $c = maxpool/3x3_s2_odd9 ] && continue
            echo "### $tool -l $c" >>"$log"
            timeout "$(limit 25)" "$CS" --tool $tool --error-exitcode 99 "$GPU_CHECK" -l $c -no-train -q >>"$log" 2>&1
            rc=$?
            [ $rc = 0 ] || bad="$bad $tool/$c ($(why $rc))"
        done
    done
    if [ -z "$bad" ]; then
        row "3 sanitize" ok $(($(now) - t0)) "memcheck and racecheck clean on 4 and 3 cases"
    else
        row "3 sanitize" FAIL $(($(now) - t0)) "failed:$bad"
    fi
}

# ---------------------------------------------------------------- 4 speed
step_speed() {
    log=$OUTDIR/4_speed.log
    t0=$(now)
    [ "$BUILT" = 1 ] || { row "4 speed" FAIL 0 "not built (step 1)"; return; }
    have_torch=1
    python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' >/dev/null 2>&1 || have_torch=0
    table=$OUTDIR/4_speed_table.txt
    printf '%-14s %-9s | %10s %8s %8s | %10s %8s %8s | %6s\n' network mode "ours img/s" "ms/it" "kern/it" \
        "torch img/s" "ms/it" "kern/it" ratio >"$table"
    : >"$log"
    n_ok=0 n_all=0 path=""
    for net in resnet_20 res_se_net_20 resnet_110; do
        it=30
        [ $net = resnet_110 ] && it=10
        for mode in train infer; do
            n_all=$((n_all + 1))
            oflag="-train 1" tflag=""
            [ $mode = infer ] && oflag="-train 0" tflag=--infer
            echo "### ours $net $mode" >>"$log"
            # shellcheck disable=SC2086
            o=$(timeout "$(limit 20)" "$DARKNET" bench "cfg/$net.cfg" -batch 128 -iters $it -warmup 5 -gpus 0 $oflag 2>&1)
            rc=$?
            echo "$o" >>"$log"
            [ $rc = 0 ] && n_ok=$((n_ok + 1))
            [ -z "$path" ] && path=$(echo "$o" | sed -n 's/.*\(cuDNN convolution[^,)]*\|im2col+cuBLAS convolution\).*/\1/p' | head -1)
            t=""
            if [ $have_torch = 1 ]; then
                echo "### torch $net $mode" >>"$log"
                # shellcheck disable=SC2086
                tt=$(timeout "$(limit 30)" python3 scripts/bench_torch.py --net $net --batch 128 --iters $it --warmup 5 \
                    $tflag --count-kernels 2>&1)
                echo "$tt" >>"$log"
                t=$(echo "$tt" | grep '^RESULT')
            fi
            r=$(echo "$o" | grep '^bench ' | tail -1)
            oi=$(key img_s "$r") om=$(key median_ms "$r") ok_=$(key kernels "$r")
            ti=$(echo "$t" | awk '{print $5}') tm=$(echo "$t" | awk '{print $6}') tk=$(echo "$t" | awk '{print $7}')
            ratio=$(awk -v a="$oi" -v b="$ti" 'BEGIN { if (a != "" && b != "" && b > 0) printf "%.2fx", a / b; else print "-" }')
            printf '%-14s %-9s | %10s %8s %8s | %10s %8s %8s | %6s\n' $net $mode "${oi:--}" "${om:--}" "${ok_:--}" \
                "${ti:--}" "${tm:--}" "${tk:--}" "$ratio" >>"$table"
        done
    done
    {
        echo "kernels per iteration: ours = our kernel launches + one per cuBLAS/cuDNN call (cuda_launch_count,"
        echo "a lower bound); torch = CUDA kernels seen by torch.profiler. Strict FP32 on both sides; torch with"
        echo "cudnn.benchmark. Our convolution path: ${path:-unknown}."
        [ $have_torch = 1 ] || echo "PyTorch with CUDA not available: its columns are empty."
    } >>"$table"
    if [ $n_ok = $n_all ]; then
        row "4 speed" ok $(($(now) - t0)) "$n_ok of $n_all runs; convolution: ${path:-?}; table: 4_speed_table.txt"
    else
        row "4 speed" FAIL $(($(now) - t0)) "$n_ok of $n_all runs of ours succeeded: $(grep -m1 -iE 'error|no CUDA|usage' "$log" | cut -c1-120)"
    fi
}

# ---------------------------------------------------------------- 5 train
step_train() {
    log=$OUTDIR/5_train.log
    t0=$(now)
    [ "$BUILT" = 1 ] || { row "5 train" FAIL 0 "not built (step 1)"; return; }
    [ -d gpu_run/cifar/cifar-10-batches-bin ] || {
        row "5 train" FAIL 0 "no CIFAR subset in gpu_run/cifar (run --prepare and carry gpu_run)"
        return
    }
    W=$OUTDIR/5_train
    rm -rf "$W" && mkdir -p "$W"
    "$DARKNET" cifar extract gpu_run/cifar/cifar-10-batches-bin "$W/c10" >"$log" 2>&1 ||
        { row "5 train" FAIL $(($(now) - t0)) "cifar extract failed"; return; }
    for dev in cpu gpu; do
        printf 'classes=10\ntrain=%s/c10/train.list\nvalid=%s/c10/test.list\nlabels=%s/c10/labels.txt\nbackup=%s/bk_%s\ntop=5\n' \
            "$W" "$W" "$W" "$W" $dev >"$W/$dev.data"
    done
    sed -e 's/^max_batches=64000$/max_batches=200/' -e 's/^steps=32000,48000$/steps=150,180/' \
        -e 's/^\[net\]$/[net]\nbackup_every=200\nvalid_every=0/' cfg/resnet_20.cfg >"$W/r20.cfg"
    lim=$(limit 110)
    timeout "$lim" "$DARKNET" classifier train "$W/cpu.data" "$W/r20.cfg" -seed 7 -nogpu >"$W/cpu.log" 2>&1 &
    cpid=$!
    timeout "$lim" "$DARKNET" classifier train "$W/gpu.data" "$W/r20.cfg" -seed 7 -gpus 0 >"$W/gpu.log" 2>&1
    grc=$?
    # without a GPU run there is nothing to compare: stop the CPU run
    [ $grc = 0 ] || kill "$cpid" 2>/dev/null
    wait $cpid 2>/dev/null
    crc=$?
    [ $grc = 0 ] || [ $crc = 0 ] || crc="stopped"
    { echo "### cpu training: $(why $crc)"; tail -3 "$W/cpu.log"; echo "### gpu training: $(why $grc)"; tail -3 "$W/gpu.log"; } >>"$log"
    if [ $grc != 0 ] || [ $crc != 0 ]; then
        row "5 train" FAIL $(($(now) - t0)) "training: cpu $(why $crc), gpu $(why $grc): $(grep -m1 -iE 'error|no CUDA' "$W/gpu.log" | cut -c1-120)"
        return
    fi
    c=$W/bk_cpu/r20.loss.csv g=$W/bk_gpu/r20.loss.csv
    first=$(paste -d, "$c" "$g" | sed -n '2,4p' | awk -F, '{d = $3 - $10; if (d < 0) d = -d; r = d / $3; if (r > m) m = r} END {printf "%.2e", m}')
    for dev in cpu gpu; do
        flag=-nogpu
        [ $dev = gpu ] && flag="-gpus 0"
        # shellcheck disable=SC2086
        timeout "$(limit 40)" "$DARKNET" classifier valid "$W/$dev.data" "$W/r20.cfg" "$W/bk_$dev/r20_final.weights" $flag \
            >"$W/valid_$dev.log" 2>&1
        cat "$W/valid_$dev.log" >>"$log"
    done
    tc=$(sed -n 's/.*top 1: \([0-9.]*\),.*/\1/p' "$W/valid_cpu.log")
    tg=$(sed -n 's/.*top 1: \([0-9.]*\),.*/\1/p' "$W/valid_gpu.log")
    verdict=$(awk -v f="$first" -v c="$tc" -v g="$tg" 'BEGIN {
        d = 100 * (g - c); if (d < 0) d = -d
        ok = (f != "" && f + 0 <= 1e-4 && c != "" && g != "" && d <= 1)
        printf "%s first 3 losses max rel diff %s (<= 1e-4); top-1 cpu %.1f%% gpu %.1f%% (|diff| %.1f <= 1 point)", ok ? "ok" : "FAIL", f, 100 * c, 100 * g, d }')
    row "5 train" "${verdict%% *}" $(($(now) - t0)) "${verdict#* }"
}

BUILT=0
TRAIN_BATCH=32
GPU_CHECK="" DARKNET=""
say "gpu_check_device: output in $OUTDIR, $TOTAL s in all"
step_build && BUILT=1
say "1 build done ($(($(now) - START)) s)"
step_check
say "2 gpu_check done ($(($(now) - START)) s)"
step_sanitize
say "3 sanitize done ($(($(now) - START)) s)"
step_speed
say "4 speed done ($(($(now) - START)) s)"
step_train
say "5 train done ($(($(now) - START)) s)"
rm -rf "$DEVROOT"

{
    echo "gpu_check_device.sh on $(hostname), $(date -u '+%Y-%m-%d %H:%M UTC'), $(($(now) - START)) s; GPU: $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 | grep . || echo none found)"
    printf '%-12s %-5s %7s  %s\n' step result time detail
    cat "$ROWS"
    [ -f "$OUTDIR/4_speed_table.txt" ] && { echo; cat "$OUTDIR/4_speed_table.txt"; }
    echo "logs: $OUTDIR/[1-5]_*.log"
} >"$OUTDIR/summary.txt"
rm -f "$ROWS"
cat "$OUTDIR/summary.txt"
grep -q '^[1-5] [a-z_]* *FAIL' "$OUTDIR/summary.txt" && exit 1
exit 0
