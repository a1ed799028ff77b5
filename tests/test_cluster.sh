#!/bin/sh
# test_cluster.sh - scripts/run_experiments.sh through the two real dispatchers, not
# dry runs: GNU parallel (-j 2) and a one-node Slurm cluster started here (munged,
# slurmctld and slurmd on 127.0.0.1, in a temporary folder, stopped at the end).
# Each submits a small smoke set (depth-20 networks, 4 iterations of 8 images on the
# CIFAR subset in $DN_CIFAR), waits for it, checks that every run finished (valid.txt
# and the final weights) and that scripts/report.sh reads them.
#
# Needs the Debian packages parallel, slurm-wlm and munge (.ci/run installs them), and
# root for the daemons. Where a dispatcher or daemon is not available the test says so
# on a "skip" line and does not count it as passed.
set -u
cd "$(dirname "$0")/.." || exit 2
export DN_CIFAR=${DN_CIFAR:-$(pwd)/../shared/cifar}
TMP=$(mktemp -d /tmp/dn_cluster.XXXXXX)
fails=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
skip() { echo "skip $1"; }

stop_cluster() {
    if [ -n "${SLURM_CONF:-}" ]; then
        scontrol shutdown >/dev/null 2>&1
        for f in slurmctld slurmd; do
            [ -f "$TMP/slurm/$f.pid" ] && kill "$(cat "$TMP/slurm/$f.pid")" 2>/dev/null
        done
    fi
    [ -f "$TMP/slurm/munged.pid" ] && kill "$(cat "$TMP/slurm/munged.pid")" 2>/dev/null
    sleep 1
}
trap 'stop_cluster; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

[ -d "$DN_CIFAR/cifar-10-batches-bin" ] || { fail "no CIFAR subset at $DN_CIFAR (set DN_CIFAR)"; exit 1; }
[ -x ./darknet ] || { fail "./darknet is not built (make darknet)"; exit 1; }

ONLY=resnet_20,se_resnet_20,res_se_net_20
NETS="resnet_20 se_resnet_20 res_se_net_20"

# every run of the three networks on both datasets finished, and the report reads all six
check_runs() { # what runs-dir
    bad=""
    for ds in cifar10 cifar100; do
        for net in $NETS; do
            d=$2/$ds/$net/1
            [ -s "$d/valid.txt" ] && [ -s "$d/${net}_final.weights" ] || bad="$bad $ds/$net"
        done
    done
    if [ -z "$bad" ]; then
        ok "$1: all 6 runs finished (valid.txt, final weights)"
    else
        fail "$1: unfinished runs:$bad"
    fi
    if scripts/report.sh "$2" "$TMP/report-$1" > "$TMP/report-$1.log" 2>&1 &&
        grep -q 'report: 6 runs (6 finished)' "$TMP/report-$1.log"; then
        ok "$1: report.sh reads the 6 runs"
    else
        fail "$1: report.sh: $(tail -2 "$TMP/report-$1.log")"
    fi
}

# ---------------------------------------------------------------- GNU parallel
if command -v parallel >/dev/null 2>&1; then
    R=$TMP/parallel
    scripts/run_experiments.sh smoke --runs "$R" --only "$ONLY" --valid-limit 40 --threads 1 --no-build -j 2 \
        > "$TMP/parallel.log" 2>&1
    if grep -q 'running 6 runs, 2 at a time, with GNU parallel' "$TMP/parallel.log"; then
        ok "GNU parallel: the runner dispatched 6 runs through it, 2 at a time"
    else
        fail "GNU parallel was not used: $(grep 'running' "$TMP/parallel.log")"
    fi
    check_runs parallel "$R"
else
    skip "GNU parallel not installed (apt-get install parallel): its path was not tried"
fi

# ---------------------------------------------------------------- Slurm
slurm_missing=""
for c in munged slurmctld slurmd sbatch squeue scontrol; do
    command -v "$c" >/dev/null 2>&1 || slurm_missing="$slurm_missing $c"
done
if [ -n "$slurm_missing" ]; then
    skip "Slurm not installed (apt-get install slurm-wlm munge; missing:$slurm_missing): its path was not tried"
    echo "test_cluster: $fails failed"
    [ "$fails" -eq 0 ]
    exit
fi
if [ "$(id -u)" -ne 0 ]; then
    skip "Slurm: the one-node cluster needs root to start slurmd: its path was not tried"
    [ "$fails" -eq 0 ]
    exit
fi

S=$TMP/slurm
mkdir -p "$S/state" "$S/spool"
# ports from this process id, so two test runs on one machine do not collide
port=$((20000 + ($$ % 5000) * 2))
cat > "$S/slurm.conf" <<EOF
ClusterName=dntest
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$S/munge.sock
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$S/slurm.conf
started=1
if [ ! -r /etc/munge/munge.key ]; then
    skip "Slurm: no /etc/munge/munge.key (the munge package makes one): its path was not tried"; started=0
elif ! munged -f --socket="$S/munge.sock" --pid-file="$S/munged.pid" --log-file="$S/munged.log" \
    --seed-file="$S/munged.seed" > "$S/start.log" 2>&1; then
    skip "Slurm: munged did not start ($(tail -1 "$S/start.log")): its path was not tried"; started=0
elif ! slurmctld >> "$S/start.log" 2>&1 || ! slurmd -N localhost >> "$S/start.log" 2>&1; then
    skip "Slurm: slurmctld/slurmd did not start ($(tail -1 "$S/start.log")): its path was not tried"; started=0
fi
if [ "$started" = 1 ]; then
    # wait (at most 30 s) for the node to report idle
    i=0
    while [ $i -lt 30 ] && ! sinfo -h -o %T 2>/dev/null | grep -q idle; do sleep 1; i=$((i + 1)); done
    if ! sinfo -h -o %T 2>/dev/null | grep -q idle; then
        skip "Slurm: the node did not come up in 30 s ($(tail -1 "$S/slurmd.log")): its path was not tried"
        started=0
    fi
fi
if [ "$started" = 1 ]; then
    R=$TMP/slurm-runs
    scripts/run_experiments.sh smoke --runs "$R" --only "$ONLY" --valid-limit 40 --threads 1 --no-build --slurm \
        > "$TMP/slurm.log" 2>&1
    job=$(sed -n 's/^Submitted batch job \([0-9]*\).*/\1/p' "$TMP/slurm.log")
    if [ -n "$job" ] && grep -q '^#SBATCH --array=1-6$' "$R"/slurm/*.sbatch; then
        ok "Slurm: the smoke set went in as one 6-task job array (job $job)"
        # wait (at most 10 minutes) until the array has left the queue
        i=0
        while [ $i -lt 600 ] && [ -n "$(squeue -h -j "$job" 2>/dev/null)" ]; do sleep 2; i=$((i + 2)); done
        [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] || fail "Slurm: job $job still queued after 10 minutes"
        n=$(ls "$R"/slurm/*.out 2>/dev/null | wc -l)
        [ "$n" -eq 6 ] && ok "Slurm: one task log per run in runs/slurm/ ($n)" || fail "Slurm: $n task logs, not 6"
        check_runs slurm "$R"
    else
        fail "Slurm: submission failed: $(tail -3 "$TMP/slurm.log")"
    fi
fi

echo "test_cluster: $fails failed"
[ "$fails" -eq 0 ]
