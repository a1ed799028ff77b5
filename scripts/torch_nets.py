#!/usr/bin/python3
"""PyTorch definitions of the paper's CIFAR networks, written once for the three
scripts that need them: torch_reference.py (the parity fixtures of
tests/test_parity.c), bench_cpu_torch.py (scripts/bench_cpu.sh) and
bench_torch.py (scripts/bench_gpu.sh).

They follow the cfg files of scripts/gen_cfgs.py, with the same parameters:
  stem        3x3 conv 16 + BN + ReLU
  3 stages    16/32/64 filters (planes), n = (depth-2)/6 blocks each; the first
              block of stages 2 and 3 has stride 2
  basic       conv3x3(stride) BN ReLU, conv3x3 BN, [SE r=16: SE-ResNet],
              + shortcut, ReLU                    (paper definition, cfg/<family>_<depth>.cfg)
  bottleneck  conv1x1 BN ReLU, conv3x3(stride) BN ReLU, conv1x1 (4 x planes) BN,
              + shortcut, ReLU                    (released code, cfg/released/<family>_<depth>.cfg)
  shortcut    identity, or where the shape changes the bridge: 1x1 conv(stride) + BN
              [+ SE r=16 after the BN: Res-SE-Net]
  SE          s = sigmoid(W2 relu(W1 avg(x) + b1) + b2), out = x * s, hidden max(1, C/16)
  head        global average pool, linear(-> classes); the softmax is in the loss
Convolutions have no bias (BN's beta is the bias), as in the cfgs.

    /usr/bin/python3 scripts/torch_nets.py [--params P]

builds every network of params.json (default ../shared/reference/params.json beside
the repo), 10 and 100 classes, and compares its learned parameters and BN running
statistics with the file; exit 1 on any mismatch.
"""

import argparse
import contextlib
import json
import os
import re
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

FAMILIES = ("resnet", "se_resnet", "res_se_net")
# families whose released code switches to bottleneck blocks (gen_cfgs.RELEASED_FAMILIES)
RELEASED_FAMILIES = ("resnet", "res_se_net")

_relu_margins = None  # a list while record_relu_margins() is active


def relu(x):
    """F.relu; inside record_relu_margins() it also records min|x| / max|x|."""
    if _relu_margins is not None:
        a = x.detach().abs()
        _relu_margins.append((a.min() / a.max()).item() if a.max() > 0 else 0.0)
    return F.relu(x)


@contextlib.contextmanager
def record_relu_margins():
    """Yields a list that collects min|x| / max|x| of every ReLU input computed
    inside the with-block (torch_reference.py's seed selection)."""
    global _relu_margins
    _relu_margins = []
    try:
        yield _relu_margins
    finally:
        _relu_margins = None


class SE(nn.Module):
    """Squeeze-and-excitation: x * sigmoid(fc2(relu(fc1(mean_hw(x)))))."""

    def __init__(self, c, reduction=16):
        super().__init__()
        h = max(1, c // reduction)
        self.fc1 = nn.Linear(c, h)
        self.fc2 = nn.Linear(h, c)

    def forward(self, x):
        z = x.mean(dim=(2, 3))
        s = torch.sigmoid(self.fc2(relu(self.fc1(z))))
        return x * s[:, :, None, None]


class ConvBN(nn.Module):
    """conv kxk (stride, pad k/2, no bias) + BN: a cfg [convolutional] with
    batch_normalize=1, without its activation."""

    def __init__(self, cin, cout, k, stride):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1)

    def forward(self, x):
        return self.bn(self.conv(x))


# darknet_layers() describes each network as its cfg's layers, in order:
# (layer type, [(module, role)]) with module a ConvBN, SE or nn.Linear, in the
# order of the layer's parameters in .weights. role (ConvBN only) says what
# follows the BN: "relu" (a [convolutional] with activation=relu), "residual"
# (the linear conv closing a residual branch) or "bridge" (the bridge's conv).

class _Block(nn.Module):
    """What the two blocks share: the shortcut (self.down, self.down_se; set by
    the subclass) and the block's output relu(branch + shortcut(x))."""

    def join(self, out, x):
        sc = x
        if self.down is not None:
            sc = self.down(x)
            if self.down_se is not None:
                sc = self.down_se(sc)
        return relu(out + sc)

    def shortcut_layers(self):
        if self.down is None:
            return [("shortcut", [])]
        return [("bridge", [(self.down, "bridge")] + ([(self.down_se, None)] if self.down_se is not None else []))]


class Basic(_Block):
    """Paper basic block: relu(SE?(BN(conv3x3(relu(BN(conv3x3(x)))))) + shortcut(x)),
    shortcut = identity, or BN(conv1x1 stride s) (+ SE for Res-SE-Net)."""

    def __init__(self, cin, planes, stride, se_residual, se_bridge):
        super().__init__()
        self.c1 = ConvBN(cin, planes, 3, stride)
        self.c2 = ConvBN(planes, planes, 3, 1)
        self.se = SE(planes) if se_residual else None
        self.down = ConvBN(cin, planes, 1, stride) if stride != 1 or cin != planes else None
        self.down_se = SE(planes) if self.down is not None and se_bridge else None

    def forward(self, x):
        out = self.c2(relu(self.c1(x)))
        if self.se is not None:
            out = self.se(out)
        return self.join(out, x)

    def darknet_layers(self):
        out = [("convolutional", [(self.c1, "relu")]), ("convolutional", [(self.c2, "residual")])]
        if self.se is not None:
            out.append(("se", [(self.se, None)]))
        return out + self.shortcut_layers()


class Bottleneck(_Block):
    """Released-code bottleneck: 1x1 planes, 3x3 planes stride s, 1x1 4*planes;
    projection shortcut BN(conv1x1 stride s) (+ SE) when the shape changes."""

    def __init__(self, cin, planes, stride, se_bridge):
        super().__init__()
        self.c1 = ConvBN(cin, planes, 1, 1)
        self.c2 = ConvBN(planes, planes, 3, stride)
        self.c3 = ConvBN(planes, 4 * planes, 1, 1)
        change = stride != 1 or cin != 4 * planes
        self.down = ConvBN(cin, 4 * planes, 1, stride) if change else None
        self.down_se = SE(4 * planes) if change and se_bridge else None

    def forward(self, x):
        return self.join(self.c3(relu(self.c2(relu(self.c1(x))))), x)

    def darknet_layers(self):
        return ([("convolutional", [(self.c1, "relu")]), ("convolutional", [(self.c2, "relu")]),
                 ("convolutional", [(self.c3, "residual")])] + self.shortcut_layers())


class CifarResNet(nn.Module):
    """Stem 3x3 conv 16 + BN + relu, three stages of n blocks (stride 1, 2, 2),
    global average pool, linear classifier (softmax is in the loss).
    block: "basic" or "bottleneck" (which has no se_residual)."""

    def __init__(self, block, n, se_residual=False, se_bridge=False, classes=10):
        super().__init__()
        self.stem = ConvBN(3, 16, 3, 1)
        blocks, cin = [], 16
        for s, planes in enumerate((16, 32, 64)):
            for b in range(n):
                stride = 2 if s > 0 and b == 0 else 1
                if block == "basic":
                    blocks.append(Basic(cin, planes, stride, se_residual, se_bridge))
                    cin = planes
                else:
                    assert not se_residual, "bottleneck blocks have no residual SE"
                    blocks.append(Bottleneck(cin, planes, stride, se_bridge))
                    cin = 4 * planes
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.blocks(relu(self.stem(x)))
        return self.fc(x.mean(dim=(2, 3)))

    def darknet_layers(self):
        """The cfg's layers in order: [(type, [(module, role)])], see above."""
        out = [("convolutional", [(self.stem, "relu")])]
        for b in self.blocks:
            out += b.darknet_layers()
        return out + [("avgpool", []), ("connected", [(self.fc, None)]), ("softmax", [])]


def make(family, depth, block="basic", classes=10):
    """The network of family ("resnet", "se_resnet", "res_se_net") and depth 6n+2."""
    assert family in FAMILIES, family
    assert (depth - 2) % 6 == 0 and depth > 2, "depth must be 6n+2"
    return CifarResNet(block, (depth - 2) // 6, se_residual=family == "se_resnet",
                       se_bridge=family == "res_se_net", classes=classes)


def parse_name(name):
    """'<family>_<depth>' (paper, basic blocks: cfg/<name>.cfg) or
    'released/<family>_<depth>' (released code, bottleneck blocks, family resnet or
    res_se_net: cfg/released/...) -> (family, depth, block); ValueError otherwise."""
    m = re.fullmatch(r"(released/)?(res_se_net|se_resnet|resnet)_(\d+)", name)
    if not m or (int(m.group(3)) - 2) % 6 != 0 or int(m.group(3)) < 8:
        raise ValueError("unknown network %r" % name)
    if m.group(1) and m.group(2) not in RELEASED_FAMILIES:
        raise ValueError("unknown network %r (released code: bottleneck resnet and res_se_net only)" % name)
    return m.group(2), int(m.group(3)), "bottleneck" if m.group(1) else "basic"


def build(name, classes=10):
    """The network named like its cfg file under cfg/ (see parse_name)."""
    family, depth, block = parse_name(name)
    return make(family, depth, block, classes)


def counts(model):
    """(learned parameters, BN running statistics) as params.json counts them."""
    params = sum(p.numel() for p in model.parameters())
    stats = sum(m.running_mean.numel() + m.running_var.numel()
                for m in model.modules() if isinstance(m, nn.BatchNorm2d))
    return params, stats


def check(path):
    """Compare counts() of every network of params.json with it; returns the
    number of mismatches."""
    ref = json.load(open(path))
    bad = checked = 0
    for section in ("paper", "released_code"):
        for name, e in ref[section].items():
            family, depth, _ = parse_name(name)
            for classes in (10, 100):
                got = counts(make(family, depth, e["block"], classes))
                want = (e["params_c%d" % classes], e["bn_running_stats_c%d" % classes])
                checked += 1
                if got != want:
                    bad += 1
                    print("%s %s %s c%d: params %d, BN stats %d; params.json %d, %d"
                          % (section, name, e["block"], classes, got[0], got[1], want[0], want[1]))
    print("torch_nets: %d networks x class counts checked against %s, %d mismatches" % (checked, path, bad))
    return bad


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--params", default=os.path.join(os.path.dirname(repo), "shared", "reference", "params.json"),
                    help="reference counts (default ../shared/reference/params.json beside the repo)")
    a = ap.parse_args(argv)
    return 1 if check(a.params) else 0


if __name__ == "__main__":
    sys.exit(main())
