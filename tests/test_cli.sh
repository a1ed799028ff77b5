#!/bin/sh
# test_cli.sh - ./darknet's command line: usage errors, one-line error
# messages with non-zero exits, and `summary` printing exactly the reference
# parameter counts of all 21 networks at 10 and 100 classes.
set -u
cd "$(dirname "$0")/.." || exit 2
PARAMS=${PARAMS:-../shared/reference/params.json}
TMP=$(mktemp -d /tmp/dn_cli.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fails=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }

# expect NAME WANT_RC WANT_TEXT CMD... : exit code and a substring of stderr+stdout
expect() {
    name=$1 rc_want=$2 text=$3
    shift 3
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -ne "$rc_want" ]; then
        fail "$name: exit $rc, wanted $rc_want; output: $(echo "$out" | tail -2)"
    elif ! printf '%s' "$out" | grep -qF -- "$text"; then
        fail "$name: output lacks '$text': $(echo "$out" | tail -2)"
    else
        ok "$name"
    fi
}

expect "no arguments prints usage" 2 "usage: darknet" ./darknet
expect "unknown command" 2 "unknown command 'bogus'" ./darknet bogus
expect "classifier without sub-command" 2 "usage: darknet classifier" ./darknet classifier
expect "train with missing args" 2 "usage: darknet classifier train" ./darknet classifier train cfg/cifar10.data
expect "missing .data file" 1 "nope.data: cannot open" ./darknet classifier train nope.data cfg/resnet_20.cfg
expect "missing cfg file" 1 "nope.cfg: cannot open" ./darknet summary nope.cfg
expect "-gpus on a CPU build runs on the CPU" 0 "built without GPU support (make GPU=1); -gpus 0 ignored" ./darknet -gpus 0 summary cfg/cifar10.data cfg/resnet_20.cfg
expect "Darknet display flags anywhere are no-ops" 0 "-dont_show -benchmark_layers -mjpeg_port 8090: accepted for Darknet compatibility" \
    ./darknet summary cfg/cifar10.data -dont_show cfg/resnet_20.cfg -mjpeg_port 8090 -benchmark_layers
expect "export without arguments" 2 "usage: darknet export" ./darknet export cfg/resnet_20.cfg
expect "partial without arguments" 2 "usage: darknet partial" ./darknet partial cfg/resnet_20.cfg
expect "an unknown flag is named" 2 "unknown option '-dont_shw'" ./darknet summary cfg/cifar10.data cfg/resnet_20.cfg -dont_shw
expect "an unknown flag after train is named" 2 "unknown option '-bogus'" ./darknet classifier train cfg/cifar10.data cfg/resnet_20.cfg -bogus
expect "summary needs classes for output=classes" 1 "output=classes: no class count known" ./darknet summary cfg/resnet_20.cfg
# bench: one small timed iteration ends in the machine-readable line the scripts parse
expect "bench usage" 2 "usage: darknet bench" ./darknet bench
expect "bench on the CPU" 0 "bench mode=train cfg=cfg/resnet_20.cfg batch=2 device=cpu" \
    ./darknet bench cfg/resnet_20.cfg -batch 2 -iters 1 -warmup 0
# as Darknet built without GPU=1 (issue 14): a warning, then the CPU
expect "bench -gpus on a CPU build warns and runs on the CPU" 0 "-gpus 0 ignored, running on the CPU" \
    ./darknet bench cfg/resnet_20.cfg -batch 2 -iters 1 -warmup 0 -gpus 0

printf '[net]\nbatch=2\nwidth=8\nheight=8\nchannels=3\n[convolutional]\nfilters=4\n[shortcut]\nfrom=-9\n' > "$TMP/bad.cfg"
expect "bad cfg names file and line" 1 "$TMP/bad.cfg:9: [shortcut] from=-9: points before the first layer" ./darknet summary "$TMP/bad.cfg"
printf 'classes=10\ntrain=x\nvalid=y\nlabels=z\nbackup=b\ntopk=5\n' > "$TMP/bad.data"
expect "bad .data key named with line" 1 "$TMP/bad.data:6: [] topk=5: unknown key" ./darknet summary "$TMP/bad.data" cfg/resnet_20.cfg

# a weights file of another network is refused with both sizes
printf 'classes=10\ntrain=%s/t.list\nvalid=%s/t.list\nlabels=%s/l.txt\nbackup=%s/b\n' "$TMP" "$TMP" "$TMP" "$TMP" > "$TMP/ok.data"
# header 0.2.0 then 8-byte seen and ResNet-20's 274042 floats
{ printf '\000\000\000\000\002\000\000\000\000\000\000\000'; head -c $((8 + 4 * 274042)) /dev/zero; } > "$TMP/r20.weights"
expect "weights of another network" 1 "holds 274042 floats of parameters, but cfg/res_se_net_20.cfg needs 274784" \
    ./darknet classifier valid "$TMP/ok.data" cfg/res_se_net_20.cfg "$TMP/r20.weights"

# summary == params.json for every network, both class counts
if ! python3 -c 'import json' 2>/dev/null; then
    fail "python3 is needed to read $PARAMS"
else
    python3 - "$PARAMS" > "$TMP/expected" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for defn, sub in (("paper", ""), ("released_code", "released/")):
    for name, v in d[defn].items():
        if sub and v["block"] != "bottleneck":
            continue  # released basic-block nets are the paper ones
        for c in (10, 100):
            print(f"cfg/{sub}{name}.cfg {c} {v[f'params_c{c}']} {v[f'bn_running_stats_c{c}']} {v[f'macs_c{c}']}")
PY
    n=0
    while read -r cfg classes params stats macs; do
        n=$((n + 1))
        out=$(./darknet summary "cfg/cifar$classes.data" "$cfg" 2>&1)
        got=$(echo "$out" | sed -n 's/^parameters: \([0-9]*\) learned, \([0-9]*\) batch-norm.*/\1 \2/p')
        gotm=$(echo "$out" | sed -n 's/^forward: \([0-9]*\) multiply-accumulates.*/\1/p')
        if [ "$got $gotm" = "$params $stats $macs" ]; then
            ok "summary $cfg c$classes: $params params, $stats stats, $macs MACs"
        else
            fail "summary $cfg c$classes: got '$got $gotm', expected '$params $stats $macs'"
        fi
    done < "$TMP/expected"
    [ "$n" -eq 42 ] || fail "expected 42 reference rows, read $n"
fi

for f in cfg/ablations/*.cfg; do
    expect "ablation $f parses" 0 "parameters:" ./darknet summary cfg/cifar100.data "$f"
done

# -topk and -chart (Darknet's flags of `classifier train`, docs/darknet-compat.md) on a tiny
# network and a 16-image CIFAR-10-style dataset; the cfg turns validation off (valid_every=0)
. tests/tiny_data.sh
tiny_cfg "$TMP/tiny.cfg" 'max_batches=8\nvalid_every=0\n'
tiny_cifar_bin "$TMP/bin"
./darknet cifar extract "$TMP/bin" "$TMP/tinydata" > /dev/null 2>&1 || fail "cifar extract of the tiny dataset"
tinydata() { # tinydata NAME: a .data file whose backup folder is $TMP/NAME
    printf 'classes=10\ntrain=%s/tinydata/train.list\nvalid=%s/tinydata/test.list\nlabels=%s/tinydata/labels.txt\nbackup=%s/%s\ntop=3\n' \
        "$TMP" "$TMP" "$TMP" "$TMP" "$1" > "$TMP/$1.data"
}
# is_png FILE: the eight signature bytes of a PNG file, then an IHDR chunk
is_png() { [ "$(head -c 16 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a0000000d49484452 ]; }
# png_width FILE: the image width from the IHDR chunk (4 bytes, big-endian, at offset 16)
png_width() { od -An -j16 -N4 -tu1 "$1" | awk '{print (($1 * 256 + $2) * 256 + $3) * 256 + $4}'; }

tinydata plain
./darknet classifier train "$TMP/plain.data" "$TMP/tiny.cfg" > "$TMP/plain.out" 2> "$TMP/plain.err"
if [ $? -eq 0 ] && ! grep -q '^valid at' "$TMP/plain.err" && [ ! -e "$TMP/plain/tiny.valid.csv" ] &&
   [ ! -e "$TMP/plain/chart.png" ]; then
    ok "train with valid_every=0: no validation, no valid.csv, no chart"
else
    fail "train with valid_every=0 validated or wrote a chart: $(tail -1 "$TMP/plain.err")"
fi

# -topk: validation once per epoch (16 images / batch 4 = 4 iterations): iterations 4 and 8
tinydata topk
./darknet classifier train "$TMP/topk.data" "$TMP/tiny.cfg" -topk > "$TMP/topk.out" 2> "$TMP/topk.err"
rc=$?
lines=$(grep -c '^valid at iteration [48] (epoch [12].000): top 1: [0-9.]*, top 3: [0-9.]* (8 images' "$TMP/topk.err")
rows=$(grep -c '^[48],[12].0000,[0-9.]*,[0-9.]*,3$' "$TMP/topk/tiny.valid.csv" 2>/dev/null)
if [ $rc -eq 0 ] && [ "$lines" = 2 ] && [ "$rows" = 2 ] && [ "$(wc -l < "$TMP/topk/tiny.valid.csv")" = 3 ] &&
   is_png "$TMP/topk/chart.png"; then
    ok "-topk turns validation on when the cfg says valid_every=0: top-1/top-3 at iterations 4 and 8, tiny.valid.csv, chart.png"
else
    fail "-topk: exit $rc, $lines top-1/top-k lines, $rows valid.csv rows (wanted 2 and 2): $(tail -1 "$TMP/topk.err")"
fi

# -chart PATH with validation on: the chart goes to PATH, and no chart.png is written
tinydata chart
./darknet classifier train "$TMP/chart.data" "$TMP/tiny.cfg" -topk -chart "$TMP/mychart.png" > "$TMP/chart.out" 2> "$TMP/chart.err"
rc=$?
if [ $rc -eq 0 ] && is_png "$TMP/mychart.png" && [ "$(png_width "$TMP/mychart.png")" = 960 ] &&
   [ ! -e "$TMP/chart/chart.png" ] && [ -f "$TMP/chart/tiny.valid.csv" ]; then
    ok "-chart PATH writes the PNG chart to PATH (loss and validation panels, 960 pixels wide) and no chart.png"
else
    fail "-chart PATH: exit $rc, PATH a PNG: $(is_png "$TMP/mychart.png" && echo yes || echo no), chart.png written: $([ -e "$TMP/chart/chart.png" ] && echo yes || echo no): $(tail -1 "$TMP/chart.err")"
fi

# -chart PATH with validation off: the loss chart alone goes to PATH (at checkpoints and the end)
tinydata chartonly
./darknet classifier train "$TMP/chartonly.data" "$TMP/tiny.cfg" -chart "$TMP/loss.png" > "$TMP/co.out" 2> "$TMP/co.err"
rc=$?
if [ $rc -eq 0 ] && is_png "$TMP/loss.png" && [ "$(png_width "$TMP/loss.png")" = 480 ] &&
   [ ! -e "$TMP/chartonly/chart.png" ] && [ ! -e "$TMP/chartonly/tiny.valid.csv" ]; then
    ok "-chart PATH without validation writes the loss chart alone to PATH (480 pixels wide), no chart.png, no valid.csv"
else
    fail "-chart PATH without validation: exit $rc, PATH a PNG: $(is_png "$TMP/loss.png" && echo yes || echo no): $(tail -1 "$TMP/co.err")"
fi
[ "$fails" -eq 0 ]
