#!/usr/bin/env python3
"""bench_torch.py - PyTorch's training throughput for the paper's CIFAR networks,
the reference column of scripts/bench_gpu.sh.

The networks are written here to match our cfg files (scripts/gen_cfgs.py):
a 3x3 stem with 16 filters, three stages of n basic blocks (two 3x3 convs
with batch norm; 16/32/64 filters; the first block of stages 2 and 3 has
stride 2), depth = 6n + 2. A block adds its input through an identity
shortcut, or, where the shape changes, through a bridge connection: a 1x1
convolution with stride 2 and batch norm (no bias), in Res-SE-Net followed by
squeeze-and-excitation (reduction 16, hidden size max(1, C/16)). Then global
average pooling, a fully connected layer and the softmax cross-entropy.

One iteration does what our training loop does: upload a batch from pinned
host memory, forward, loss read back to the host, backward, SGD step with
momentum 0.9 and weight decay 1e-4 on every parameter. By default FP32 is
strict (no TF32) on both sides; --tf32 allows it in cuDNN and cuBLAS.

    python3 scripts/bench_torch.py --net resnet_20 [--batch 128] [--iters 100]
            [--warmup 10] [--classes 10] [--tf32] [--channels-last]

Prints a human line and `RESULT torch <net> <batch> <images/s> <ms/iteration>`.
"""
import argparse
import re
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class SE(nn.Module):
    def __init__(self, c, reduction=16):
        super().__init__()
        h = max(1, c // reduction)
        self.fc1 = nn.Linear(c, h)
        self.fc2 = nn.Linear(h, c)

    def forward(self, x):
        z = x.mean((2, 3))
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(z))))
        return x * s[:, :, None, None]


class Block(nn.Module):
    def __init__(self, cin, cout, stride, se_bridge):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.bridge = None
        if stride != 1 or cin != cout:
            layers = [nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout)]
            if se_bridge:
                layers.append(SE(cout))
            self.bridge = nn.Sequential(*layers)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (self.bridge(x) if self.bridge is not None else x))


class CifarResNet(nn.Module):
    def __init__(self, depth, classes, se_bridge):
        super().__init__()
        assert (depth - 2) % 6 == 0, "depth must be 6n + 2"
        n = (depth - 2) // 6
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        blocks, cin = [], 16
        for stage, cout in enumerate((16, 32, 64)):
            for i in range(n):
                blocks.append(Block(cin, cout, 2 if stage > 0 and i == 0 else 1, se_bridge))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.fc(x.mean((2, 3)))


def build(name, classes):
    m = re.fullmatch(r"(resnet|res_se_net)_(\d+)", name)
    if not m:
        sys.exit(f"bench_torch.py: unknown network {name} (resnet_N or res_se_net_N)")
    return CifarResNet(int(m.group(2)), classes, m.group(1) == "res_se_net")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--net", required=True)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--iters", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--tf32", action="store_true")
    ap.add_argument("--channels-last", action="store_true")
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
    model.train()
    loss_v = 0.0
    for it in range(a.warmup + a.iters):
        if it == a.warmup:
            torch.cuda.synchronize()
            start = time.perf_counter()
        x = x_host.to(dev, non_blocking=True).contiguous(memory_format=fmt)
        y = y_host.to(dev, non_blocking=True)
        loss = F.cross_entropy(model(x), y)
        loss_v = loss.item()  # our loop reads the loss back every iteration too
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    torch.cuda.synchronize()
    sec = time.perf_counter() - start
    ms, ips = 1e3 * sec / a.iters, a.iters * a.batch / sec
    params = sum(p.numel() for p in model.parameters())
    print(f"torch {a.net + '.cfg':<24} batch {a.batch}: {ips:9.1f} images/s {ms:8.2f} ms/iteration "
          f"({a.iters} iterations after {a.warmup} warm-up; last loss {loss_v:.3f}; {params} parameters; "
          f"torch {torch.__version__}, {torch.cuda.get_device_name()}, {'TF32 allowed' if a.tf32 else 'strict FP32'})")
    print(f"RESULT torch {a.net}.cfg {a.batch} {ips:.1f} {ms:.3f}")


if __name__ == "__main__":
    main()
