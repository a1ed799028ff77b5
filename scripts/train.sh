#!/bin/sh
# train.sh - the main job in one command: install what is missing, build,
# fetch or find CIFAR, train a paper network and score it on the test set.
#
#   scripts/train.sh [cifar10|cifar100] [network] [darknet train flags...]
#
# network is a cfg name under cfg/ (default resnet_20; e.g. res_se_net_44,
# released/res_se_net_56, ablations/resnet_nobridge_20). Any further flags go
# to `./darknet classifier train`, e.g. -set max_batches=2000 for a short run
# or -seed 2. Weights, the .backup checkpoint and the loss log go to
# backup/<dataset>/; run the same command again to resume from the checkpoint.
set -eu
cd "$(dirname "$0")/.."
dataset=${1:-cifar10}
net=${2:-resnet_20}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
cfg=cfg/$net.cfg
[ -f "$cfg" ] || { echo "train.sh: no such network: $cfg" >&2; exit 1; }
case $dataset in cifar10|cifar100) ;; *) echo "train.sh: dataset must be cifar10 or cifar100" >&2; exit 1 ;; esac

scripts/deps.sh
make -s darknet
scripts/get_cifar.sh "$dataset"
base=$(basename "$net")
backup=backup/$dataset/$base.backup
if [ -f "$backup" ]; then
    echo "train.sh: resuming from $backup"
    ./darknet classifier train "cfg/$dataset.data" "$cfg" "$backup" "$@"
elif [ ! -f "backup/$dataset/${base}_final.weights" ] &&
    { [ -f "backup/$dataset/$base.loss.csv" ] || [ -f "backup/$dataset/$base.valid.csv" ]; }; then
    # an earlier attempt stopped before its first checkpoint: nothing to resume from, and
    # classifier train refuses to replace its logs unless told to with -clear
    echo "train.sh: backup/$dataset/$base.loss.csv has no checkpoint to resume from; starting over (-clear)"
    ./darknet classifier train "cfg/$dataset.data" "$cfg" -clear "$@"
else
    ./darknet classifier train "cfg/$dataset.data" "$cfg" "$@"
fi
./darknet classifier valid "cfg/$dataset.data" "$cfg" "backup/$dataset/${base}_final.weights"
