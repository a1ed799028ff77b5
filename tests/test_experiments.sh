#!/bin/sh
# test_experiments.sh - the experiment runner and the report, on the CIFAR
# subset in $DN_CIFAR (default ../shared/cifar): the smoke set restricted to
# the three depth-20 families and one ablation on both datasets (two runs at
# once), the run directory layout, validation during training (valid.csv,
# chart.png, its last row equal to the final `classifier valid`), a second
# invocation that skips every finished run, a run killed mid-training and
# resumed by the runner ending with the same weights as an uninterrupted run
# without validation (so validation does not disturb training either), the
# Slurm job array in --dry-run mode, and scripts/report.sh writing results.md,
# results.csv and the loss-curve PNGs. About a minute on two cores.
set -u
cd "$(dirname "$0")/.." || exit 2
export DN_CIFAR=${DN_CIFAR:-$(pwd)/../shared/cifar}
TMP=$(mktemp -d /tmp/dn_exp.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fails=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
is_png() { [ "$(head -c 4 "$1" 2>/dev/null | tail -c 3)" = PNG ]; }
rows() { echo $(($(wc -l < "$1") - 1)); }

[ -d "$DN_CIFAR/cifar-10-batches-bin" ] || { fail "no CIFAR subset at $DN_CIFAR (set DN_CIFAR)"; exit 1; }
R=$TMP/runs
ONLY=resnet_20,se_resnet_20,res_se_net_20,resnet_nobridge_20
NETS="resnet_20 se_resnet_20 res_se_net_20 ablations/resnet_nobridge_20"
smoke() { scripts/run_experiments.sh smoke --runs "$R" --only "$ONLY" --valid-limit 40 --threads 1 --no-build "$@"; }

# -- the smoke subset, two runs at a time
if smoke -j 2 > "$TMP/smoke.log" 2>&1; then
    ok "smoke set: $(grep -c ': done: ' "$TMP/smoke.log") runs trained and scored, 2 at a time"
else
    fail "smoke set: $(tail -3 "$TMP/smoke.log")"
fi

bad=""
for ds in cifar10 cifar100; do
    for net in $NETS; do
        d=$R/$ds/$net/1 b=$(basename "$net")
        for f in run.info run.data train.log "$b.cfg" "$b.loss.csv" "$b.valid.csv" "$b.backup" "${b}_final.weights" valid.txt; do
            [ -s "$d/$f" ] || bad="$bad $ds/$net/1/$f"
        done
        is_png "$d/chart.png" || bad="$bad $ds/$net/1/chart.png"
        [ -f "$d/$b.loss.csv" ] && [ "$(rows "$d/$b.loss.csv")" -ne 4 ] && bad="$bad $b.loss.csv:rows"
        [ -f "$d/$b.valid.csv" ] && [ "$(cut -d, -f1 "$d/$b.valid.csv" | tr '\n' ' ')" != "iteration 2 4 " ] && bad="$bad $b.valid.csv:iterations"
    done
done
[ -z "$bad" ] && ok "layout runs/<dataset>/<network>/<seed>/ with cfg, data, logs, CSVs, chart, checkpoints, valid.txt" ||
    fail "run directories lack:$bad"

d=$R/cifar10/resnet_20/1
if grep -q '^max_batches=4$' "$d/resnet_20.cfg" && grep -q '^batch=8$' "$d/resnet_20.cfg" &&
    grep -q "^valid=$d/valid.list$" "$d/run.data" && [ "$(wc -l < "$d/valid.list")" -eq 40 ]; then
    ok "the run's cfg copy carries the overrides; its .data points at its 40-image valid list"
else
    fail "run cfg/data: $(grep -E '^(batch|max_batches)=' "$d/resnet_20.cfg" | tr '\n' ' ') $(grep valid "$d/run.data")"
fi

# the last validation during training scores the final weights: same numbers as classifier valid
last=$(tail -1 "$d/resnet_20.valid.csv" | cut -d, -f3,4)
final=$(sed -n 's/.*top 1: \([0-9.]*\), top 5: \([0-9.]*\).*/\1,\2/p' "$d/valid.txt")
[ -n "$last" ] && [ "$last" = "$final" ] && ok "last validation during training ($last) equals classifier valid of the final weights" ||
    fail "validation during training ($last) differs from classifier valid ($final)"

# -- a second invocation skips everything and touches nothing
touch "$TMP/marker"
sleep 1
out=$(smoke -j 2 2>&1)
changed=$(find "$R/cifar10" "$R/cifar100" -newer "$TMP/marker" -type f | head -3)
if echo "$out" | grep -q "8 finished, 0 to resume, 0 to start" && echo "$out" | grep -q "nothing to do" && [ -z "$changed" ]; then
    ok "second invocation skips the 8 finished runs and changes no file"
else
    fail "second invocation: $(echo "$out" | tail -2) changed: $changed"
fi

# -- kill a run after its first checkpoint, resume it; compare with an uninterrupted run
#    that does not validate (validation must not change the weights)
K=$TMP/killed U=$TMP/plain
# (24 iterations leave time to kill the run after its first checkpoint, at iteration 2)
long="--only res_se_net_20 --datasets cifar10 --valid-limit 16 --threads 1 --no-build --set max_batches=24"
# shellcheck disable=SC2086
setsid scripts/run_experiments.sh smoke --runs "$K" $long > "$TMP/k1.log" 2>&1 &
pid=$!
kd=$K/cifar10/res_se_net_20/1
for _ in $(seq 600); do
    [ -f "$kd/res_se_net_20.backup" ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
done
kill -TERM -$pid 2>/dev/null # the runner's process group (setsid): runner, worker, darknet
wait $pid 2>/dev/null
state=$(scripts/run_experiments.sh smoke --runs "$K" $long --list 2>&1 | awk '{print $NF}')
if [ "$state" = partial ] && [ ! -f "$kd/res_se_net_20_final.weights" ]; then
    ok "killed at iteration $(tail -1 "$kd/res_se_net_20.loss.csv" | cut -d, -f1) after a checkpoint: --list says partial"
else
    fail "could not interrupt the run (state '$state'; $(tail -2 "$TMP/k1.log"))"
fi
# shellcheck disable=SC2086
scripts/run_experiments.sh smoke --runs "$K" $long > "$TMP/k2.log" 2>&1 || fail "resume: $(tail -2 "$TMP/k2.log")"
# shellcheck disable=SC2086
scripts/run_experiments.sh smoke --runs "$U" $long --set valid_every=0 > "$TMP/u.log" 2>&1 || fail "uninterrupted run: $(tail -2 "$TMP/u.log")"
ud=$U/cifar10/res_se_net_20/1
if grep -q resuming "$TMP/k2.log" && cmp -s "$kd/res_se_net_20_final.weights" "$ud/res_se_net_20_final.weights"; then
    ok "resumed run's final weights equal an uninterrupted run's without validation"
else
    fail "resumed/uninterrupted weights differ: $(grep -h 'res_se_net' "$TMP/k2.log" | tail -1)"
fi
if [ "$(cut -d, -f1 "$kd/res_se_net_20.loss.csv" | tr '\n' ' ')" = "iteration $(seq 1 24 | tr '\n' ' ')" ] &&
    [ "$(cut -d, -f1 "$kd/res_se_net_20.valid.csv" | tr '\n' ' ')" = "iteration $(seq 2 2 24 | tr '\n' ' ')" ] &&
    cut -d, -f1-5 "$kd/res_se_net_20.loss.csv" | cmp -s - "$(cut -d, -f1-5 "$ud/res_se_net_20.loss.csv" > "$TMP/u.csv"; echo "$TMP/u.csv")"; then
    ok "resumed run's loss and valid logs have each iteration once; loss log equals the uninterrupted one"
else
    fail "resumed logs: $(cut -d, -f1 "$kd/res_se_net_20.loss.csv" | tr '\n' ' ') / $(cut -d, -f1 "$kd/res_se_net_20.valid.csv" | tr '\n' ' ')"
fi
[ ! -d "$kd/.lock" ] && ok "no lock left behind" || fail "lock $kd/.lock left behind"
# other settings in the same directory are refused
# shellcheck disable=SC2086
out=$(scripts/run_experiments.sh smoke --runs "$U" $long --set valid_every=0 --set max_batches=12 2>&1)
rc=$?
out2=$(scripts/run_experiments.sh paper --runs "$R" --only resnet_20 --dry-run 2>&1)
if [ $rc -eq 2 ] && echo "$out" | grep -q "other settings" && echo "$out2" | grep -q "other settings"; then
    ok "runs made with other settings are neither continued nor counted as finished (smoke runs are not paper runs)"
else
    fail "settings mismatch not caught: rc $rc, $(echo "$out" | tail -1); $(echo "$out2" | tail -1)"
fi

# -- Slurm: the job array, printed only
E=$TMP/empty
out=$(scripts/run_experiments.sh paper --runs "$E" --slurm --dry-run --gpus 0 --sbatch "--partition=gpu --time=24:00:00" \
    --max-tasks 8 --threads 2 2>&1)
if echo "$out" | grep -q '^#SBATCH --array=1-30%8$' && echo "$out" | grep -q '^#SBATCH --gres=gpu:1$' &&
    echo "$out" | grep -q '^#SBATCH --cpus-per-task=2$' &&
    [ "$(echo "$out" | grep -c '^[0-9]*) exec scripts/run_experiments.sh paper --one cifar10* ')" -eq 30 ] &&
    echo "$out" | grep -q '^30) exec .* --one cifar100 res_se_net_20 1 .*--gpu-pool 0' &&
    echo "$out" | grep -q "sbatch --partition=gpu --time=24:00:00 $E/slurm/paper-" && [ ! -d "$E" ]; then
    ok "--slurm --dry-run prints a 30-task job array (one run per task) and its sbatch command, writes nothing"
else
    fail "slurm dry run: $(echo "$out" | head -12)"
fi
out=$(scripts/run_experiments.sh ablations --runs "$E" --dry-run -j 3 --seeds 2 --datasets cifar100 --only resnet_nobridge_20 2>&1)
[ "$(echo "$out" | grep -c -- '--one cifar100 ablations/resnet_nobridge_20 [12] ')" -eq 2 ] &&
    ok "-j --dry-run lists one command per pending run and seed" || fail "-j dry run: $out"
out=$(scripts/run_experiments.sh paper --only nope --runs "$R" 2>&1)
[ $? -eq 2 ] && echo "$out" | grep -q "'nope' is not a network" && ok "unknown network is a usage error" ||
    fail "--only nope: $out"

# -- the report
if scripts/report.sh "$R" "$TMP/report" > "$TMP/report.log" 2>&1; then
    ok "report.sh: $(cat "$TMP/report.log")"
else
    fail "report.sh: $(tail -3 "$TMP/report.log")"
fi
md=$TMP/report/results.md
missing=""
for want in "## CIFAR-10: top-1 / top-5 accuracy" "## CIFAR-100: top-1 / top-5 accuracy" "| ResNet-20 | 272,474 | 1 | 4 |" \
    "| Res-SE-Net-20 | 279,066 | 1 | 4 |" "91.40 (T1)" "| ResNet-20 without bridges |" "## Table 6: Res-SE-Net over ResNet" \
    "## Table 7: Res-SE-Net over SE-ResNet" "| 20 | " "**best**" "Not the paper's protocol" "figures/loss_depth_20.png"; do
    grep -qF -- "$want" "$md" 2>/dev/null || missing="$missing [$want]"
done
[ -z "$missing" ] && ok "results.md has both datasets' tables with params and paper numbers, Tables 6 and 7, figures" ||
    fail "results.md lacks:$missing"
[ -f "$TMP/report/results.csv" ] && [ "$(rows "$TMP/report/results.csv")" -eq 8 ] &&
    head -1 "$TMP/report/results.csv" | grep -q 'top1_final_mean,top1_final_std' && ok "results.csv has 8 rows" ||
    fail "results.csv: $(cat "$TMP/report/results.csv" 2>&1 | head -3)"
is_png "$TMP/report/figures/loss_depth_20.png" && is_png "$TMP/report/figures/valid_depth_20.png" &&
    ok "loss and validation curves of depth 20 drawn as PNG" || fail "no figures: $(ls "$TMP/report/figures" 2>&1)"
[ "$fails" -eq 0 ]
