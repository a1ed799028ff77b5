#!/usr/bin/env python3
"""bench_torch.py - PyTorch's training throughput for the paper's CIFAR networks,
the reference column of scripts/bench_gpu.sh.

The networks (scripts/torch_nets.py) match our cfg files (scripts/gen_cfgs.py):
a 3x3 stem with 16 filters, three stages of n basic blocks (two 3x3 convs
with batch norm; 16/32/64 filters; the first block of stages 2 and 3 has
stride 2), depth = 6n + 2. A block adds its input through an identity
shortcut, or, where the shape changes, through a bridge connection: a 1x1
convolution with stride 2 and batch norm (no bias), in Res-SE-Net followed by
squeeze-and-excitation (reduction 16, hidden size max(1, C/16)); SE-ResNet
(se_resnet_N) has the SE after the second BN of every block instead. Then global
average pooling, a fully connected layer and the softmax cross-entropy.

One iteration does what our training loop does: upload a batch from pinned
host memory, forward, loss read back to the host, backward, SGD step with
momentum 0.9 and weight decay 1e-4 on every parameter. By default FP32 is
strict (no TF32) on both sides; --tf32 allows it in cuDNN and cuBLAS.

--infer times inference instead (eval mode, no autograd, the logits copied
back to the host). --count-kernels then profiles 3 more iterations with
torch.profiler and reports the CUDA kernels per iteration (copies and memsets
not counted).

    python3 scripts/bench_torch.py --net resnet_20 [--batch 128] [--iters 100]
            [--warmup 10] [--classes 10] [--tf32] [--channels-last] [--infer]
            [--count-kernels]

Prints a human line and
`RESULT torch <net> <batch> <images/s> <ms/iteration> <kernels/iteration or ->`.
"""
import argparse
import sys
import time

import torch
import torch.nn.functional as F

import torch_nets


def build(name, classes):
    try:
        return torch_nets.build(name, classes)
    except ValueError:
        sys.exit(f"bench_torch.py: unknown network {name} (resnet_N, se_resnet_N or res_se_net_N)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--net", required=True)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--iters", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--tf32", action="store_true")
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--infer", action="store_true")
    ap.add_argument("--count-kernels", action="store_true")
    a = ap.parse_args()
    if not torch.cuda.is_available():
        sys.exit("bench_torch.py: no CUDA device visible to PyTorch")
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = a.tf32
    torch.backends.cuda.matmul.allow_tf32 = a.tf32
    dev = torch.device("cuda")
    torch.manual_seed(1)
    model = build(a.net, a.classes).to(dev)
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    x_host = torch.randn(a.batch, 3, 32, 32).pin_memory()
    y_host = torch.randint(0, a.classes, (a.batch,)).pin_memory()
    model.train(not a.infer)
    loss_v = 0.0

    def step():
        nonlocal loss_v
        x = x_host.to(dev, non_blocking=True).contiguous(memory_format=fmt)
        y = y_host.to(dev, non_blocking=True)
        if a.infer:
            with torch.no_grad():
                logits = model(x)
                loss_v = F.cross_entropy(logits, y).item()  # our forward copies the output and loss back
            return
        loss = F.cross_entropy(model(x), y)
        loss_v = loss.item()  # our loop reads the loss back every iteration too
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for it in range(a.warmup + a.iters):
        if it == a.warmup:
            torch.cuda.synchronize()
            start = time.perf_counter()
        step()
    torch.cuda.synchronize()
    sec = time.perf_counter() - start
    kernels = "-"
    if a.count_kernels:
        from torch.profiler import ProfilerActivity, profile
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            for _ in range(3):
                step()
            torch.cuda.synchronize()
        n = sum(1 for e in prof.events()
                if e.device_type == torch.autograd.DeviceType.CUDA
                and not e.name.lower().startswith(("memcpy", "memset")))
        kernels = f"{n / 3:.0f}"
    ms, ips = 1e3 * sec / a.iters, a.iters * a.batch / sec
    params = sum(p.numel() for p in model.parameters())
    print(f"torch {a.net + '.cfg':<24} {'inference' if a.infer else 'training'} batch {a.batch}: "
          f"{ips:9.1f} images/s {ms:8.2f} ms/iteration, {kernels} kernels/iteration "
          f"({a.iters} iterations after {a.warmup} warm-up; last loss {loss_v:.3f}; {params} parameters; "
          f"torch {torch.__version__}, {torch.cuda.get_device_name()}, cudnn.benchmark on, "
          f"{'TF32 allowed' if a.tf32 else 'strict FP32'})")
    print(f"RESULT torch {a.net}.cfg {a.batch} {ips:.1f} {ms:.3f} {kernels}")


if __name__ == "__main__":
    main()
