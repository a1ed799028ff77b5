#!/usr/bin/env python3
"""report.py - the paper's tables and figures from the run directories of
scripts/run_experiments.sh (called by scripts/report.sh; Python 3 standard
library only).

    scripts/report.py [runs-dir] [out-dir]

Reads every <runs>/<dataset>/<network>/<seed>/run.info and writes to out-dir
(default: runs-dir):
  results.md    top-1/top-5 per network and dataset (final and best, mean and
                standard deviation over seeds, the paper's numbers beside
                ours), parameter counts, the improvement of Res-SE-Net over
                ResNet and over SE-ResNet (the paper's Tables 6 and 7), every
                run's state, and the figures;
  results.csv   one row per (dataset, network), the numbers of results.md;
  runs.csv      one row per run;
  figures/loss_depth_<d>.png   training loss of ResNet, SE-ResNet and
                Res-SE-Net of depth d, CIFAR-10 and CIFAR-100 side by side
                (the paper's Figures 5-7), drawn by `./darknet plot`;
  figures/valid_depth_<d>.png  the same for validation top-1.

final = the accuracy of the final weights (`classifier valid` after the last
iteration). best = the validation during training with the highest top-1
(and the top-5 of that same validation): the paper's code reports its best
epoch.
"""
import csv
import datetime
import math
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DARKNET = os.path.join(ROOT, "darknet")
PAPER_CSV = os.path.join(ROOT, "scripts", "paper_tables.csv")
DATASETS = [("cifar10", "CIFAR-10"), ("cifar100", "CIFAR-100")]
FAMILIES = {  # family -> (display name, paper table)
    "resnet": ("ResNet", 1),
    "se_resnet": ("SE-ResNet", 4),
    "res_se_net": ("Res-SE-Net", 5),
    "resnet_nobridge": ("ResNet without bridges", 2),
}
DEPTHS = [20, 32, 44, 56, 110]


def read_kv(path):
    out = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if "=" in line:
                k, v = line.split("=", 1)
                out[k] = v
    return out


def read_csv_rows(path):
    try:
        with open(path) as f:
            return [r for r in csv.DictReader(f)]
    except OSError:
        return []


def classify(network):
    """(kind, family, depth) of a network name such as resnet_20,
    ablations/resnet_nobridge_56 or released/res_se_net_110."""
    folder, _, name = network.rpartition("/")
    m = re.fullmatch(r"(resnet|se_resnet|res_se_net|resnet_nobridge)_(\d+)", name)
    if not m:
        return ("ablation", name, None)
    family, depth = m.group(1), int(m.group(2))
    if folder == "released":
        return ("released", family, depth)
    if folder == "" and family != "resnet_nobridge":
        return ("paper", family, depth)
    return ("ablation" if family != "resnet_nobridge" else "paper2", family, depth)


def display(network):
    kind, family, depth = classify(network)
    if depth is None:
        return network
    name = "%s-%d" % (FAMILIES[family][0].replace(" without bridges", ""), depth)
    if family == "resnet_nobridge":
        name += " without bridges"
    if kind == "released":
        name += " (released code)"
    return name


def sort_key(network):
    kind, family, depth = classify(network)
    order = {"paper": 0, "paper2": 1, "released": 2, "ablation": 3}[kind]
    fam = list(FAMILIES).index(family) if family in FAMILIES else 9
    return (order, fam, depth or 0, network)


def param_count(cache, data, cfg):
    key = (cfg, data)
    if key not in cache:
        cache[key] = None
        try:
            out = subprocess.run([DARKNET, "summary", data, cfg], capture_output=True, text=True, timeout=120).stdout
            m = re.search(r"parameters: (\d+) learned", out)
            cache[key] = int(m.group(1)) if m else None
        except (OSError, subprocess.SubprocessError):
            pass
    return cache[key]


def load_run(d, pcache):
    info = read_kv(os.path.join(d, "run.info"))
    net = info.get("network", "?")
    base = os.path.basename(net)
    r = {"dir": d, "dataset": info.get("dataset", "?"), "network": net, "seed": int(info.get("seed", 0) or 0),
         "set": info.get("set", ""), "overrides": "", "valid_limit": "all"}
    m = re.fullmatch(r"(.*) valid_limit=(\S+)", info.get("overrides", ""))
    if m:
        r["overrides"], r["valid_limit"] = m.group(1).strip(), m.group(2)
    cfg = os.path.join(d, base + ".cfg")
    r["train_images"] = None
    try:
        with open(read_kv(os.path.join(d, "run.data")).get("train", "")) as f:
            r["train_images"] = sum(1 for line in f if line.strip())
    except OSError:
        pass
    r["max_batches"] = None
    try:
        with open(cfg) as f:
            for line in f:
                m = re.match(r"\s*max_batches\s*=\s*(\d+)", line)
                if m:
                    r["max_batches"] = int(m.group(1))
                    break
    except OSError:
        pass
    loss = read_csv_rows(os.path.join(d, base + ".loss.csv"))
    r["loss_csv"] = os.path.join(d, base + ".loss.csv") if loss else None
    r["valid_csv"] = os.path.join(d, base + ".valid.csv")
    r["iteration"] = int(loss[-1]["iteration"]) if loss else 0
    r["epoch"] = float(loss[-1]["epoch"]) if loss else 0.0
    r["final1"] = r["final5"] = None
    try:
        with open(os.path.join(d, "valid.txt")) as f:
            m = re.search(r"(\d+) images, top 1: ([0-9.]+), top (\d+): ([0-9.]+)", f.read())
        if m:
            r["final1"], r["final5"] = 100 * float(m.group(2)), 100 * float(m.group(4))
            r["valid_images"] = int(m.group(1))
    except OSError:
        pass
    finished = r["final1"] is not None and os.path.exists(os.path.join(d, base + "_final.weights"))
    r["status"] = "finished" if finished else ("running" if r["iteration"] else "new")
    # best: the validation with the highest top-1 (earliest on ties); the final one counts too
    cands = [(100 * float(v["top1"]), 100 * float(v["topk"]), int(v["iteration"]))
             for v in read_csv_rows(r["valid_csv"]) if v.get("top1") not in (None, "")]
    if finished:
        cands.append((r["final1"], r["final5"], r["iteration"]))
    r["best1"] = r["best5"] = r["best_iter"] = None
    for c in cands:
        if r["best1"] is None or c[0] > r["best1"]:
            r["best1"], r["best5"], r["best_iter"] = c
    classes = "100" if r["dataset"] == "cifar100" else "10"
    r["params"] = param_count(pcache, os.path.join(ROOT, "cfg", "cifar%s.data" % classes), cfg) if os.path.exists(cfg) else None
    return r


def find_runs(runs_dir):
    found = []
    for dirpath, dirnames, filenames in os.walk(runs_dir):
        dirnames[:] = sorted(x for x in dirnames if not x.startswith(".") and x not in ("figures", "data", "slurm"))
        if "run.info" in filenames:
            found.append(dirpath)
            dirnames[:] = []
    return found


def mean_std(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else None)


def fmt(m, s=None, digits=2):
    if m is None:
        return "—"
    out = "%.*f" % (digits, m)
    if s is not None:
        out += " ± %.*f" % (digits, s)
    return out


def fmt_signed(v):
    return "—" if v is None else "%+.2f" % v


def paper_table():
    rows = {}
    with open(PAPER_CSV) as f:
        for row in csv.DictReader(line for line in f if not line.startswith("#")):
            rows[(row["family"], int(row["depth"]))] = row
    return rows


def paper_value(paper, network, dataset, which):
    kind, family, depth = classify(network)
    row = paper.get((family, depth)) if kind in ("paper", "paper2", "released") else None
    if not row:
        return None, None
    return float(row["%s_%s" % (dataset, which)]), int(row["table"])


def plot(out, panels, x, y, xlabel, ylabel, yscale=None, xbin=0):
    """panels: [(title, [(label, csv or None), ...]), ...]; missing files keep their colour."""
    args = [DARKNET, "plot", out, "-x", x, "-y", y, "-xlabel", xlabel, "-ylabel", ylabel]
    if xbin:
        args += ["-bin", "%g" % xbin]
    if yscale:
        args += ["-yscale", str(yscale)]
    for title, series in panels:
        args += ["-panel", title]
        args += ["%s=%s" % (label, path or "") for label, path in series]  # "label=": no file yet
    p = subprocess.run(args, capture_output=True, text=True)
    return p.returncode == 0


def main():
    runs_dir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "runs"))
    out_dir = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else runs_dir)
    if not os.path.isdir(runs_dir):
        sys.exit("report: %s: no such directory" % runs_dir)
    pcache = {}
    runs = [load_run(d, pcache) for d in find_runs(runs_dir)]
    if not runs:
        sys.exit("report: no runs under %s (no run.info found)" % runs_dir)
    os.makedirs(os.path.join(out_dir, "figures"), exist_ok=True)
    paper = paper_table()

    groups = {}
    for r in runs:
        groups.setdefault((r["dataset"], r["network"]), []).append(r)
    networks = sorted({r["network"] for r in runs}, key=sort_key)
    agg = {}
    for key, rs in groups.items():
        fin = [r for r in rs if r["status"] == "finished"]
        a = {"runs": len(rs), "seeds": len(fin), "params": next((r["params"] for r in rs if r["params"]), None),
             "iterations": sorted({r["iteration"] for r in fin})}
        for k in ("final1", "final5", "best1", "best5"):
            a[k] = mean_std([r[k] for r in fin])
        a["p1"], a["table"] = paper_value(paper, key[1], key[0], "top1")
        a["p5"], _ = paper_value(paper, key[1], key[0], "top5")
        agg[key] = a

    # ------------------------------------------------------------ results.csv / runs.csv
    with open(os.path.join(out_dir, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["dataset", "network", "family", "depth", "params", "seeds", "iterations",
                    "top1_final_mean", "top1_final_std", "top5_final_mean", "top5_final_std",
                    "top1_best_mean", "top1_best_std", "top5_best_mean", "top5_best_std",
                    "paper_table", "paper_top1", "paper_top5"])
        for ds, _ in DATASETS:
            for net in networks:
                a = agg.get((ds, net))
                if not a:
                    continue
                kind, family, depth = classify(net)
                num = lambda v: "" if v is None else "%.4f" % v
                w.writerow([ds, net, family, depth or "", a["params"] or "", a["seeds"],
                            "/".join(map(str, a["iterations"])),
                            num(a["final1"][0]), num(a["final1"][1]), num(a["final5"][0]), num(a["final5"][1]),
                            num(a["best1"][0]), num(a["best1"][1]), num(a["best5"][0]), num(a["best5"][1]),
                            a["table"] or "", num(a["p1"]), num(a["p5"])])
    with open(os.path.join(out_dir, "runs.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["dataset", "network", "seed", "status", "iteration", "max_batches", "epoch", "top1_final",
                    "top5_final", "top1_best", "top5_best", "best_iteration", "params", "overrides",
                    "valid_images", "dir"])
        for r in sorted(runs, key=lambda r: (r["dataset"], sort_key(r["network"]), r["seed"])):
            num = lambda v: "" if v is None else "%.2f" % v
            w.writerow([r["dataset"], r["network"], r["seed"], r["status"], r["iteration"], r["max_batches"] or "",
                        "%.3f" % r["epoch"], num(r["final1"]), num(r["final5"]), num(r["best1"]), num(r["best5"]),
                        r["best_iter"] or "", r["params"] or "", r["overrides"], r["valid_limit"],
                        os.path.relpath(r["dir"], runs_dir)])

    # ------------------------------------------------------------ figures
    figures = []
    for depth in DEPTHS:
        fams = ["resnet", "se_resnet", "res_se_net"]
        first = {}
        for ds, _ in DATASETS:
            for fam in fams:
                rs = sorted(groups.get((ds, "%s_%d" % (fam, depth)), []), key=lambda r: r["seed"])
                rs = [r for r in rs if r["loss_csv"]]
                first[(ds, fam)] = rs[0] if rs else None
        if not any(first.values()):
            continue
        # the loss is averaged per epoch like the paper's figures (or over 1/60 of a short run)
        epochs = max(r["epoch"] for r in first.values() if r)
        xbin = 1 if epochs >= 30 else epochs / 60
        for kind, x, y, xl, yl, col in (("loss", "epoch", "loss", "EPOCH", "TRAINING LOSS", "loss_csv"),
                                         ("valid", "epoch", "top1", "EPOCH", "TOP-1 ACCURACY (%)", "valid_csv")):
            panels = []
            for ds, dname in DATASETS:
                series = []
                for fam in fams:
                    r = first[(ds, fam)]
                    path = r[col] if r and r[col] and os.path.exists(r[col]) else None
                    series.append(("%s-%d" % (FAMILIES[fam][0], depth), path))
                panels.append((dname, series))
            name = "figures/%s_depth_%d.png" % (kind, depth)
            if plot(os.path.join(out_dir, name), panels, x, y, xl, yl, 100 if kind == "valid" else None,
                    xbin if kind == "loss" else 0):
                figures.append((kind, depth, name))

    # ------------------------------------------------------------ results.md
    md = []
    add = md.append
    nfin = sum(r["status"] == "finished" for r in runs)
    add("# Results")
    add("")
    add("Generated by `scripts/report.sh` from `%s` on %s: %d runs, %d finished, %d in progress." %
        (os.path.relpath(runs_dir, ROOT) if runs_dir.startswith(ROOT) else runs_dir,
         datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), len(runs), nfin, len(runs) - nfin))
    add("")
    add("- Accuracies are test-set percentages; with several seeds, mean ± sample standard deviation "
        "over the finished seeds (the Seeds column).")
    add("- **final**: the final weights, after the last iteration (`classifier valid`).")
    add("- **best**: the validation during training with the highest top-1, and the top-5 of that same "
        "validation. The paper's code reports its best epoch, so the paper's numbers compare with *best*.")
    add("- **paper**: the paper's own number (table in brackets; `scripts/paper_tables.csv`). Released-code "
        "variants are shown beside the paper's number for the network of the same name.")
    settings = sorted({(r["overrides"], r["valid_limit"]) for r in runs})
    small = sorted({r["train_images"] for r in runs if r["train_images"] and r["train_images"] < 50000})
    if any(o or v != "all" for o, v in settings) or small:
        what = ["`%s`%s" % (o or "cfg as is", "" if v == "all" else ", validation on the first %s test images" % v)
                for o, v in settings]
        if small:
            what.append("training on %s images instead of 50,000 (the small subset?)" % "/".join(map(str, small)))
        add("- **Not the paper's protocol**: these runs changed the schedule, the training set or the test set "
            "(%s), so their numbers are not comparable with the paper's." % "; ".join(what))
    add("")
    for ds, dname in DATASETS:
        nets = [n for n in networks if (ds, n) in agg]
        if not nets:
            continue
        add("## %s: top-1 / top-5 accuracy (%%)" % dname)
        add("")
        add("| Network | Params | Seeds | Iterations | Top-1 final | Top-1 best | Top-1 paper | "
            "Top-5 final | Top-5 best | Top-5 paper |")
        add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for n in nets:
            a = agg[(ds, n)]
            paper1 = "—" if a["p1"] is None else "%.2f (T%d)" % (a["p1"], a["table"])
            paper5 = "—" if a["p5"] is None else "%.2f" % a["p5"]
            its = "/".join(map(str, a["iterations"])) or "—"
            add("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |" % (
                display(n), "{:,}".format(a["params"]) if a["params"] else "—", a["seeds"], its,
                fmt(*a["final1"]), fmt(*a["best1"]), paper1, fmt(*a["final5"]), fmt(*a["best5"]), paper5))
        add("")
        if ds == "cifar100" and any(classify(n)[1] == "resnet_nobridge" for n in nets):
            add("(The paper's Table 2 repeats Table 1's CIFAR-100 numbers for ResNet-20/32/44 without bridges, "
                "as printed.)")
            add("")

    # Tables 6 and 7: improvement of Res-SE-Net in top-1 points
    def diff(ds, depth, other, k):
        a, b = agg.get((ds, "res_se_net_%d" % depth)), agg.get((ds, "%s_%d" % (other, depth)))
        if not a or not b or a[k][0] is None or b[k][0] is None:
            return None
        return a[k][0] - b[k][0]

    def pdiff(ds, depth, other):
        a, b = paper.get(("res_se_net", depth)), paper.get((other, depth))
        return float(a[ds + "_top1"]) - float(b[ds + "_top1"]) if a and b else None

    for tab, other in ((6, "resnet"), (7, "se_resnet")):
        depths = [d for d in DEPTHS if any(diff(ds, d, other, "final1") is not None for ds, _ in DATASETS)]
        add("## Table %d: Res-SE-Net over %s (top-1, percentage points)" % (tab, FAMILIES[other][0]))
        add("")
        if not depths:
            add("No depth has finished runs of both Res-SE-Net and %s yet." % FAMILIES[other][0])
            add("")
            continue
        add("Top-1 of Res-SE-Net minus top-1 of %s at the same depth (means over seeds); "
            "positive = Res-SE-Net is better." % FAMILIES[other][0])
        add("")
        add("| Depth | CIFAR-10 final | CIFAR-10 best | CIFAR-10 paper | CIFAR-100 final | CIFAR-100 best | CIFAR-100 paper |")
        add("|---:|---:|---:|---:|---:|---:|---:|")
        for d in depths:
            cells = []
            for ds, _ in DATASETS:
                cells += [fmt_signed(diff(ds, d, other, "final1")), fmt_signed(diff(ds, d, other, "best1")),
                          fmt_signed(pdiff(ds, d, other))]
            add("| %d | %s |" % (d, " | ".join(cells)))
        add("")

    if figures:
        add("## Figures")
        add("")
        add("Training loss (the mean per epoch, or per 1/60 of a run shorter than 30 epochs) against the epoch, the three "
            "families overlaid, CIFAR-10 left and CIFAR-100 right, like the paper's Figures 5-7; then validation "
            "top-1 during training. The lowest seed of each network is drawn. Every run also has its own live "
            "`chart.png` in its directory.")
        add("")
        for kind, depth, name in figures:
            add("![%s, depth %d](%s)" % ("training loss" if kind == "loss" else "validation top-1", depth, name))
            add("")

    add("## Runs")
    add("")
    add("| Dataset | Network | Seed | Status | Iteration | Epoch | Top-1 final | Top-5 final | Top-1 best (iteration) | Directory |")
    add("|---|---|---:|---|---:|---:|---:|---:|---:|---|")
    for r in sorted(runs, key=lambda r: (r["dataset"], sort_key(r["network"]), r["seed"])):
        it = "%d / %s" % (r["iteration"], r["max_batches"] or "?")
        best = "—" if r["best1"] is None else "%.2f (%d)" % (r["best1"], r["best_iter"])
        add("| %s | %s | %d | %s | %s | %.2f | %s | %s | %s | `%s` |" % (
            r["dataset"], r["network"], r["seed"], r["status"], it, r["epoch"], fmt(r["final1"]), fmt(r["final5"]),
            best, os.path.relpath(r["dir"], runs_dir)))
    add("")
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write("\n".join(md))
    print("report: %d runs (%d finished) -> %s, %s, %s and %d figures in %s" % (
        len(runs), nfin, os.path.join(out_dir, "results.md"), "results.csv", "runs.csv", len(figures),
        os.path.join(out_dir, "figures")))


if __name__ == "__main__":
    main()
