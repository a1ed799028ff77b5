#!/usr/bin/python3
"""PyTorch peer of `./darknet bench`: the same networks, the same synthetic work.

    /usr/bin/python3 scripts/bench_cpu_torch.py <net> [--batch N] [--iters N] [--warmup N]
                                            [--classes N] [--train 0|1] [--threads N]

<net> is one of resnet_20, se_resnet_20, res_se_net_20, resnet_110, ... (any paper depth
6n+2 of the three families), defined in scripts/torch_nets.py after cfg/<net>.cfg
(scripts/gen_cfgs.py, paper definition):
  stem        3x3 conv 16 + BN + ReLU
  3 stages    16/32/64 filters, n = (depth-2)/6 basic blocks each; the first block of
              stages 2 and 3 has stride 2
  basic block conv3x3(stride) BN ReLU, conv3x3 BN, [SE r=16: SE-ResNet], + shortcut, ReLU
  shortcut    identity, or on a shape change the bridge: 1x1 conv(stride) + BN
              [+ SE r=16 after the BN: Res-SE-Net]
  SE          s = sigmoid(W2 relu(W1 avg(x) + b1) + b2), out = x * s
  head        global average pool, linear(64 -> classes), softmax cross-entropy
Convolutions have no bias (BN's beta is the bias), as in the cfgs.

A training iteration is forward + cross-entropy + backward + SGD (lr 0.1, momentum 0.9,
weight decay 1e-4, the cfgs' values); inference is a forward in eval mode under no_grad.
Input: seeded normal noise (batch, 3, 32, 32); targets: seeded random labels. It times
--warmup untimed and --iters timed iterations and prints the median and the peak RSS
(getrusage) in the same "bench key=value" line as ./darknet bench.
Threads: --threads, else OMP_NUM_THREADS, else every core (torch.set_num_threads).
"""

import argparse
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn

from torch_nets import build


def make_net(name, classes):
    try:
        return build(name, classes)
    except ValueError:
        sys.exit("bench_cpu_torch.py: unknown network %r (resnet_20, se_resnet_20, res_se_net_20, ...)" % name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("net")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--train", type=int, default=1, choices=(0, 1))
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    threads = a.threads or int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or os.cpu_count()
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = make_net(a.net, a.classes)
    x = torch.randn(a.batch, 3, 32, 32)
    t = torch.randint(0, a.classes, (a.batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()
    model.train(bool(a.train))
    times = []
    for i in range(a.warmup + a.iters):
        if i == a.warmup:
            cpu0 = time.process_time()
        t0 = time.perf_counter()
        if a.train:
            opt.zero_grad()
            loss = loss_fn(model(x), t)
            loss.backward()
            opt.step()
        else:
            with torch.no_grad():
                model(x)
        if i >= a.warmup:
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    cpu_ms = (time.process_time() - cpu0) / a.iters * 1e3
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("%s %s batch %d, %d threads (PyTorch %s): median %.2f ms/iteration, %.1f images/s, peak RSS %.1f MB"
          % (a.net, "training" if a.train else "inference", a.batch, threads, torch.__version__,
             med * 1e3, a.batch / med, rss))
    print("bench mode=%s net=%s batch=%d threads=%d iters=%d median_ms=%.3f img_s=%.2f rss_mb=%.1f cpu_ms=%.1f"
          % ("train" if a.train else "infer", a.net, a.batch, threads, a.iters, med * 1e3, a.batch / med, rss,
             cpu_ms))


if __name__ == "__main__":
    main()
