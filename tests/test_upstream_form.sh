#!/bin/sh
# test_upstream_form.sh - the "upstream form" of ResNet-20, SE-ResNet-20 and Res-SE-Net-20
# (scripts/gen_cfgs.py --upstream-form: [bridge] as [route] + 1x1 [convolutional] + [shortcut],
# [se] as [avgpool] + two 1x1 [convolutional] + [scale_channels]) against our native cfgs, on
# the CIFAR-10 subset in $DN_CIFAR (default ../shared/cifar). For each network:
#   (a) one .weights file of the native cfg loads into the upstream form, and `classifier
#       valid` and `predict` print the same lines: with the initial weights and with the
#       weights after 30 iterations;
#   (b) training, step by step: from each of the native run's 30 checkpoints, one iteration of
#       the upstream form gives the same loss (within 1e-5; seen: 5e-7), the same parameters
#       and batch-norm statistics (within 5e-4; seen: 2e-4) and the same momentum, i.e. summed
#       gradients (within 5e-2 of the largest in its layer; seen: 7e-3), as the native's next
#       step. Gradients are not equal to rounding: when rounding moves one ReLU input across 0
#       (a kink), the gradients below it move by up to ~1e-2 of their size (the native cfg
#       does the same from weights changed by one ulp); a missing or doubled gradient path
#       moves them by their own size. tests/test_bridge.c checks the layers' gradients tightly;
#   (c) free-running, 30 iterations from the same initial weights and seed: ResNet-20's two
#       forms give bit-identical loss logs and final weights. The SE networks' forms sum the
#       SE's products in another order ([se] multiplies the whole batch in one gemm, the 1x1
#       [convolutional]s go through the convolution's kernels), and 30 iterations at learning
#       rate 0.1 amplify such rounding differences like any other (the native cfg from
#       initial weights changed by one ulp drifts as far): their largest difference is
#       printed, and only the first iteration is asserted.
# Both forms carry the same [net] section (checked), so data order and augmentation agree.
set -u
cd "$(dirname "$0")/.." || exit 2
CIFAR=${DN_CIFAR:-../shared/cifar}
ITERS=30
TMP=$(mktemp -d /tmp/dn_upstream.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fails=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }

[ -d "$CIFAR/cifar-10-batches-bin" ] || { fail "no CIFAR subset at $CIFAR (set DN_CIFAR)"; exit 1; }
./darknet cifar extract "$CIFAR/cifar-10-batches-bin" "$TMP/c10" > "$TMP/extract.log" 2>&1 ||
    { fail "cifar extract: $(tail -1 "$TMP/extract.log")"; exit 1; }
# 320 training images (10 batches of 32 an epoch) and 200 test images: enough, and quick
head -320 "$TMP/c10/train.list" > "$TMP/train.list"
head -200 "$TMP/c10/test.list" > "$TMP/valid.list"
printf 'classes=10\ntrain=%s/train.list\nvalid=%s/valid.list\nlabels=%s/c10/labels.txt\nbackup=%s/bk\ntop=5\n' \
    "$TMP" "$TMP" "$TMP" "$TMP" > "$TMP/c10.data"
python3 scripts/gen_cfgs.py --upstream-form "$TMP/up" > "$TMP/gen.log" 2>&1 ||
    { fail "gen_cfgs.py --upstream-form: $(tail -1 "$TMP/gen.log")"; exit 1; }

# cmp_weights A B LAYERS: "<params+stats> <momentum> <layer>" for two .weights files of the
# same network: the largest absolute difference of the parameters and batch-norm statistics,
# and the largest difference of the momenta (the gradients summed by SGD) relative to the
# largest momentum of their layer, with that layer's index. LAYERS holds "index learned-count"
# per layer with parameters (from `summary`), in file order.
cmp_weights() {
    python3 - "$1" "$2" "$3" <<'PY'
import struct, sys
a, b = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
layers = [tuple(map(int, l.split())) for l in open(sys.argv[3])]
if a[:20] != b[:20] or len(a) != len(b):
    print("1e30 1e30 -1")  # header (version, seen) or size differs
    sys.exit()
# the momentum trailer: "DNSGDMOM", a 64-bit count of momenta, the momenta (src/core/weights.c)
m = a.rfind(b"DNSGDMOM")
n = sum(c for _, c in layers)
if m < 0 or struct.unpack_from("<Q", a, m + 8)[0] != n or m + 16 + 4 * n != len(a):
    print("1e30 1e30 -1")  # no momentum trailer of this network's size
    sys.exit()
def floats(buf, lo, hi):
    return struct.unpack("<%df" % ((hi - lo) // 4), buf[lo:hi])
d = max(abs(x - y) for x, y in zip(floats(a, 20, m), floats(b, 20, m)))
ma, mb = floats(a, m + 16, len(a)), floats(b, m + 16, len(b))
worst, where, off = 0.0, -1, 0
for idx, c in layers:
    scale = max(abs(x) for x in ma[off:off + c]) or 1.0
    r = max(abs(x - y) for x, y in zip(ma[off:off + c], mb[off:off + c])) / scale
    if r >= worst:
        worst, where = r, idx
    off += c
print("%.3g %.3g %d" % (d, worst, where))
PY
}

# same_output NAME WEIGHTS: valid and predict of both forms print the same lines
same_output() {
    what=$1 w=$2
    for form in native upstream; do
        cfg=$TMP/$net.cfg
        [ $form = upstream ] && cfg=$TMP/${net}_upstream.cfg
        { ./darknet classifier valid "$TMP/c10.data" "$cfg" "$w" &&
          for i in 1 50 150; do
              ./darknet classifier predict "$TMP/c10.data" "$cfg" "$w" "$(sed -n ${i}p "$TMP/valid.list")" -t 3
          done; } > "$TMP/$form.out" 2> "$TMP/$form.err" || { fail "$net $what: $form: $(tail -1 "$TMP/$form.err")"; return; }
    done
    if cmp -s "$TMP/native.out" "$TMP/upstream.out" && [ "$(grep -c '%: ' "$TMP/native.out")" -eq 9 ]; then
        ok "$net $what: same valid and predict output ($(grep -o 'top 1: .*' "$TMP/native.out"))"
    else
        fail "$net $what: outputs differ: $(diff "$TMP/native.out" "$TMP/upstream.out" | head -4 | tr '\n' ' ')"
    fi
}

for net in resnet_20 se_resnet_20 res_se_net_20; do
    for src in "cfg/$net.cfg" "$TMP/up/${net}_upstream.cfg"; do
        sed -e 's/^batch=128$/batch=32/' -e "s/^max_batches=64000$/max_batches=$ITERS/" \
            -e 's/^\[net\]$/[net]\nvalid_every=0/' "$src" > "$TMP/$(basename "$src")"
    done
    cp "$TMP/${net}_upstream.cfg" "$TMP/${net}_free.cfg" # the free-running upstream run's own logs
    netsec() { awk '/^\[/ {n++} n == 1' "$1"; }
    if [ "$(netsec "$TMP/$net.cfg")" = "$(netsec "$TMP/${net}_upstream.cfg")" ] &&
       grep -q '^\[scale_channels\]\|^\[route\]' "$TMP/${net}_upstream.cfg" &&
       ! grep -q '^\[bridge\]\|^\[se\]' "$TMP/${net}_upstream.cfg"; then
        ok "$net: upstream form has no [bridge]/[se] and the native's [net] section"
    else
        fail "$net: upstream form's [net] section or layers are not as expected"
    fi

    # initial weights of the native cfg: one iteration at learning rate 0 (only the batch-norm
    # running statistics move); -clear below starts from them at iteration 0 without momentum
    ./darknet classifier train "$TMP/c10.data" "$TMP/$net.cfg" -set max_batches=1 -set learning_rate=0 \
        > "$TMP/init.log" 2>&1 || { fail "$net: initial weights: $(tail -1 "$TMP/init.log")"; continue; }
    mkdir -p "$TMP/w"
    mv "$TMP/bk/${net}_final.weights" "$TMP/w/$net.0"
    same_output "initial weights" "$TMP/w/$net.0"

    # (b) step by step along the native trajectory
    ./darknet summary "$TMP/c10.data" "$TMP/$net.cfg" 2>&1 | awk '$1 ~ /^[0-9]+$/ && $NF > 0 {print $1, $NF}' \
        > "$TMP/$net.layers"
    worst_loss=0 worst_w=0 worst_m=0 worst_at="all equal" k=0
    while [ $k -lt $ITERS ]; do
        clear=
        [ $k -eq 0 ] && clear=-clear
        for form in native upstream; do
            cfg=$TMP/$net.cfg base=$net
            [ $form = upstream ] && cfg=$TMP/${net}_upstream.cfg base=${net}_upstream
            ./darknet classifier train "$TMP/c10.data" "$cfg" "$TMP/w/$net.$k" $clear -set max_batches=$((k + 1)) \
                > "$TMP/step.log" 2>&1 || { fail "$net step $((k + 1)) $form: $(tail -1 "$TMP/step.log")"; break 2; }
        done
        mv "$TMP/bk/${net}_final.weights" "$TMP/w/$net.$((k + 1))"
        set -- $(cmp_weights "$TMP/w/$net.$((k + 1))" "$TMP/bk/${net}_upstream_final.weights" "$TMP/$net.layers")
        worst_w=$(awk -v a="$worst_w" -v b="$1" 'BEGIN {print (b > a ? b : a)}')
        awk -v a="$worst_m" -v b="$2" 'BEGIN {exit !(b > a)}' && worst_m=$2 worst_at="layer $3, step $((k + 1))"
        [ $k -ge 2 ] && rm -f "$TMP/w/$net.$((k - 1))" # keep .0 for (c)
        k=$((k + 1))
    done
    # the loss of iteration k+1 is the forward of both forms on the native's weights after k
    worst_loss=$(paste -d, "$TMP/bk/$net.loss.csv" "$TMP/bk/${net}_upstream.loss.csv" |
        awk -F, -v n=$ITERS 'NR > 1 && $1 == $8 {r++; d = $3 - $10; d = d < 0 ? -d : d; if (d > m) m = d}
                             END {print (r == n ? m + 0 : "rows-missing")}')
    if [ $k -eq $ITERS ] && awk -v l="$worst_loss" -v w="$worst_w" -v m="$worst_m" \
        'BEGIN {exit !(l != "rows-missing" && l <= 1e-5 && w <= 5e-4 && m <= 5e-2)}'; then
        ok "$net: $ITERS steps from the native's checkpoints: loss within $worst_loss, params/stats within $worst_w, momentum within $worst_m of its layer's largest ($worst_at)"
    else
        fail "$net: step by step: loss differs by $worst_loss (tolerance 1e-5), params/stats by $worst_w (5e-4), momentum by $worst_m of its layer's largest ($worst_at; 5e-2)"
    fi
    same_output "weights after $ITERS iterations" "$TMP/w/$net.$ITERS"

    # (c) free-running upstream form from the initial weights
    ./darknet classifier train "$TMP/c10.data" "$TMP/${net}_free.cfg" "$TMP/w/$net.0" -clear > "$TMP/free.log" 2>&1 ||
        { fail "$net: free-running upstream form: $(tail -1 "$TMP/free.log")"; continue; }
    set -- $(paste -d, "$TMP/bk/$net.loss.csv" "$TMP/bk/${net}_free.loss.csv" |
        awk -F, 'NR == 2 {d = $3 - $10; first = d < 0 ? -d : d}
                 NR > 1 {d = $3 - $10; d = d < 0 ? -d : d; if (d >= m) {m = d; at = $1}}
                 END {print first + 0, m + 0, at + 0}')
    if [ $net = resnet_20 ]; then
        if [ "$2" = 0 ] && [ "$(cut -d, -f3 "$TMP/bk/$net.loss.csv")" = "$(cut -d, -f3 "$TMP/bk/${net}_free.loss.csv")" ] &&
           cmp -s "$TMP/w/$net.$ITERS" "$TMP/bk/${net}_free_final.weights"; then
            ok "$net: free-running $ITERS iterations: the same loss at every iteration and the same final weights, bit for bit"
        else
            fail "$net: free-running: loss differs by up to $2 (iteration $3), or the final weights differ"
        fi
    elif awk -v d="$1" 'BEGIN {exit !(d <= 1e-5)}'; then
        ok "$net: free-running: iteration 1 loss within $1; largest difference over $ITERS iterations $2 (iteration $3; rounding, amplified by training)"
    else
        fail "$net: free-running: iteration 1 loss differs by $1 (tolerance 1e-5)"
    fi
    rm -f "$TMP/w/$net".*
done
[ "$fails" -eq 0 ]
