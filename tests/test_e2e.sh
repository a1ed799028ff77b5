#!/bin/sh
# test_e2e.sh - end to end on the real CIFAR subset in $DN_CIFAR (default
# ../shared/cifar): extract, train ResNet-20 (paper cfg with batch 32 and a
# short schedule), check that the loss falls and test top-1 beats chance,
# check that a run interrupted and resumed from its checkpoint ends with the
# same weights file, byte for byte, as an uninterrupted one, and that 1 and 2
# threads train the same weights; that the loss also falls with cutmix=1; predict; then
# every paper, released-code and ablation cfg trains a few iterations on
# CIFAR-10 and CIFAR-100. Validation during training is off here (valid_every=0);
# tests/test_experiments.sh covers it.
set -u
cd "$(dirname "$0")/.." || exit 2
CIFAR=${DN_CIFAR:-../shared/cifar}
ITERS=${E2E_ITERS:-150}
TMP=$(mktemp -d /tmp/dn_e2e.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fails=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }

[ -d "$CIFAR/cifar-10-batches-bin" ] || { fail "no CIFAR subset at $CIFAR (set DN_CIFAR)"; exit 1; }
for set in 10 100; do
    src=$CIFAR/cifar-10-batches-bin
    [ $set = 100 ] && src=$CIFAR/cifar-100-binary
    if ./darknet cifar extract "$src" "$TMP/c$set" > "$TMP/extract$set.log" 2>&1; then
        ok "cifar extract CIFAR-$set: $(wc -l < "$TMP/c$set/train.list") train, $(wc -l < "$TMP/c$set/test.list") test"
    else
        fail "cifar extract CIFAR-$set: $(cat "$TMP/extract$set.log")"; exit 1
    fi
    for run in a b; do
        printf 'classes=%s\ntrain=%s/c%s/train.list\nvalid=%s/c%s/test.list\nlabels=%s/c%s/labels.txt\nbackup=%s/bk%s%s\ntop=5\n' \
            $set "$TMP" $set "$TMP" $set "$TMP" $set "$TMP" $run $set > "$TMP/c$set$run.data"
    done
done

# the paper's ResNet-20 with a test-sized schedule
mkdir -p "$TMP/a"
sed -e 's/^batch=128$/batch=32/' -e "s/^max_batches=64000$/max_batches=$ITERS/" \
    -e "s/^steps=32000,48000$/steps=$((ITERS * 2 / 3)),$((ITERS * 5 / 6))/" \
    -e "s/^\[net\]$/[net]\nbackup_every=$((ITERS / 2))\nvalid_every=0/" cfg/resnet_20.cfg > "$TMP/a/r20.cfg"

if ./darknet classifier train "$TMP/c10a.data" "$TMP/a/r20.cfg" > "$TMP/a.log" 2> "$TMP/a.err"; then
    ok "train ResNet-20 for $ITERS iterations: $(tail -1 "$TMP/a.err")"
else
    fail "train ResNet-20: $(tail -3 "$TMP/a.err")"
fi
csv=$TMP/bka10/r20.loss.csv
if [ -f "$csv" ]; then
    first=$(sed -n '2,11p' "$csv" | awk -F, '{s += $3} END {printf "%.4f", s / NR}')
    last=$(tail -10 "$csv" | awk -F, '{s += $3} END {printf "%.4f", s / NR}')
    if awk -v f="$first" -v l="$last" 'BEGIN {exit !(l < 0.85 * f)}'; then
        ok "training loss falls: first 10 iterations $first, last 10 $last"
    else
        fail "training loss did not fall: first 10 iterations $first, last 10 $last"
    fi
    rows=$(($(wc -l < "$csv") - 1))
    [ "$rows" -eq "$ITERS" ] && ok "loss log has $rows rows" || fail "loss log has $rows rows, expected $ITERS"
else
    fail "no loss log $csv"
fi

out=$(./darknet classifier valid "$TMP/c10a.data" "$TMP/a/r20.cfg" "$TMP/bka10/r20_final.weights" 2>&1)
top1=$(echo "$out" | sed -n 's/.*top 1: \([0-9.]*\),.*/\1/p')
if [ -n "$top1" ] && awk -v t="$top1" 'BEGIN {exit !(t >= 0.2)}'; then
    ok "valid: $out (chance is 0.1)"
else
    fail "valid top-1 '$top1' does not beat chance clearly: $out"
fi

# interrupted at ITERS/2 and resumed from the checkpoint == uninterrupted
./darknet classifier train "$TMP/c10b.data" "$TMP/a/r20.cfg" -set max_batches=$((ITERS / 2)) > "$TMP/b1.log" 2>&1 || fail "train first half: $(tail -2 "$TMP/b1.log")"
./darknet classifier train "$TMP/c10b.data" "$TMP/a/r20.cfg" "$TMP/bkb10/r20.backup" > "$TMP/b2.log" 2>&1 ||
    fail "resume: $(tail -2 "$TMP/b2.log")"
if cmp -s "$TMP/bka10/r20_final.weights" "$TMP/bkb10/r20_final.weights"; then
    ok "resumed run's final weights are identical to the uninterrupted run's"
else
    fail "resumed run differs from the uninterrupted run"
fi
if cut -d, -f1-5 "$TMP/bka10/r20.loss.csv" | cmp -s - "$(cut -d, -f1-5 "$TMP/bkb10/r20.loss.csv" > "$TMP/bcsv"; echo "$TMP/bcsv")"; then
    ok "resumed run's loss log equals the uninterrupted run's"
else
    fail "loss logs differ: $(cut -d, -f1-5 "$TMP/bka10/r20.loss.csv" | diff - "$TMP/bcsv" | head -4)"
fi

# the thread count changes the speed only: 1 and 2 threads write the same weights
for t in 1 2; do
    sed "s|^backup=.*|backup=$TMP/bkt$t|" "$TMP/c10a.data" > "$TMP/t$t.data"
    ./darknet classifier train "$TMP/t$t.data" "$TMP/a/r20.cfg" -threads $t -set max_batches=3 > "$TMP/t$t.log" 2>&1 ||
        fail "train with -threads $t: $(tail -2 "$TMP/t$t.log")"
done
if [ -f "$TMP/bkt1/r20_final.weights" ] && cmp -s "$TMP/bkt1/r20_final.weights" "$TMP/bkt2/r20_final.weights"; then
    ok "-threads 1 and -threads 2 train byte-identical weights (3 iterations)"
else
    fail "-threads 1 and -threads 2 train different weights"
fi

# Darknet's cutmix ([net] cutmix=1): soft targets train through [softmax], and the loss falls
sed "s|^backup=.*|backup=$TMP/bkcm|" "$TMP/c10a.data" > "$TMP/cm.data"
if ./darknet classifier train "$TMP/cm.data" "$TMP/a/r20.cfg" -set cutmix=1 > "$TMP/cm.log" 2>&1; then
    csv=$TMP/bkcm/r20.loss.csv
    first=$(sed -n '2,11p' "$csv" | awk -F, '{s += $3} END {printf "%.4f", s / NR}')
    last=$(tail -10 "$csv" | awk -F, '{s += $3} END {printf "%.4f", s / NR}')
    if awk -v f="$first" -v l="$last" 'BEGIN {exit !(l < 0.9 * f)}'; then
        ok "cutmix=1: training loss falls: first 10 iterations $first, last 10 $last"
    else
        fail "cutmix=1: training loss did not fall: first 10 iterations $first, last 10 $last"
    fi
    cmp -s "$csv" "$TMP/bka10/r20.loss.csv" && fail "cutmix=1: the same loss log as without it"
else
    fail "train with cutmix=1: $(tail -2 "$TMP/cm.log")"
fi

img=$(head -1 "$TMP/c10/test.list")
out=$(./darknet classifier predict "$TMP/c10a.data" "$TMP/a/r20.cfg" "$TMP/bka10/r20_final.weights" "$img" 2>&1)
if [ "$(echo "$out" | grep -c '%: ')" -eq 5 ]; then
    ok "predict prints the top 5: $(echo "$out" | grep '%: ' | head -1)"
else
    fail "predict: $out"
fi

# every network trains a few iterations on both datasets
for cfg in cfg/*.cfg cfg/released/*.cfg cfg/ablations/*.cfg; do
    # the folder is part of the name: cfg/released/resnet_44.cfg is another network than
    # cfg/resnet_44.cfg, and the same base name would meet the first run's checkpoint
    name=$(echo "${cfg#cfg/}" | sed -e 's#/#_#g' -e 's/\.cfg$//')
    sed -e 's/^batch=128$/batch=4/' -e 's/^max_batches=64000$/max_batches=2/' -e 's/^\[net\]$/[net]\nvalid_every=0/' \
        "$cfg" > "$TMP/$name.cfg"
    for set in 10 100; do
        case $cfg in cfg/ablations/*|cfg/released/*) [ $set = 100 ] && [ "${E2E_ALL:-0}" = 0 ] && continue ;; esac
        if ./darknet classifier train "$TMP/c${set}a.data" "$TMP/$name.cfg" > "$TMP/$name.log" 2>&1; then
            ok "train $cfg on CIFAR-$set: $(grep '^2, ' "$TMP/$name.log" | cut -d, -f1-3)"
        else
            fail "train $cfg on CIFAR-$set: $(tail -2 "$TMP/$name.log")"
        fi
    done
done
[ "$fails" -eq 0 ]
