#!/bin/sh
# report.sh - the paper's tables and loss curves from the runs of scripts/run_experiments.sh:
#
#   scripts/report.sh [runs-dir] [out-dir]      (defaults: runs, and out-dir = runs-dir)
#
# writes <out-dir>/results.md (top-1/top-5 final and best per network and dataset, mean and
# standard deviation over seeds, parameter counts, the paper's numbers beside ours, the
# improvement of Res-SE-Net over ResNet and SE-ResNet as in the paper's Tables 6 and 7, the
# state of every run), results.csv, runs.csv, and figures/*.png (training loss per depth, the
# three families overlaid, CIFAR-10 and CIFAR-100 side by side, like the paper's Figures 5-7;
# drawn by `./darknet plot`). Needs python3 (standard library) and ./darknet (built if missing).
set -eu
abspath() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
runs=$(abspath "${1:-runs}")
out=$(abspath "${2:-$runs}")
cd "$(dirname "$0")/.."
command -v python3 >/dev/null 2>&1 || { echo "report.sh: python3 is needed (apt-get install python3)" >&2; exit 1; }
[ -x ./darknet ] || make -s darknet >&2 || { echo "report.sh: cannot build ./darknet" >&2; exit 1; }
exec python3 scripts/report.py "$runs" "$out"
