#!/usr/bin/python3
"""PyTorch reference dumps for the C parity test (tests/test_parity.c).

    /usr/bin/python3 scripts/torch_reference.py --out tests/fixtures

Needs Python 3 with PyTorch and NumPy (Debian's python3-torch); used only to
produce the fixtures, never by the C build or by `make test`.

Networks (our own PyTorch definitions in scripts/torch_nets.py, independent of
the cfg files; the C test builds the cfg and checks that every tensor lands on
the layer and parameter of the same name and shape):
    resnet_20                  paper ResNet-20: basic blocks, 1x1-conv + BN bridges
    se_resnet_20               paper SE-ResNet-20: SE (r=16) after the second BN of
                               every residual branch, plain bridges
    res_se_net_20              paper Res-SE-Net-20: SE (r=16) after the bridge's BN
    released_res_se_net_44     released-code Res-SE-Net-44: bottleneck blocks
                               (1x1, 3x3 stride s, 1x1 x4), bridge (+SE) on the first
                               block of every stage

What is computed, in float64 (the fixture holds the exact values rounded once
to float32, so the C test's tolerances bound the C code's own float32 error):
    1. training-mode forward of a batch of 4 seeded N(0,1) 32x32x3 images with
       seeded random labels, cross-entropy loss (mean), backward;
    2. one torch.optim.SGD step (lr 0.1, momentum 0.9, weight_decay 1e-4 on
       every parameter: PyTorch's behaviour, our cfgs' decay_scope=all);
    3. eval-mode logits AFTER the step (running statistics as updated by
       step 1's forward);
    4. a second training forward/backward/step on the same batch (the first
       step with a non-zero momentum buffer), then eval-mode logits again.

Initial values: every parameter and running statistic comes from a tiny
deterministic generator that C reproduces exactly (UNIFORM below), so the
fixture stores a seed per tensor instead of the values. The BN gammas and
betas are chosen to keep the test point away from ReLU kinks (see BN_INIT),
and the seed of each network is the first (from --seed) whose reference is
well conditioned: every ReLU input of the training forwards at least
--relu-margin of its tensor's largest from zero, and a random 2^-22 relative
perturbation of the input and every initial parameter moving no compared value
by more than --margin of its tolerance. The script prints, per network, those
worst ratios and PyTorch's own float32 run measured against the fixture with
the C test's tolerances.

Fixture file format (little-endian), version 1:
    char magic[8] = "DNPARITY"; uint32 version = 1; uint32 count;
    count tensor records:
        uint32 name_len; char name[name_len];      (no terminating NUL)
        uint32 ndims; uint32 dims[ndims];          (n = product of dims; 1 if ndims = 0)
        uint32 encoding;
          0 RAW      float32 data[n]
          1 STRIDED  uint32 stride; uint32 m; float32 data[m]: elements 0, stride,
                     2*stride, ... (m = ceil(n / stride)); stride is odd and not a
                     multiple of 3, so it visits every position of a 3x3 kernel
          2 UNIFORM  uint64 seed; float32 offset; float32 scale; uint32 gap:
                     element i is o + scale * t(seed, i), o = offset, or with
                     gap = 1, o = offset if t > 0 else -offset;
                     t = (2*u + 1 - 2^24) / 2^24 with u = splitmix64(seed, i) >> 40
                     (see uniform_t); scale is a power of two, so scale*t is exact
                     and o + scale*t is rounded once, as in C
Tensor names:
    input (4,3,32,32), labels (4) (class indices as floats), sgd (3) = lr,
    momentum, weight decay;
    param/L<i>/<layer type>/<param name>   initial parameters and running stats in
                                           .weights order (UNIFORM)
    logits (4,10) training-mode input of the final softmax, loss (1)
    grad/L<i>/<type>/<name>                gradients of the learned parameters
    step1/L<i>/<type>/<name>               parameters and running stats after step 1
    eval_logits (4,10)                     eval mode, after step 1
    logits2, loss2                         training forward of step 2
    step2/L<i>/<type>/<name>               parameters and running stats after step 2
    eval_logits2 (4,10)                    eval mode, after step 2
    grad2/L<i>/<type>/<name>               gradients of step 2
grad*/ and step*/ tensors with more than --max-elems (2048) elements are STRIDED.
"""

import argparse
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

from torch_nets import SE, ConvBN, build, record_relu_margins

MAGIC = b"DNPARITY"
VERSION = 1
ENC_RAW, ENC_STRIDED, ENC_UNIFORM = 0, 1, 2
BATCH, CLASSES = 4, 10
LR, MOMENTUM, DECAY = 0.1, 0.9, 1e-4

M64 = (1 << 64) - 1


# --------------------------------------------------------------------------- deterministic init

def uniform_t(seed, n):
    """t(seed, i) for i < n, exact float32 values in (-1, 1): a splitmix64 of
    seed + (i+1)*golden, top 24 bits u, t = (2u + 1 - 2^24) / 2^24."""
    with np.errstate(over="ignore"):
        i = np.arange(1, n + 1, dtype=np.uint64)
        z = np.uint64(seed & M64) + i * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.int64)
    return ((2 * u + 1 - (1 << 24)).astype(np.float32) * np.float32(2.0 ** -24)).astype(np.float32)


def pow2(x):
    return 2.0 ** round(math.log2(x))


def uniform_values(seed, n, offset, scale, gap):
    """offset + scale*t, or with gap (offset if t > 0 else -offset) + scale*t:
    one rounding in float32 (scale*t is exact)."""
    t = uniform_t(seed, n)
    off = np.where(t > 0, np.float32(offset), np.float32(-offset)) if gap else np.float32(offset)
    return (off + np.float32(scale) * t).astype(np.float32)


# --------------------------------------------------------------------------- the networks
#
# The networks are those of scripts/torch_nets.py; this script adds the
# deterministic initial values of their parameters (below) and the schedule.


def layers(model):
    """Darknet layers in cfg order: (type, [(param name, tensor, kind, init)])
    with kind 'w' (weight), 'b' (bias-like) or 's' (running statistic), params
    in .weights order."""
    out = []
    for ltype, parts in model.darknet_layers():
        params = []
        for m, role in parts:
            if isinstance(m, ConvBN):
                params += convbn_params(m, role)
            elif isinstance(m, SE):
                params += se_params(m)
            else:
                params += linear_params(m, ("biases", "weights"))
        out.append((ltype, params))
    return out


# Each parameter carries its deterministic init (offset, scale, gap): values
# uniform in offset +- scale, or with gap in +-[offset, offset + scale] (see
# uniform_values); scale is a power of two. Conv weights: the Kaiming fan-out
# bound; Linear weights and biases: PyTorch's +-1/sqrt(fan_in); running
# mean +-0.125, running variance [0.75, 1.25].
#
# BN gamma and beta are chosen to keep the test point away from ReLU kinks. A
# ReLU input within float32 rounding of zero is decided differently by two
# correct float32 implementations, and one such element changes the gradients
# of the layers around it by ~1/sqrt(batch*pixels), a few percent at batch 4:
# with gamma ~ 1 and beta ~ 0 (about 5 million ReLU inputs in the bottleneck
# net) PyTorch's own float32 run does this to half of all seeds. So:
#   BN before a ReLU in a branch ("relu"): gamma [1/8, 1/4], beta +-[1, 1.5]:
#       every channel is on or off, the kink lies 4+ standard deviations out;
#   BN closing a residual branch ("residual") and the bridge's BN ("bridge"):
#       gamma [1/16, 3/16] resp. [1/8, 1/4], beta [1, 1.5]: the sum before the
#       block's ReLU stays positive. Small residual gammas also keep these deep
#       random nets out of the chaotic regime (a 1e-7 change of the input
#       moving the 65-layer net's gradients by 1e-3 and more).
BN_INIT = {
    "relu": ((0.1875, 0.0625, 0), (1.0, 0.5, 1)),
    "residual": ((0.0234375, 0.0078125, 0), (0.1875, 0.0625, 0)),
    "bridge": ((0.125, 0.0625, 0), (0.625, 0.125, 0)),
}


def convbn_params(m, role):
    w = m.conv.weight
    fan_out = w.shape[0] * w.shape[2] * w.shape[3]
    gamma, beta = BN_INIT[role]
    return [("biases", m.bn.bias, "b", beta), ("scales", m.bn.weight, "b", gamma),
            ("rolling_mean", m.bn.running_mean, "s", (0.0, 0.125, 0)),
            ("rolling_variance", m.bn.running_var, "s", (1.0, 0.25, 0)),
            ("weights", w, "w", (0.0, pow2(math.sqrt(6.0 / fan_out)), 0))]


def linear_params(m, names, bias=None):
    bound = (0.0, pow2(1.0 / math.sqrt(m.weight.shape[1])), 0)
    return [(names[0], m.bias, "b", bias or bound), (names[1], m.weight, "w", bound)]


def se_params(m):
    # first bias in [1/8, 3/8]: keeps the hidden units alive (their input, the
    # mean of a BN output, hardly varies between images here)
    return (linear_params(m.fc1, ("se_biases1", "se_weights1"), (0.25, 0.125, 0)) +
            linear_params(m.fc2, ("se_biases2", "se_weights2")))


NETWORKS = {
    # fixture name: network (torch_nets.build), also its cfg: cfg/<network>.cfg
    "resnet_20": "resnet_20",
    "se_resnet_20": "se_resnet_20",
    "res_se_net_20": "res_se_net_20",
    "released_res_se_net_44": "released/res_se_net_44",
}


# --------------------------------------------------------------------------- parameters

def named_layer_tensors(model):
    """[(name, tensor, kind, init)] in .weights order, name = L<i>/<type>/<param>."""
    out = []
    for i, (ltype, params) in enumerate(layers(model)):
        for pname, t, kind, init in params:
            out.append(("L%d/%s/%s" % (i, ltype, pname), t, kind, init))
    return out


def initialise(model, seed):
    """Set every parameter and running stat from the deterministic generator;
    return {name: (seed, offset, scale, gap)}."""
    specs = {}
    with torch.no_grad():
        for ordinal, (name, t, _, (offset, scale, gap)) in enumerate(named_layer_tensors(model)):
            spec = ((seed * 0x100000001B3 + (ordinal + 1) * 0x9E3779B97F4A7C15) & M64, offset, scale, gap)
            vals = uniform_values(spec[0], t.numel(), offset, scale, gap)
            t.copy_(torch.from_numpy(vals.astype(np.float64)).view(t.shape))
            specs[name] = spec
    return specs


# --------------------------------------------------------------------------- the run

def run(net, seed, dtype, perturb=0.0):
    """Builds the network, runs the schedule in dtype; returns (tensors, results,
    specs). results maps fixture tensor names to tensors. perturb > 0 multiplies
    the input and every initial parameter by (1 + perturb*N(0,1)) (robustness
    check only)."""
    torch.manual_seed(seed)
    model = build(net, CLASSES).to(dtype)
    specs = initialise(model, seed)
    g = torch.Generator().manual_seed(seed + 1)
    x32 = torch.randn(BATCH, 3, 32, 32, generator=g, dtype=torch.float32)
    labels = torch.randint(0, CLASSES, (BATCH,), generator=g)
    x = x32.to(dtype)
    tensors = named_layer_tensors(model)
    if perturb:
        pg = torch.Generator().manual_seed(seed + 2)
        with torch.no_grad():
            for _, t, _, _ in tensors:
                t.mul_(1 + perturb * torch.randn(t.shape, generator=pg, dtype=torch.float64).to(dtype))
            x = x * (1 + perturb * torch.randn(x.shape, generator=pg, dtype=torch.float64).to(dtype))
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=DECAY)
    learned = [(n, t) for n, t, k, _ in tensors if k != "s"]
    r = {"input": x32, "labels": labels.to(torch.float32),
         "sgd": torch.tensor([LR, MOMENTUM, DECAY], dtype=torch.float64)}

    def train_step(step):
        model.train()
        with record_relu_margins() as margins:
            logits = model(x)
        r["relu_margin%d" % step] = min(margins)
        loss = F.cross_entropy(logits, labels)
        opt.zero_grad()
        loss.backward()
        sfx = "" if step == 1 else "2"
        r["logits" + sfx], r["loss" + sfx] = logits.detach().clone(), loss.detach().reshape(1).clone()
        for n, t in learned:
            r["grad%s/%s" % (sfx, n)] = t.grad.detach().clone()
        opt.step()
        for n, t, _, _ in tensors:
            r["step%d/%s" % (step, n)] = t.detach().clone()
        model.eval()
        with torch.no_grad():
            r["eval_logits" + sfx] = model(x).clone()

    for n, t, _, _ in tensors:
        r["param/" + n] = t.detach().clone()
    train_step(1)
    train_step(2)
    return tensors, r, specs


# --------------------------------------------------------------------------- tolerances
#
# The same per-kind tolerances as tests/test_parity.c (keep the two in step):
# element i of tensor t passes when
#     |ours_i - ref_i| <= afrac * S_t + rtol * |ref_i|  (+ 2^-22 |w1_i| for "step1 update")
# S_t = max(max |ref_t|, 1e-3 G), G = the largest |ref| of the kind (the floor
# is for gradients that cancel almost exactly, see the C file). "step1 update"
# compares w1 - w0 rather than w1.
# kind: (name, fixture prefix or name, which, afrac, rtol); which: None for a
# whole-network tensor, else "grad", "value", "stat" or "update".

KINDS = [
    ("logits", "logits", None, 1e-5, 1e-4),
    ("loss", "loss", None, 0.0, 1e-5),
    ("grads", "grad/", "grad", 1e-4, 1e-3),
    ("step1 params", "step1/", "value", 1e-6, 1e-5),
    ("step1 update", "step1/", "update", 1e-4, 1e-3),
    ("step1 stats", "step1/", "stat", 1e-5, 1e-4),
    ("eval logits", "eval_logits", None, 1e-5, 1e-4),
    ("logits2", "logits2", None, 1e-5, 1e-4),
    ("loss2", "loss2", None, 0.0, 1e-5),
    ("grads2", "grad2/", "grad", 1e-4, 1e-3),
    ("step2 params", "step2/", "value", 1e-6, 1e-5),
    ("step2 stats", "step2/", "stat", 1e-5, 1e-4),
    ("eval logits2", "eval_logits2", None, 1e-5, 1e-4),
]


def f32(t):
    return t.to(torch.float64).to(torch.float32).to(torch.float64)


def worst_ratios(ours, ref, stats):
    """{kind: max over elements of error / tolerance} of results `ours` against
    `ref` (both as returned by run; ref rounded to float32 as in the fixture);
    stats = names of the running statistics."""
    out = {}
    for kind, key, which, afrac, rtol in KINDS:
        pairs = []
        for name in ref:
            if which is None:
                if name != key:
                    continue
            else:
                if not name.startswith(key):
                    continue
                pname = name[len(key):]
                if which != "grad" and (pname in stats) != (which == "stat"):
                    continue
            o, r, ulp = ours[name].to(torch.float64), f32(ref[name]), 0.0
            if which == "update":
                ulp = 2.0 ** -22 * r.abs()
                o = o - ours["param/" + pname].to(torch.float64)
                r = r - f32(ref["param/" + pname])
            pairs.append((o, r, ulp))
        G = max(r.abs().max().item() for _, r, _ in pairs)
        worst = 0.0
        for o, r, ulp in pairs:
            S = max(r.abs().max().item(), 1e-3 * G)
            d = (o - r).abs()
            tol = afrac * S + rtol * r.abs() + ulp
            ratio = torch.where(d == 0, torch.zeros_like(d), d / tol)
            worst = max(worst, ratio.max().item())
        out[kind] = worst
    return out


# --------------------------------------------------------------------------- writing

def sample_stride(n, max_elems):
    if max_elems <= 0 or n <= max_elems:
        return 1
    s = -(-n // max_elems)
    while s % 2 == 0 or s % 3 == 0:
        s += 1
    return s


class Writer:
    def __init__(self):
        self.records = []

    def _head(self, name, shape, enc):
        nb = name.encode()
        return (struct.pack("<I", len(nb)) + nb + struct.pack("<I", len(shape)) +
                b"".join(struct.pack("<I", d) for d in shape) + struct.pack("<I", enc))

    def raw(self, name, t, max_elems=0):
        a = t.detach().cpu().to(torch.float64).numpy().astype(np.float32).ravel()
        shape = tuple(t.shape)
        s = sample_stride(a.size, max_elems)
        if s == 1:
            self.records.append(self._head(name, shape, ENC_RAW) + a.astype("<f4").tobytes())
        else:
            sub = a[::s]
            self.records.append(self._head(name, shape, ENC_STRIDED) + struct.pack("<II", s, sub.size) +
                                sub.astype("<f4").tobytes())

    def uniform(self, name, shape, spec):
        seed, offset, scale, gap = spec
        self.records.append(self._head(name, shape, ENC_UNIFORM) + struct.pack("<QffI", seed, offset, scale, gap))

    def save(self, path):
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(MAGIC + struct.pack("<II", VERSION, len(self.records)))
            for r in self.records:
                f.write(r)
        os.replace(tmp, path)


def fmt_ratios(w):
    return ", ".join("%s %.2g" % kv for kv in w.items())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="tests/fixtures", help="output directory (default tests/fixtures)")
    ap.add_argument("--seed", type=int, default=20240607)
    ap.add_argument("--max-elems", type=int, default=2048,
                    help="grad*/ and step*/ tensors larger than this are stored STRIDED (0: all full)")
    ap.add_argument("--margin", type=float, default=0.25,
                    help="accept a seed when float64 from inputs and parameters perturbed by 2^-22 "
                         "(relative, random) stays within this fraction of every tolerance")
    ap.add_argument("--relu-margin", type=float, default=2e-4,
                    help="accept a seed when every ReLU input of the training forwards is at least this "
                         "fraction of the largest in its tensor away from zero")
    ap.add_argument("--tries", type=int, default=20, help="seeds tried per network")
    ap.add_argument("--only", help="comma-separated fixture names")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    os.makedirs(a.out, exist_ok=True)
    names = a.only.split(",") if a.only else list(NETWORKS)
    for name in names:
        net = NETWORKS[name]
        cfg = "cfg/%s.cfg" % net
        k = list(NETWORKS).index(name)
        # Seed search: the reference point must be well conditioned: no ReLU input
        # near its kink, and a perturbation of every input and initial parameter
        # a few times larger than float32 rounding moving no compared value by
        # more than margin * its tolerance.
        for j in range(a.tries):
            seed = a.seed + 1000 * k + j
            tensors, r, specs = run(net, seed, torch.float64)
            margin = min(r.pop("relu_margin1"), r.pop("relu_margin2"))
            if margin < a.relu_margin:
                print("%s: seed %d rejected: a ReLU input %.2g of its tensor's largest from zero"
                      % (name, seed, margin))
                continue
            stats = {n for n, _, kk, _ in tensors if kk == "s"}
            wpert = worst_ratios(run(net, seed, torch.float64, perturb=2.0 ** -22)[1], r, stats)
            worst = max(wpert.values())
            if worst <= a.margin:
                break
            print("%s: seed %d rejected: perturbed inputs and parameters move a value by %.3g of its "
                  "tolerance (%s)" % (name, seed, worst, fmt_ratios(wpert)))
        else:
            print("%s: no well-conditioned seed in %d tries" % (name, a.tries))
            return 1
        w = Writer()
        for key in ("input", "labels", "sgd"):
            w.raw(key, r[key])
        for n, t, _, _ in tensors:
            w.uniform("param/" + n, tuple(t.shape), specs[n])
        learned = [n for n, _, kk, _ in tensors if kk != "s"]
        all_names = [n for n, _, _, _ in tensors]
        for sfx, step in (("", 1), ("2", 2)):
            w.raw("logits" + sfx, r["logits" + sfx])
            w.raw("loss" + sfx, r["loss" + sfx])
            for n in learned:
                w.raw("grad%s/%s" % (sfx, n), r["grad%s/%s" % (sfx, n)], a.max_elems)
            for n in all_names:
                w.raw("step%d/%s" % (step, n), r["step%d/%s" % (step, n)], a.max_elems)
            w.raw("eval_logits" + sfx, r["eval_logits" + sfx])
        path = os.path.join(a.out, name + ".bin")
        w.save(path)
        # for information: PyTorch's own float32 run against the same reference
        w32 = worst_ratios(run(net, seed, torch.float32)[1], r, stats)
        nparams = sum(t.numel() for _, t, kk, _ in tensors if kk != "s")
        print("%s: %s, seed %d, %d learned params in %d tensors, %d bytes, loss %.6f -> %.6f, "
              "ReLU margin %.2g\n"
              "    PyTorch float32 worst error / tolerance: %s\n"
              "    float64 perturbed by 2^-22:              %s"
              % (path, cfg, seed, nparams, len(tensors), os.path.getsize(path), r["loss"].item(),
                 r["loss2"].item(), margin, fmt_ratios(w32), fmt_ratios(wpert)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
