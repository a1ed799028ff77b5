# Makefile - builds ./darknet; objects and test programs go under build/.
#
#   make                   CPU build with OpenBLAS and OpenMP
#   make test              build and run the CPU test suite
#   make OPENBLAS=0        plain-C gemm fallback (no BLAS library)
#   make GPU=1 CUDNN=1     CUDA build (nvcc from CUDA_PATH, default /usr/local/cuda;
#                          CUDNN_PATH=dir if cuDNN is not inside CUDA_PATH;
#                          ARCH="-gencode ..." to choose the GPU architectures)
#   make GPU=1 CUDNN=1 gpu_check   build/gpu_check (CPU vs GPU; GPU speed: ./darknet bench)
#   make DEBUG=1           -O0 -g with AddressSanitizer and UBSan; with GPU=1
#                          UBSan only (ASan's shadow memory makes cudaMalloc
#                          fail) and every kernel launch synchronised
#   make SANITIZE=1 test   ASan + UBSan build (objects in build/obj-san/); its test
#                          run is the unit tests, the cli and bad-input
#                          catalogue and a short train/resume (run_all.sh sanitize)
#   make dnnl_compare      build/dnnl_compare: our convolutions vs oneDNN's (needs
#                          libdnnl-dev; docs/dnnl-compare.md), never built otherwise
#   make fuzz              libFuzzer harnesses (clang, ASan + UBSan) in
#                          build/fuzz/, each run FUZZ_SECONDS (default 60)
#   make NATIVE=0          portable binary: no -march=native (the default CPU
#                          build uses this CPU's vector instructions, AVX2/FMA,
#                          for the direct convolutions; GPU builds default to 0)
#
# Switches print their resolved values on every build.

GPU      ?= 0
CUDNN    ?= 0
OPENMP   ?= 1
OPENBLAS ?= 1
DEBUG    ?= 0
SANITIZE ?= 0
NATIVE   ?= $(if $(filter 1,$(GPU)),0,1)
CUDA_PATH ?= /usr/local/cuda
CUDNN_PATH ?=
# CUDA 13 supports sm_75 and newer: Turing, A100 (sm_80), RTX 30/A40 (sm_86),
# L4/RTX 40 (sm_89), H100/H200 (sm_90); the compute_90 PTX lets newer GPUs JIT.
ARCH     ?= -gencode arch=compute_75,code=sm_75 -gencode arch=compute_80,code=sm_80 \
            -gencode arch=compute_86,code=sm_86 -gencode arch=compute_89,code=sm_89 \
            -gencode arch=compute_90,code=[sm_90,compute_90]

CC      ?= gcc
NVCC    ?= $(CUDA_PATH)/bin/nvcc
# Everything built except ./darknet lives in build/: objects of each
# configuration apart (GPU from CPU, cuDNN from non-cuDNN), test programs.
BUILD   := build
OBJDIR  := $(BUILD)/obj$(if $(filter 1,$(GPU)),-gpu$(if $(filter 1,$(CUDNN)),,-nocudnn),)$(if $(filter 1,$(SANITIZE)),-san,)
CFLAGS  := -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -MMD -MP
LDLIBS  := -lstb -lpthread -lm

# AddressSanitizer reserves the address ranges the CUDA driver maps device
# memory into, so cudaMalloc fails under it: GPU debug builds use UBSan only
# (run compute-sanitizer for device memory errors, docs/gpu.md).
DEBUG_SAN := $(if $(filter 1,$(GPU)),undefined,address,undefined)
ifeq ($(DEBUG),1)
  CFLAGS  += -O0 -g -fsanitize=$(DEBUG_SAN)
  LDFLAGS += -fsanitize=$(DEBUG_SAN)
else
  CFLAGS  += -O3 -g
endif
ifeq ($(SANITIZE),1)
  # every UBSan finding is fatal, so a test run cannot pass over one
  SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
  CFLAGS  += $(SAN_FLAGS)
  LDFLAGS += $(SAN_FLAGS)
endif
ifeq ($(NATIVE),1)
  CFLAGS  += -march=native
endif
ifeq ($(OPENMP),1)
  CFLAGS  += -fopenmp
  LDFLAGS += -fopenmp
else
  CFLAGS  += -Wno-unknown-pragmas   # the omp pragmas are simply not used
  LDLIBS  += -lpthread
endif
ifeq ($(OPENBLAS),1)
  CFLAGS += -DDN_OPENBLAS
  LDLIBS := -lopenblas $(LDLIBS)
endif
ifeq ($(GPU),1)
  CFLAGS  += -DGPU -I$(CUDA_PATH)/include
  LDFLAGS += -L$(CUDA_PATH)/lib64 -Wl,-rpath,$(CUDA_PATH)/lib64
  LDLIBS  += -lcudart -lcublas -lstdc++
  # -lineinfo always: compute-sanitizer and profilers then name source lines
  NVFLAGS := -O3 -std=c++17 $(ARCH) -lineinfo -Xcompiler -Wall,-Wextra -DGPU -MMD -MP
  ifeq ($(DEBUG),1)
    NVFLAGS += -g -DDN_CUDA_SYNC
  endif
  ifeq ($(CUDNN),1)
    CFLAGS  += -DCUDNN
    NVFLAGS += -DCUDNN
    ifneq ($(CUDNN_PATH),)
      CFLAGS  += -I$(CUDNN_PATH)/include
      NVFLAGS += -I$(CUDNN_PATH)/include
      LDFLAGS += -L$(CUDNN_PATH)/lib -Wl,-rpath,$(CUDNN_PATH)/lib
    endif
    LDLIBS  += -lcudnn
  endif
endif

LIB_SRC  := $(wildcard src/core/*.c src/layers/*.c src/data/*.c src/backend/cpu/*.c)
CLI_SRC  := $(wildcard src/cli/*.c)
TEST_SRC := $(wildcard tests/*.c)
CU_SRC   := $(if $(filter 1,$(GPU)),$(wildcard src/core/*.cu src/layers/*.cu src/data/*.cu src/backend/cuda/*.cu),)

LIB_OBJ  := $(LIB_SRC:%.c=$(OBJDIR)/%.o) $(CU_SRC:%.cu=$(OBJDIR)/%.cu.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(OBJDIR)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(OBJDIR)/%.o)

# Tests find the shared CIFAR subset here unless DN_CIFAR is already set.
DN_CIFAR ?= $(abspath ../shared/cifar)
export DN_CIFAR

.PHONY: all test clean config gpu_check fuzz fuzz_build dnnl_compare
all: config darknet

config:
	@echo "config: GPU=$(GPU) CUDNN=$(CUDNN) OPENMP=$(OPENMP) OPENBLAS=$(OPENBLAS) NATIVE=$(NATIVE) DEBUG=$(DEBUG) SANITIZE=$(SANITIZE)"

# Executables are relinked whenever the switches differ from their last link
# (their objects may be older than them when they come from another OBJDIR).
LINK_ID    := GPU=$(GPU) CUDNN=$(CUDNN) OPENMP=$(OPENMP) OPENBLAS=$(OPENBLAS) NATIVE=$(NATIVE) DEBUG=$(DEBUG) SANITIZE=$(SANITIZE) ARCH=$(ARCH)
LINK_STAMP := $(BUILD)/.link-config
$(shell mkdir -p $(BUILD) && (echo '$(LINK_ID)' | cmp -s - $(LINK_STAMP) 2>/dev/null || echo '$(LINK_ID)' > $(LINK_STAMP)))

darknet: $(LIB_OBJ) $(CLI_OBJ) $(LINK_STAMP)
	$(CC) $(LDFLAGS) $(filter %.o,$^) -o $@ $(LDLIBS)

$(BUILD)/run_tests: $(LIB_OBJ) $(TEST_OBJ) $(LINK_STAMP)
	$(CC) $(LDFLAGS) $(filter %.o,$^) -o $@ $(LDLIBS)

# The CPU-vs-GPU checks that scripts/gpu_check_device.sh runs (the GPU
# benchmark is ./darknet bench -gpus N): GPU builds only, never part of `make`
# or `make test` (they need a GPU to run).
GPU_CHECK_SRC := tests/gpu/gpu_check.c tests/gpu/gpu_conv_exact.c tests/gpu/gpu_large.c
GPU_TEST_SRC := $(GPU_CHECK_SRC)
GPU_TEST_OBJ := $(GPU_TEST_SRC:%.c=$(OBJDIR)/%.o)
ifeq ($(GPU),1)
gpu_check: config $(BUILD)/gpu_check

$(BUILD)/gpu_check: $(LIB_OBJ) $(GPU_CHECK_SRC:%.c=$(OBJDIR)/%.o) $(OBJDIR)/tests/layer_cases.o $(LINK_STAMP)
	$(CC) $(LDFLAGS) $(filter %.o,$^) -o $@ $(LDLIBS)

else
gpu_check:
	@echo "gpu_check needs a CUDA build: make GPU=1 CUDNN=1 gpu_check"; exit 2
endif

# Our convolutions side by side with oneDNN's (tools/dnnl_compare.c,
# docs/dnnl-compare.md): needs Debian's libdnnl-dev, so it is never part of
# `make`, `make test` or CI.
dnnl_compare: config $(BUILD)/dnnl_compare

$(BUILD)/dnnl_compare: $(LIB_OBJ) $(OBJDIR)/tools/dnnl_compare.o $(LINK_STAMP)
	$(CC) $(LDFLAGS) $(filter %.o,$^) -o $@ -ldnnl $(LDLIBS)

test: config darknet $(BUILD)/run_tests
	sh tests/run_all.sh$(if $(filter 1,$(SANITIZE)), sanitize,)

# libFuzzer harnesses (tests/fuzz/fuzz_*.c): the library built by clang with
# ASan + UBSan and a small network size limit, one binary per parser.
# `make fuzz` runs each for FUZZ_SECONDS on a seed corpus from the repository
# (tests/fuzz/run.sh); a crash fails the target and leaves its input in $(BUILD)/fuzz/.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZERS      := cfg data weights cifar image
FUZZ_CFLAGS  := -std=c11 -D_DEFAULT_SOURCE -g -O1 -Wall -Wextra -Wno-unknown-pragmas -MMD -MP -Wno-psabi \
                -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
                -DNET_MAX_VALUES=262144.0
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/fuzz/%.o)
FUZZ_BINS    := $(FUZZERS:%=$(BUILD)/fuzz/fuzz_%)

$(BUILD)/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(BUILD)/fuzz/fuzz_%: $(FUZZ_LIB_OBJ) $(BUILD)/fuzz/tests/fuzz/fuzz_%.o
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined $^ -o $@ -lstb -lpthread -lm

fuzz_build: $(FUZZ_BINS)
fuzz: $(FUZZ_BINS)
	sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)

# Objects are rebuilt when their compiler flags change (OPENBLAS, DEBUG,
# ARCH, ...): the flags are kept in $(OBJDIR)/.flags, rewritten on change.
FLAGS_ID    := $(CC) $(CFLAGS) | $(NVCC) $(NVFLAGS)
FLAGS_STAMP := $(OBJDIR)/.flags
$(shell mkdir -p $(OBJDIR) && (echo '$(FLAGS_ID)' | cmp -s - $(FLAGS_STAMP) || echo '$(FLAGS_ID)' > $(FLAGS_STAMP)))

$(OBJDIR)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(OBJDIR)/%.cu.o: %.cu $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(NVCC) $(NVFLAGS) -c $< -o $@

clean:
	rm -rf $(BUILD) darknet

-include $(FUZZ_LIB_OBJ:.o=.d)
-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(GPU_TEST_OBJ:.o=.d) $(OBJDIR)/tools/dnnl_compare.d
