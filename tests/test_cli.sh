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
expect "bench -gpus on a CPU build" 2 "built without GPU support" ./darknet bench cfg/resnet_20.cfg -gpus 0

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
[ "$fails" -eq 0 ]
