#!/usr/bin/env python3
"""Generate the Darknet-style network cfgs of the Res-SE-Net reproduction.

    scripts/gen_cfgs.py [--out DIR]            write every cfg (default: the repo's cfg/)
    scripts/gen_cfgs.py --check [--params P]   count params / BN stats / MACs of the
                                               generated cfgs and compare them with
                                               params.json (default ../shared/reference/
                                               params.json beside the repo); exit 1 on
                                               any mismatch.  Writes nothing.
    scripts/gen_cfgs.py --table                print the markdown table of the 21 networks
    scripts/gen_cfgs.py --upstream-form DIR    write the "upstream form" of the 15 paper cfgs to DIR
                                               (not into cfg/): [bridge] and [se] spelled with the
                                               plain layers AlexeyAB Darknet has (see below)

Files written (all deterministic):
    cfg/{resnet,se_resnet,res_se_net}_{20,32,44,56,110}.cfg   paper definition, basic blocks
    cfg/released/{resnet,res_se_net}_{44,56,110}.cfg           released-code definition, bottleneck
    cfg/ablations/*.cfg                                        small edits of paper cfgs
    cfg/cifar10.data, cfg/cifar100.data

The counts are not computed from the builder's own bookkeeping: every network is rendered to
cfg text, that text is parsed back with a small Darknet-style parser and the parsed layer
list is walked (shapes, params, BN running stats, MACs).  So what is checked is exactly what
is in the files.  Python 3 standard library only.

Upstream form (DIR/<name>_upstream.cfg): the same network and the same [net] section, written as an
AlexeyAB Darknet user would, without our two layers:
    [bridge] from=X stride=s se=0|1  ->  [route] layers=X
                                         [convolutional] size=1 stride=s batch_normalize=1 linear
                                         (se=1: the four SE layers below, from= that convolution)
                                         [shortcut] from=<residual branch end> activation=relu
    [se] reduction=r                 ->  [avgpool]
                                         [convolutional] size=1 filters=C/r activation=relu
                                         [convolutional] size=1 filters=C activation=logistic
                                         [scale_channels] from=<the layer the SE weights>
The parameters come in the same order as in the native cfg (a [bridge] writes BN beta, scales,
mean, variance, 1x1 weights, then b1, W1, b2, W2; a bias-only [convolutional] writes biases, then
weights), so one .weights file loads in both forms; --check verifies that both forms have the same
params, BN stats and MACs.
"""

import argparse
import json
import os
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENERATOR = "scripts/gen_cfgs.py"
DEPTHS = (20, 32, 44, 56, 110)
FAMILIES = ("resnet", "se_resnet", "res_se_net")
RELEASED_FAMILIES = ("resnet", "res_se_net")
RELEASED_DEPTHS = (44, 56, 110)
CLASSES = (10, 100)

TITLE = {"resnet": "ResNet", "se_resnet": "SE-ResNet", "res_se_net": "Res-SE-Net"}
PAPER_TABLE = {"resnet": "Table 1", "se_resnet": "Table 4", "res_se_net": "Table 5"}

NET_KEYS = [
    ("batch", "128"), ("subdivisions", "1"),
    ("width", "32"), ("height", "32"), ("channels", "3"),
    ("learning_rate", "0.1"), ("momentum", "0.9"), ("decay", "0.0001"),
    ("decay_scope", "all"),  # PyTorch's weight_decay reaches every parameter (Darknet: weights only)
    ("policy", "steps"), ("steps", "32000,48000"), ("scales", ".1,.1"),
    ("max_batches", "64000"),
    ("crop_pad", "4"), ("flip", "1"),
    ("mean", "0.4914,0.4822,0.4465"), ("std", "0.2023,0.1994,0.2010"),
]


# --------------------------------------------------------------------------- building

class Net:
    """An ordered list of cfg sections. Layer indices are 0-based, [net] excluded."""

    def __init__(self, init):
        self.sections = [("net", NET_KEYS + [("init", init)], [])]
        self.pending = []  # comment lines to put before the next section
        self.channels = {}  # layer index -> output channels, for the upstream form's SE

    @property
    def n(self):
        """Index the next layer will get."""
        return len(self.sections) - 1

    def comment(self, text):
        self.pending.append(text)

    def add(self, kind, *keys):
        idx = self.n
        self.sections.append((kind, [(k, str(v)) for k, v in keys], self.pending))
        self.pending = []
        return idx

    def rel(self, idx):
        """Relative reference from the layer about to be added to layer idx."""
        return idx - self.n

    def text(self):
        out = []
        for kind, keys, comments in self.sections:
            if out:
                out.append("")
            out.extend("# " + c if c else "#" for c in comments)
            out.append("[%s]" % kind)
            out.extend("%s=%s" % kv for kv in keys)
        return "\n".join(out) + "\n"


def conv(net, filters, size, stride, activation):
    return net.add("convolutional", ("batch_normalize", 1), ("filters", filters),
                   ("size", size), ("stride", stride), ("pad", 1), ("activation", activation))


def bridge(net, frm, stride, se, reduction=16, se_position="after"):
    keys = [("from", net.rel(frm)), ("stride", stride), ("se", 1 if se else 0)]
    if se:
        keys += [("reduction", reduction), ("se_position", se_position)]
    keys.append(("activation", "relu"))
    return net.add("bridge", *keys)


def se_upstream(net, target, reduction=16):
    """[se] on layer `target` (the previous layer) in AlexeyAB's layers; returns the last index."""
    c = net.channels[target]
    net.add("avgpool")
    net.add("convolutional", ("filters", max(1, c // reduction)), ("size", 1), ("stride", 1),
            ("activation", "relu"))
    net.add("convolutional", ("filters", c), ("size", 1), ("stride", 1), ("activation", "logistic"))
    return net.add("scale_channels", ("from", net.rel(target)))


def bridge_upstream(net, frm, planes, stride, se, reduction=16):
    """[bridge] from=frm (se_position=after) in AlexeyAB's layers; the residual branch ends at
    the previous layer."""
    branch_end = net.n - 1
    net.add("route", ("layers", net.rel(frm)))
    proj = net.add("convolutional", ("batch_normalize", 1), ("filters", planes), ("size", 1),
                   ("stride", stride), ("pad", 0), ("activation", "linear"))
    net.channels[proj] = planes
    if se:
        se_upstream(net, proj, reduction)
    return net.add("shortcut", ("from", net.rel(branch_end)), ("activation", "relu"))


def head(net):
    net.comment("classifier: global average pool, fully connected (classes from the .data file), softmax")
    net.add("avgpool")
    net.add("connected", ("output", "classes"), ("activation", "linear"))
    net.add("softmax")


def stem(net):
    net.comment("stem: 3x3 conv, 16 filters, 32x32")
    conv(net, 16, 3, 1, "relu")


def paper_net(family, depth, variant=None, reduction=16, upstream=False):
    """Paper definition: basic blocks, n = (depth-2)/6 per stage, stages of 16/32/64 filters.

    variant: None | 'nobridge' | 'se_before' | 'se_all_shortcuts'
    reduction: SE reduction ratio of the bridges (Res-SE-Net only).
    upstream: write [bridge] and [se] in AlexeyAB's plain layers (module docstring).
    """
    assert (depth - 2) % 6 == 0
    assert not upstream or variant is None
    n = (depth - 2) // 6
    net = Net("fan_in" if family == "se_resnet" else "fan_out")
    stem(net)
    c_in, size = 16, 32
    for s, planes in enumerate((16, 32, 64), 1):
        stride = 1 if s == 1 else 2
        size //= stride
        first = net.n
        for b in range(n):
            st = stride if b == 0 else 1
            x = net.n - 1  # block input = output of the previous layer
            downsample = st != 1 or c_in != planes
            if downsample and variant == "nobridge":
                conv(net, planes, 3, st, "relu")
                conv(net, planes, 3, 1, "relu")
            else:
                conv(net, planes, 3, st, "relu")
                c2 = conv(net, planes, 3, 1, "linear")
                net.channels[c2] = planes
                if family == "se_resnet" and upstream:
                    se_upstream(net, c2)
                elif family == "se_resnet":
                    net.add("se", ("reduction", 16))
                if downsample and upstream:
                    bridge_upstream(net, x, planes, st, family == "res_se_net", reduction)
                elif downsample:
                    bridge(net, x, st, family == "res_se_net", reduction,
                           "before" if variant == "se_before" else "after")
                elif variant == "se_all_shortcuts":
                    net.add("route", ("layers", net.rel(x)))
                    net.add("se", ("reduction", 16))
                    net.add("shortcut", ("from", net.rel(c2)), ("activation", "relu"))
                else:
                    net.add("shortcut", ("from", net.rel(x)), ("activation", "relu"))
            c_in = planes
        stage_comment(net, first, "stage %d: %d filters, %dx%d, %d basic blocks" % (s, planes, size, size, n))
    head(net)
    return net


def stage_comment(net, first, text):
    """Put '# <text> (layers first-last)' before layer `first` (the stage is already built)."""
    net.sections[first + 1][2].append("%s (layers %d-%d)" % (text, first, net.n - 1))


def released_net(family, depth):
    """Released-code definition: bottleneck blocks (1x1, 3x3 stride s, 1x1 x4), stages of
    planes 16/32/64 (outputs 64/128/256), n = (depth-2)/6 blocks per stage (see docs/networks.md)."""
    assert (depth - 2) % 6 == 0
    n = (depth - 2) // 6
    net = Net("fan_out")
    stem(net)
    c_in, size = 16, 32
    for s, planes in enumerate((16, 32, 64), 1):
        stride = 1 if s == 1 else 2
        size //= stride
        first = net.n
        for b in range(n):
            st = stride if b == 0 else 1
            x = net.n - 1
            conv(net, planes, 1, 1, "relu")
            conv(net, planes, 3, st, "relu")
            conv(net, 4 * planes, 1, 1, "linear")
            if st != 1 or c_in != 4 * planes:
                bridge(net, x, st, family == "res_se_net")
            else:
                net.add("shortcut", ("from", net.rel(x)), ("activation", "relu"))
            c_in = 4 * planes
        stage_comment(net, first, "stage %d: planes %d -> %d channels, %dx%d, %d bottleneck blocks"
                      % (s, planes, 4 * planes, size, size, n))
    head(net)
    return net


# --------------------------------------------------------------------------- parsing, counting

def parse_cfg(text):
    """Darknet-style ini: [section] then key=value, '#'/';' comment lines, blanks ignored."""
    sections = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = "".join(raw.split())
        if not line or line[0] in "#;":
            continue
        if line[0] == "[":
            if line[-1] != "]":
                raise ValueError("line %d: bad section header %r" % (lineno, raw))
            sections.append((line[1:-1], {}))
        elif "=" in line and sections:
            k, v = line.split("=", 1)
            sections[-1][1][k] = v
        else:
            raise ValueError("line %d: cannot parse %r" % (lineno, raw))
    if not sections or sections[0][0] not in ("net", "network"):
        raise ValueError("first section must be [net]")
    return sections


def se_counts(c, r):
    h = max(1, c // r)
    return c * h + h + h * c + c, c * h + h * c  # params, macs


def count(sections, classes):
    """Walk the parsed layers: returns dict(params, bn_stats, macs) for one 32x32x3 image."""
    net = sections[0][1]
    shape = (int(net.get("channels", 3)), int(net.get("height", 32)), int(net.get("width", 32)))
    shapes = []
    params = stats = macs = 0

    def ref(i, v):
        j = int(v)
        j = i + j if j < 0 else j
        if not 0 <= j < i:
            raise ValueError("layer %d: bad reference %s" % (i, v))
        return j

    for i, (kind, k) in enumerate(sections[1:]):
        c, h, w = shape
        if kind in ("convolutional", "conv"):
            f, size, stride = int(k["filters"]), int(k.get("size", 1)), int(k.get("stride", 1))
            pad = size // 2 if int(k.get("pad", 0)) else int(k.get("padding", 0))
            oh, ow = (h + 2 * pad - size) // stride + 1, (w + 2 * pad - size) // stride + 1
            cg = c // int(k.get("groups", 1))  # input channels each filter reads
            params += size * size * cg * f
            if int(k.get("batch_normalize", 0)):
                params += 2 * f
                stats += 2 * f
            else:
                params += f
            macs += size * size * cg * f * oh * ow
            shape = (f, oh, ow)
        elif kind == "shortcut":
            src = shapes[ref(i, k["from"])]
            if src != shape:
                raise ValueError("layer %d: shortcut %s + %s" % (i, src, shape))
        elif kind == "bridge":
            ci, hi, wi = shapes[ref(i, k["from"])]
            stride = int(k.get("stride", 0)) or hi // h
            if (hi - 1) // stride + 1 != h or (wi - 1) // stride + 1 != w:
                raise ValueError("layer %d: bridge %s stride %d -> %s" % (i, (ci, hi, wi), stride, shape))
            params += ci * c + 2 * c
            stats += 2 * c
            macs += ci * c * h * w
            if int(k.get("se", 0)):
                before = k.get("se_position", "after") == "before"
                p, m = se_counts(ci if before else c, int(k.get("reduction", 16)))
                params += p
                macs += m
        elif kind == "se":
            p, m = se_counts(c, int(k.get("reduction", 16)))
            params += p
            macs += m
        elif kind == "route":
            srcs = [shapes[ref(i, v)] for v in k["layers"].split(",")]
            if any(s[1:] != srcs[0][1:] for s in srcs):
                raise ValueError("layer %d: route of mismatched sizes" % i)
            shape = (sum(s[0] for s in srcs), srcs[0][1], srcs[0][2])
        elif kind == "scale_channels":
            src = shapes[ref(i, k["from"])]
            if shape != (src[0], 1, 1):
                raise ValueError("layer %d: scale_channels of %s by %s" % (i, src, shape))
            shape = src
        elif kind == "avgpool":
            shape = (c, 1, 1)
        elif kind == "connected":
            out = k["output"]
            out = classes if out == "classes" else int(out)
            inputs = c * h * w
            params += inputs * out + out
            if int(k.get("batch_normalize", 0)):
                raise ValueError("layer %d: connected batch_normalize not expected" % i)
            macs += inputs * out
            shape = (out, 1, 1)
        elif kind == "softmax":
            pass
        else:
            raise ValueError("layer %d: unknown section [%s]" % (i, kind))
        shapes.append(shape)
    if shape != (classes, 1, 1):
        raise ValueError("network output %s, expected %d classes" % (shape, classes))
    return {"params": params, "bn_stats": stats, "macs": macs, "layers": len(shapes)}


# --------------------------------------------------------------------------- the file set

def fmt(n):
    return "{:,}".format(n)


def header(lines, counts):
    c10, c100 = counts[10], counts[100]
    out = list(lines) + [
        "params: %s (10 classes), %s (100 classes); BN running stats: %s"
        % (fmt(c10["params"]), fmt(c100["params"]), fmt(c10["bn_stats"])),
        "MACs per 32x32 image: %s (10 classes), %s (100 classes); %d layers after [net]"
        % (fmt(c10["macs"]), fmt(c100["macs"]), c10["layers"]),
        "generated by %s; do not edit by hand" % GENERATOR,
    ]
    return "".join("# %s\n" % l for l in out) + "\n"


def finish(net, lines):
    body = net.text()
    secs = parse_cfg(body)
    counts = {c: count(secs, c) for c in CLASSES}
    return header(lines, counts) + body, counts


def networks():
    """Yield (relpath, kind, info, text, counts). kind: paper | released | ablation."""
    for fam in FAMILIES:
        for d in DEPTHS:
            n = (d - 2) // 6
            extra = {"resnet": "plain 1x1-conv bridges",
                     "se_resnet": "SE (r=16) on every residual branch, plain 1x1-conv bridges",
                     "res_se_net": "SE (r=16) on the two 1x1-conv bridge-connections only"}[fam]
            text, counts = finish(paper_net(fam, d), [
                "%s-%d for CIFAR-10/100 (paper %s)" % (TITLE[fam], d, PAPER_TABLE[fam]),
                "definition: paper, basic blocks (two 3x3 convs), %d per stage, stages 16/32/64 filters" % n,
                "%s; weight init %s" % (extra, "fan_in" if fam == "se_resnet" else "fan_out"),
            ])
            yield ("%s_%d.cfg" % (fam, d), "paper", (fam, d, "basic", n), text, counts)
    for fam in RELEASED_FAMILIES:
        for d in RELEASED_DEPTHS:
            n = (d - 2) // 6
            text, counts = finish(released_net(fam, d), [
                "%s-%d for CIFAR-10/100, as in the authors' released code" % (TITLE[fam], d),
                "definition: released code, bottleneck blocks (1x1, 3x3, 1x1 x4), %d per stage," % n,
                "planes 16/32/64 -> 64/128/256 channels; n = (depth-2)/6 as in the code, so the",
                "network really has %d weighted layers, not %d" % (9 * n + 2, d),
                "bridges (1x1 conv%s) on the first block of every stage (stage 1: 16->64, stride 1)"
                % (" + SE r=16" if fam == "res_se_net" else ""),
            ])
            yield ("released/%s_%d.cfg" % (fam, d), "released", (fam, d, "bottleneck", n), text, counts)
    for d in DEPTHS:
        text, counts = finish(paper_net("resnet", d, "nobridge"), [
            "ablation: ResNet-%d WITHOUT bridge-connections (paper Table 2)" % d,
            "edit of resnet_%d.cfg: the first block of stages 2 and 3 keeps its two 3x3 convs" % d,
            "(the second with activation=relu) but has no [bridge] and no [shortcut] at all",
            "definition: paper, basic blocks, %d per stage" % ((d - 2) // 6),
        ])
        yield ("ablations/resnet_nobridge_%d.cfg" % d, "ablation", ("resnet", d, "nobridge"), text, counts)
    for d in (20, 56):
        text, counts = finish(paper_net("res_se_net", d, "se_before"), [
            "ablation: Res-SE-Net-%d with the bridge SE placed BEFORE the 1x1 projection" % d,
            "edit of res_se_net_%d.cfg: se_position=before on both [bridge] layers, so the SE" % d,
            "weights the block-input maps (C = 16 / 32) instead of the projected maps (C = 32 / 64)",
            "tests where SE belongs on the bridge-connection (Res-SE-Net design, paper Table 5);",
            "not an experiment reported in the paper",
        ])
        yield ("ablations/res_se_net_%d_se_before.cfg" % d, "ablation", ("res_se_net", d, "se_before"),
               text, counts)
        text, counts = finish(paper_net("res_se_net", d, "se_all_shortcuts"), [
            "ablation: Res-SE-Net-%d with SE on EVERY shortcut, identity ones included" % d,
            "edit of res_se_net_%d.cfg: each identity block ends with [route] layers=<block input>," % d,
            "[se] reduction=16, [shortcut] from=<second conv> activation=relu",
            "tests whether the gain comes from weighting bridge-connections specifically",
            "(Res-SE-Net design, paper Table 5); not an experiment reported in the paper.",
            "Same SE count and sizes as se_resnet_%d.cfg (one SE per block at the block's width), so" % d,
            "params and MACs equal SE-ResNet-%d: only the SE's position differs (shortcut vs residual)" % d,
        ])
        yield ("ablations/res_se_net_%d_se_all_shortcuts.cfg" % d, "ablation",
               ("res_se_net", d, "se_all_shortcuts"), text, counts)
    for r in (4, 8):
        text, counts = finish(paper_net("res_se_net", 20, reduction=r), [
            "ablation: Res-SE-Net-20 with SE reduction ratio %d on the bridges (paper uses 16)" % r,
            "edit of res_se_net_20.cfg: reduction=%d on both [bridge] layers" % r,
            "tests the sensitivity to the SE bottleneck width (paper Table 5 setting r=16);",
            "not an experiment reported in the paper",
        ])
        yield ("ablations/res_se_net_20_r%d.cfg" % r, "ablation", ("res_se_net", 20, "r%d" % r), text, counts)


def upstream_networks():
    """Yield (relpath, native relpath, text, counts) of the paper nets' upstream form."""
    for fam in FAMILIES:
        for d in DEPTHS:
            text, counts = finish(paper_net(fam, d, upstream=True), [
                "%s-%d for CIFAR-10/100 (paper %s), upstream form of cfg/%s_%d.cfg" % (TITLE[fam], d,
                                                                                    PAPER_TABLE[fam], fam, d),
                "the same network and [net] section, with [bridge] written as [route] + 1x1 stride-2",
                "[convolutional] (batch_normalize, linear) + [shortcut], and SE as [avgpool] + two 1x1",
                "[convolutional] (relu, logistic) + [scale_channels], the layers AlexeyAB Darknet has;",
                "parameters in the native cfg's order, so the same .weights file loads in both",
            ])
            yield "%s_%d_upstream.cfg" % (fam, d), "%s_%d.cfg" % (fam, d), text, counts


def write_text(path, text):
    """Write text to path through a temporary name in the same folder."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", newline="\n") as f:
        f.write(text)
    os.replace(tmp, path)


def write_upstream(outdir):
    files = [(rel, text) for rel, _, text, _ in upstream_networks()]
    for rel, text in files:
        write_text(os.path.join(outdir, rel), text)
    print("wrote %d upstream-form cfgs under %s" % (len(files), outdir))


def data_files():
    for c in CLASSES:
        name = "cifar%d" % c
        yield "%s.data" % name, (
            "# %s, read by ./darknet classifier {train,valid,predict}\n"
            "# generated by %s; do not edit by hand\n"
            "classes=%d\n"
            "train=data/%s/train.list\n"
            "valid=data/%s/test.list\n"
            "labels=data/%s/labels.txt\n"
            "backup=backup/%s/\n"
            "top=5\n" % (name.upper().replace("CIFAR", "CIFAR-"), GENERATOR, c, name, name, name, name))


def all_files():
    out = [(p, t) for p, _, _, t, _ in networks()]
    out += list(data_files())
    return out


def write(outdir):
    files = all_files()
    for rel, text in files:
        write_text(os.path.join(outdir, rel), text)
    print("wrote %d files under %s" % (len(files), outdir))


# --------------------------------------------------------------------------- checks

def expected_ablation(base, variant, d):
    """Independent closed-form expectation of an ablation, as a delta on its base counts."""
    exp = {c: dict(base[c]) for c in CLASSES}
    n = (d - 2) // 6
    bridges = [(16, 32, 16 * 16), (32, 64, 8 * 8)]  # cin, cout, output pixels
    for c in CLASSES:
        e = exp[c]
        if variant == "nobridge":
            for ci, co, px in bridges:
                e["params"] -= ci * co + 2 * co
                e["bn_stats"] -= 2 * co
                e["macs"] -= ci * co * px
            e["layers"] -= 2
        elif variant == "se_before":
            for ci, co, _ in bridges:
                e["params"] += se_counts(ci, 16)[0] - se_counts(co, 16)[0]
                e["macs"] += se_counts(ci, 16)[1] - se_counts(co, 16)[1]
        elif variant == "se_all_shortcuts":
            for ch, blocks in ((16, n), (32, n - 1), (64, n - 1)):
                e["params"] += blocks * se_counts(ch, 16)[0]
                e["macs"] += blocks * se_counts(ch, 16)[1]
                e["layers"] += 2 * blocks
        elif variant.startswith("r"):
            r = int(variant[1:])
            for _, co, _ in bridges:
                e["params"] += se_counts(co, r)[0] - se_counts(co, 16)[0]
                e["macs"] += se_counts(co, r)[1] - se_counts(co, 16)[1]
    return exp


def read_files(outdir):
    got = {}
    for rel, _ in all_files():
        path = os.path.join(outdir, rel)
        if os.path.exists(path):
            with open(path) as f:
                got[rel] = f.read()
    return got


def check(params_path, outdir):
    try:
        with open(params_path) as f:
            ref = json.load(f)
    except (OSError, ValueError) as e:
        print("FAIL cannot read reference counts %s: %s" % (params_path, e))
        return False
    on_disk = read_files(outdir)
    ok = True
    results = {}
    lines = []
    for rel, kind, info, text, counts in networks():
        fam, d = info[0], info[1]
        status = []
        # the committed/generated file must parse to the same counts as the generator's text
        if rel in on_disk:
            if on_disk[rel] != text:
                status.append("file differs from generator output")
            try:
                disk = parse_cfg(on_disk[rel])
                disk_counts = {c: count(disk, c) for c in CLASSES}
                if disk_counts != counts:
                    status.append("file counts params %d bn %d macs %d (10 classes)" % (
                        disk_counts[10]["params"], disk_counts[10]["bn_stats"], disk_counts[10]["macs"]))
            except (ValueError, KeyError) as e:
                status.append("file does not parse: %s" % e)
        results[rel] = counts
        if kind in ("paper", "released"):
            section = "paper" if kind == "paper" else "released_code"
            r = ref[section]["%s_%d" % (fam, d)]
            if r.get("block") != info[2]:
                status.append("block %s != reference %s" % (info[2], r.get("block")))
            for c in CLASSES:
                for key, mine in (("params", "params"), ("bn_running_stats", "bn_stats"), ("macs", "macs")):
                    want = r["%s_c%d" % (key, c)]
                    if counts[c][mine] != want:
                        status.append("%s_c%d %d != %d" % (key, c, counts[c][mine], want))
            src = "params.json %s" % section
        else:
            variant = info[2]
            base_rel = "%s_%d.cfg" % (fam, d)
            exp = expected_ablation(results[base_rel], variant, d)
            for c in CLASSES:
                for key in ("params", "bn_stats", "macs", "layers"):
                    if counts[c][key] != exp[c][key]:
                        status.append("%s_c%d %d != expected %d" % (key, c, counts[c][key], exp[c][key]))
            src = "closed form vs %s" % base_rel
        good = not status
        ok &= good
        lines.append("%-4s %-44s params %9s/%9s  bn %6s  macs %11s/%11s  [%s]%s" % (
            "ok" if good else "FAIL", rel, counts[10]["params"], counts[100]["params"],
            counts[10]["bn_stats"], counts[10]["macs"], counts[100]["macs"], src,
            "" if good else ": " + "; ".join(status)))
    # the upstream form of each paper net: the same params, BN stats and MACs (more layers)
    for rel, native, _, counts in upstream_networks():
        bad = ["%s_c%d %d != native %d" % (key, c, counts[c][key], results[native][c][key])
               for c in CLASSES for key in ("params", "bn_stats", "macs")
               if counts[c][key] != results[native][c][key]]
        ok &= not bad
        lines.append("%-4s %-44s params %9s/%9s  bn %6s  macs %11s/%11s  [== %s, %d layers]%s" % (
            "ok" if not bad else "FAIL", "(upstream form) " + rel, counts[10]["params"], counts[100]["params"],
            counts[10]["bn_stats"], counts[10]["macs"], counts[100]["macs"], native, counts[10]["layers"],
            "" if not bad else ": " + "; ".join(bad)))
    # released_code entries with basic blocks must equal the paper ones (identical definitions)
    for name, r in sorted(ref["released_code"].items()):
        if r.get("block") == "basic":
            good = r == ref["paper"].get(name)
            ok &= good
            lines.append("%-4s %-44s released_code basic == paper %s" % (
                "ok" if good else "FAIL", name, name + ".cfg"))
    c = ref.get("paper_claim_check_c10", {})
    if c:
        p = lambda rel: results[rel][10]["params"]
        for key, other in (("res_se_net_44_vs_resnet_110_fewer_pct", "resnet_110.cfg"),
                           ("res_se_net_44_vs_se_resnet_110_fewer_pct", "se_resnet_110.cfg")):
            if key in c:
                pct = round(100.0 * (1 - p("res_se_net_44.cfg") / p(other)), 3)
                good = abs(pct - c[key]) < 1e-9
                ok &= good
                lines.append("%-4s %-44s %.3f%% fewer params (reference %.3f%%)" % (
                    "ok" if good else "FAIL", key, pct, c[key]))
    missing = [rel for rel, _ in all_files() if rel not in on_disk]
    for rel in missing:
        lines.append("note %-44s not present under %s (counts checked on generator output)" % (rel, outdir))
    print("\n".join(lines))
    nfail = sum(1 for l in lines if l.startswith("FAIL"))
    print("%s: %d checks, %d failed" % ("ok" if ok else "FAIL", sum(1 for l in lines if l[:4] in ("ok  ", "FAIL")),
                                       nfail))
    return ok


def table():
    rows = ["| cfg | network | definition | blocks per stage | params CIFAR-10 | params CIFAR-100 "
            "| MACs per image (10 / 100 classes) |",
            "|---|---|---|---|---:|---:|---:|"]
    for rel, kind, info, _, counts in networks():
        if kind == "ablation":
            continue
        fam, d, block, n = info
        defn = "paper" if kind == "paper" else "released code"
        rows.append("| `cfg/%s` | %s-%d | %s | %d %s | %s | %s | %s / %s |" % (
            rel, TITLE[fam], d, defn, n, block, fmt(counts[10]["params"]), fmt(counts[100]["params"]),
            fmt(counts[10]["macs"]), fmt(counts[100]["macs"])))
    return "\n".join(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(REPO, "cfg"),
                    help="output directory (default: the repo's cfg/); with --check, the directory "
                         "whose files are also checked")
    ap.add_argument("--check", action="store_true",
                    help="compare params / BN stats / MACs with --params; writes nothing")
    ap.add_argument("--params", default=os.path.join(os.path.dirname(REPO), "shared", "reference",
                                                     "params.json"),
                    help="reference counts (default ../shared/reference/params.json beside the repo)")
    ap.add_argument("--table", action="store_true", help="print the markdown table of the 21 networks")
    ap.add_argument("--upstream-form", metavar="DIR",
                    help="write the upstream form of the 15 paper cfgs ([route]/[convolutional]/[shortcut] "
                         "for [bridge], [avgpool]/[convolutional]/[scale_channels] for [se]) to DIR")
    a = ap.parse_args(argv)
    if a.upstream_form:
        write_upstream(a.upstream_form)
        return 0
    if a.table:
        print(table())
        return 0
    if a.check:
        return 0 if check(a.params, a.out) else 1
    write(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
