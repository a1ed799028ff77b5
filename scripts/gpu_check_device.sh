#!/bin/sh
# scripts/gpu_check_device.sh - everything a GPU machine should run, in one
# go, printing everything: build GPU=1 CUDNN=1, build/gpu_check, then
# scripts/bench_gpu.sh under a time limit.
#
#   sh scripts/gpu_check_device.sh            (from the repository root)
#
# Environment: CHECK_TIMEOUT (seconds for gpu_check, default 420),
# BENCH_TIMEOUT (seconds for the benchmark, default 240), ARCH (default: the
# local GPU's compute capability from nvidia-smi), JOBS (make -j, default
# nproc). For a log file: sh scripts/gpu_check_device.sh 2>&1 | tee log
#
# A bare machine may lack build dependencies; this script finds or works
# around them and says what it did:
#   cuDNN    in CUDA_PATH, the system include path, or PyTorch's nvidia-cudnn
#            wheel (python3 -c 'import nvidia.cudnn'); its libraries are
#            linked through /tmp/dn_devroot/cudnn/lib.
#   stb      (libstb-dev) if absent: the headers from .devdeps/stb/
#            (stb_image.h, stb_image_write.h) are compiled into a static
#            libstb under /tmp/dn_devroot. Prepare on a machine that has them:
#              echo /.devdeps/ >> .git/info/exclude; mkdir -p .devdeps/stb
#              cp /usr/include/stb/stb_image.h /usr/include/stb/stb_image_write.h .devdeps/stb/
#            and carry .devdeps with the call.
#   OpenBLAS if absent: OPENBLAS=0 (the CPU reference gemm; slower), and
#            gpu_check trains at mini-batch 16 instead of 32.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
CUDA_PATH=${CUDA_PATH:-/usr/local/cuda}
if [ ! -x "$CUDA_PATH/bin/nvcc" ] && command -v nvcc >/dev/null 2>&1; then
    CUDA_PATH=$(dirname "$(dirname "$(command -v nvcc)")")
fi
export CUDA_PATH PATH="$CUDA_PATH/bin:$PATH"
DEVROOT=/tmp/dn_devroot
mkdir -p "$DEVROOT/include" "$DEVROOT/lib"
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 4)}
status=0
say() { echo "### $*"; }

say "machine"
uname -a
nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv 2>&1 || say "nvidia-smi failed"
nvcc --version 2>&1 | tail -2

# ---- dependencies ----
MAKEVARS="GPU=1 CUDNN=1 CUDA_PATH=$CUDA_PATH"
if [ -f "$CUDA_PATH/include/cudnn.h" ] || echo '#include <cudnn.h>' | cc -E -x c - >/dev/null 2>&1; then
    say "cuDNN: system ($(grep -h '#define CUDNN_M[AI][JN]OR' "$CUDA_PATH/include/cudnn_version.h" /usr/include/cudnn_version.h 2>/dev/null | awk '{printf "%s ", $3}'))"
else
    W=$(python3 -c 'import nvidia.cudnn, os; print(os.path.dirname(nvidia.cudnn.__file__))' 2>/dev/null)
    if [ -n "$W" ] && [ -f "$W/include/cudnn.h" ]; then
        mkdir -p "$DEVROOT/cudnn/lib"
        ln -sfn "$W/include" "$DEVROOT/cudnn/include"
        for f in "$W"/lib/libcudnn*.so*; do
            ln -sf "$f" "$DEVROOT/cudnn/lib/$(basename "$f")"
            b=$(basename "$f" | sed 's/\.so\..*/.so/')
            [ -e "$DEVROOT/cudnn/lib/$b" ] || ln -sf "$f" "$DEVROOT/cudnn/lib/$b"
        done
        MAKEVARS="$MAKEVARS CUDNN_PATH=$DEVROOT/cudnn"
        export LD_LIBRARY_PATH="$W/lib:${LD_LIBRARY_PATH:-}"
        say "cuDNN: from the Python wheel in $W"
    else
        say "cuDNN: not found; building GPU=1 CUDNN=0 (im2col + cuBLAS convolution only)"
        MAKEVARS="GPU=1 CUDNN=0 CUDA_PATH=$CUDA_PATH"
    fi
fi
if ! echo '#include <stb/stb_image.h>
int main(void){return 0;}' | cc -x c - -lstb -o /tmp/dn_stbtest >/dev/null 2>&1; then
    if [ -f .devdeps/stb/stb_image.h ] && [ -f .devdeps/stb/stb_image_write.h ]; then
        mkdir -p "$DEVROOT/include/stb"
        cp .devdeps/stb/stb_image.h .devdeps/stb/stb_image_write.h "$DEVROOT/include/stb/"
        printf '#define STB_IMAGE_IMPLEMENTATION\n#include <stb/stb_image.h>\n#define STB_IMAGE_WRITE_IMPLEMENTATION\n#include <stb/stb_image_write.h>\n' \
            >"$DEVROOT/stb.c"
        cc -O2 -I"$DEVROOT/include" -c "$DEVROOT/stb.c" -o "$DEVROOT/stb.o" && ar rcs "$DEVROOT/lib/libstb.a" "$DEVROOT/stb.o"
        export CPATH="$DEVROOT/include${CPATH:+:$CPATH}" LIBRARY_PATH="$DEVROOT/lib${LIBRARY_PATH:+:$LIBRARY_PATH}"
        say "stb: built a static libstb from .devdeps/stb"
    else
        say "stb: missing (no libstb-dev and no .devdeps/stb): the build will fail; see this script's header"
    fi
else
    say "stb: system"
fi
TRAIN_BATCH=32
if echo '#include <cblas.h>
int main(void){return 0;}' | cc -x c - -lopenblas -o /tmp/dn_blastest >/dev/null 2>&1; then
    say "OpenBLAS: system"
else
    MAKEVARS="$MAKEVARS OPENBLAS=0"
    TRAIN_BATCH=16
    say "OpenBLAS: missing: OPENBLAS=0, gpu_check trains at mini-batch $TRAIN_BATCH"
fi
if [ -z "${ARCH:-}" ]; then
    cc_=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' .')
    if [ -n "$cc_" ]; then ARCH="-gencode arch=compute_$cc_,code=sm_$cc_"; fi
fi

# ---- build ----
say "build: make $MAKEVARS ${ARCH:+ARCH=\"$ARCH\"} -j$JOBS && ... gpu_check"
t0=$(date +%s)
if [ -n "${ARCH:-}" ]; then
    make -j"$JOBS" $MAKEVARS ARCH="$ARCH" && make -j"$JOBS" $MAKEVARS ARCH="$ARCH" gpu_check
else
    make -j"$JOBS" $MAKEVARS && make -j"$JOBS" $MAKEVARS gpu_check
fi
rc=$?
say "build: rc=$rc in $(( $(date +%s) - t0 )) s"
if [ $rc != 0 ]; then exit 1; fi

# ---- checks ----
say "build/gpu_check -train-batch $TRAIN_BATCH (timeout ${CHECK_TIMEOUT:-420} s)"
t0=$(date +%s)
timeout "${CHECK_TIMEOUT:-420}" build/gpu_check -train-batch $TRAIN_BATCH
rc=$?
say "gpu_check: rc=$rc in $(( $(date +%s) - t0 )) s"
[ $rc = 0 ] || status=1

say "scripts/bench_gpu.sh (timeout ${BENCH_TIMEOUT:-240} s)"
t0=$(date +%s)
timeout "${BENCH_TIMEOUT:-240}" sh scripts/bench_gpu.sh
rc=$?
say "bench_gpu.sh: rc=$rc in $(( $(date +%s) - t0 )) s"
[ $rc = 0 ] || status=1

say "done: status $status"
exit $status
