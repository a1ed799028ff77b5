#!/bin/sh
# tests/gpu/emu/run.sh - run build/gpu_check's layer cases with the engine's
# CUDA code executing on the CPU, on a machine without a GPU (or without
# CUDA at all): every .cu file is turned into C++ (cu2cpp.py) and compiled
# with g++ against a stand-in CUDA runtime and cuBLAS (stub/, emu.cpp); the
# C side is a GPU=1 CUDNN=0 build in build/obj-emu/. This checks the kernels'
# index math, the host-side logic and the CPU/GPU contract (the im2col +
# cuBLAS convolution path); it says nothing about cuDNN, speed, real
# concurrency or the CUDA toolchain. A real GPU run (build/gpu_check) is the
# reference; this is the cheap check in between.
#
#   sh tests/gpu/emu/run.sh [gpu_check arguments]
#
# Default arguments: -no-train -q -exact-batch 4 -no-large (the exact
# convolutions at batch 4, no large-tensor cases: at full size they take many
# minutes here; -no-train -q alone runs everything, -l large those cases).
#
# EMU_ASAN=1 builds the emulated code with AddressSanitizer and UBSan.
set -eu
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT"
EMU=tests/gpu/emu
OUT=build/obj-emu
CXX=${CXX:-g++}
SAN="" EOBJ="$OUT/emu"
if [ "${EMU_ASAN:-0}" = 1 ]; then SAN="-fsanitize=address,undefined" EOBJ="$OUT/emu-asan"; fi

csrc=$(ls src/core/*.c src/layers/*.c src/data/*.c src/backend/cpu/*.c)
cobj=$(for f in $csrc; do echo "$OUT/${f%.c}.o"; done)
tobj="$OUT/tests/gpu/gpu_check.o $OUT/tests/gpu/gpu_conv_exact.o $OUT/tests/gpu/gpu_large.o $OUT/tests/layer_cases.o"
# shellcheck disable=SC2086
make -s GPU=1 CUDNN=0 OBJDIR=$OUT $cobj $tobj

mkdir -p "$EOBJ"
objs=""
for f in src/layers/*.cu src/data/*.cu src/backend/cuda/*.cu; do
    o="$EOBJ/$(echo "$f" | tr / _).o"
    # rebuilt when missing, or older than its .cu or any header
    if [ ! -f "$o" ] || [ -n "$(find "$f" src "$EMU" -newer "$o" \( -name '*.h' -o -name "${f##*/}" \) | head -1)" ]; then
        python3 "$EMU/cu2cpp.py" "$f" >"$o.cpp"
        $CXX -std=c++17 -O2 -g -w -DGPU $SAN -I"$EMU/stub" -iquote "$(dirname "$f")" -include "$EMU/stub/emu_cuda.h" \
            -c "$o.cpp" -o "$o"
    fi
    objs="$objs $o"
done
$CXX -std=c++17 -O2 -g $SAN -c "$EMU/emu.cpp" -o "$EOBJ/emu.o"
# shellcheck disable=SC2086
$CXX $SAN -fopenmp $objs "$EOBJ/emu.o" $cobj $tobj -o "$OUT/gpu_check_emu" \
    -lopenblas -lstb -lpthread -lm
echo "built $OUT/gpu_check_emu (CUDA code emulated on the CPU)"
if [ $# -eq 0 ]; then set -- -no-train -q -exact-batch 4 -no-large; fi
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} "$OUT/gpu_check_emu" "$@"
