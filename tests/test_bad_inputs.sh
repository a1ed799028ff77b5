#!/bin/sh
# test_bad_inputs.sh - the catalogue of bad inputs: every kind of file a user
# hands to ./darknet (cfg, .data, .weights, CIFAR binaries, images, lists,
# labels) and the command line, each broken in one way. Every case states the
# exit code it must get (1: a runtime error such as a bad file, 2: wrong
# usage) and an extended regular expression that its one-line message must
# match: the last line of stderr for exit 1 (after any progress output), the
# first for exit 2 (a usage error prints its reason, then the usage text).
# The message names the file (and line and key where there is one).
# A crash (signal, sanitizer report) fails the case on its exit code.
#
#   sh tests/test_bad_inputs.sh            (part of `make test`)
#   DARKNET=./darknet-asan sh tests/...    (another build of the binary)
#
# Adding a case: build its input under $T, then
#   bad EXIT 'REGEX' ./darknet <args>
set -u
cd "$(dirname "$0")/.." || exit 2
DN=${DARKNET:-./darknet}
T=$(mktemp -d /tmp/dn_bad.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0 n=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }

# bad EXIT REGEX CMD... : the exit code, and the message line matches REGEX
bad() {
    want=$1 pat=$2
    shift 2
    n=$((n + 1))
    "$@" > "$T/out" 2> "$T/err"
    rc=$?
    if [ "$want" -eq 2 ]; then msg=$(grep -v '^$' "$T/err" | head -1)
    else msg=$(grep -v '^$' "$T/err" | tail -1); fi
    if [ "$rc" -ne "$want" ]; then
        fail "bad input $n: exit $rc, wanted $want: $* -> $msg"
    elif ! printf '%s\n' "$msg" | grep -Eq -- "$pat"; then
        fail "bad input $n: '$msg' does not match '$pat' ($*)"
    else
        ok "bad input $n: exit $rc: $msg"
    fi
}

# ---- fixtures: a tiny network, a .data file and a 4-image CIFAR-10 subset
NET='[net]\nbatch=2\nwidth=32\nheight=32\nchannels=3\nmax_batches=1\n'
LAYERS='[convolutional]\nfilters=4\nsize=3\npad=1\nactivation=relu\n[avgpool]\n[connected]\noutput=classes\nactivation=linear\n[softmax]\n'
FLOATS=162 # learned parameters of that network at 10 classes (no batch norm)
cfg() { printf "$NET$2$LAYERS" > "$T/$1.cfg"; } # cfg NAME EXTRA_NET_LINES
cfg good ''
mkdir -p "$T/bin" "$T/data"
# one CIFAR-10 record: label byte + 3072 pixel bytes
rec() { printf "\\$(printf %03o "$1")"; head -c 3072 /dev/zero | tr '\000' '\100'; }
{ rec 0; rec 1; rec 2; rec 3; } > "$T/bin/data_batch_1.bin"
{ rec 0; rec 1; } > "$T/bin/test_batch.bin"
printf 'c0\nc1\nc2\nc3\nc4\nc5\nc6\nc7\nc8\nc9\n' > "$T/bin/batches.meta.txt"
"$DN" cifar extract "$T/bin" "$T/data" > /dev/null 2>&1 || fail "fixture: cifar extract of $T/bin failed"
data() { # data NAME KEY=VALUE... : a .data file over the fixture, KEY=VALUE replacing its key
    name=$1
    shift
    for kv in classes=10 "train=$T/data/train.list" "valid=$T/data/test.list" \
              "labels=$T/data/labels.txt" "backup=$T/backup_$name"; do
        for o in "$@"; do [ "${o%%=*}" = "${kv%%=*}" ] && kv=$o; done
        printf '%s\n' "$kv"
    done > "$T/$name.data"
    for o in "$@"; do grep -q "^${o%%=*}=" "$T/$name.data" || printf '%s\n' "$o" >> "$T/$name.data"; done
}
data good
# .weights: header 0.2.0, 8-byte seen (bytes given as printf escapes), floats
weights() { # weights NAME SEEN_ESCAPES FLOATS [BYTE]: FLOATS floats of BYTE repeated
    { printf '\000\000\000\000\002\000\000\000\000\000\000\000'; printf "$2"
      head -c $((4 * $3)) /dev/zero | tr '\000' "${4:-\\000}"; } > "$T/$1.weights"
}
weights good '\000\000\000\000\000\000\000\000' $FLOATS
Z8='\000\000\000\000\000\000\000\000'

# ---- command line (exit 2)
bad 2 '^usage: darknet' "$DN"
bad 2 "unknown command 'bogus'" "$DN" bogus
bad 2 "unknown option '-foo'" "$DN" classifier train "$T/good.data" "$T/good.cfg" -foo
bad 2 "unknown option '-weights'" "$DN" classifier valid "$T/good.data" "$T/good.cfg" -weights "$T/good.weights"
bad 2 "unknown option '-x'" "$DN" summary -x "$T/good.cfg"
bad 2 '-threads -5: expected a thread count' "$DN" -threads -5 summary "$T/good.data" "$T/good.cfg"
bad 2 '-threads 0: expected a thread count' "$DN" -threads 0 summary "$T/good.data" "$T/good.cfg"
bad 2 '-threads needs a number' "$DN" -threads 1e20 summary "$T/good.data" "$T/good.cfg"
bad 2 '-threads 4294967297: expected a thread count' "$DN" -threads 4294967297 summary "$T/good.data" "$T/good.cfg"
bad 2 '-threads needs a number' "$DN" -threads 99999999999999999999999 summary "$T/good.cfg"
bad 2 '-threads needs a number' "$DN" summary "$T/good.cfg" -threads
bad 2 '-seed needs a number' "$DN" classifier train "$T/good.data" "$T/good.cfg" -seed x
bad 2 '-t -3: expected how many top classes' "$DN" classifier predict "$T/good.data" "$T/good.cfg" "$T/good.weights" x.png -t -3
bad 2 '-t 0: expected how many top classes' "$DN" classifier predict "$T/good.data" "$T/good.cfg" "$T/good.weights" x.png -t 0
bad 2 '^usage: darknet classifier train' "$DN" classifier train "$T/good.data"
bad 2 '^usage: darknet classifier valid' "$DN" classifier valid "$T/good.data" "$T/good.cfg"
bad 2 '^usage: darknet summary' "$DN" summary a b c
bad 2 '^usage: darknet cifar extract' "$DN" cifar unpack "$T/bin" "$T/x"
bad 2 'expected LABEL=CSV' "$DN" plot "$T/p.png" just_a_file.csv
bad 2 '-size 10x10: expected WxH' "$DN" plot "$T/p.png" -size 10x10 a=b.csv
# (-gpus 0 on a CPU build runs on the CPU with a warning, as Darknet: tests/test_cli.sh)
bad 2 'darknet plot: -foo: unknown option' "$DN" plot "$T/p.png" -foo 1 a=b.csv

# ---- cfg files (exit 1): file:line: [section] key=value: message
bad 1 'nope.cfg: cannot open: No such file' "$DN" summary "$T/nope.cfg"
bad 1 "$T: is a directory, not a file" "$DN" summary "$T"
: > "$T/empty.cfg"
bad 1 'empty.cfg:1: the first section must be \[net\]' "$DN" summary "$T/empty.cfg"
printf '[net]\nbatch=2\000width=9\n' > "$T/nul.cfg"
bad 1 'nul.cfg:2: NUL byte in the line' "$DN" summary "$T/nul.cfg"
printf '[net\nbatch=2\n' > "$T/hdr.cfg"
bad 1 "hdr.cfg:1: malformed section header '\[net'" "$DN" summary "$T/hdr.cfg"
printf "$NET"'just words\n' > "$T/noeq.cfg"
bad 1 "noeq.cfg:7: expected key=value, got 'justwords'" "$DN" summary "$T/noeq.cfg"
printf 'batch=2\n[net]\n' > "$T/bare.cfg"
bad 1 'bare.cfg:1: batch: key before any \[section\]' "$DN" summary "$T/bare.cfg"
# (a repeated key keeps its first value, as Darknet's option_find: tests/test_cfg.c)
printf "$NET"'[convolutinal]\nfilters=4\n' > "$T/type.cfg"
bad 1 'type.cfg:7: \[convolutinal\]: unknown layer type' "$DN" summary "$T/type.cfg"
printf "$NET"'[convolutional]\nfilter=4\n' > "$T/typo.cfg"
bad 1 'typo.cfg:7: \[convolutional\] filters: missing required key' "$DN" summary "$T/typo.cfg"
printf "$NET"'[convolutional]\nfilters=4\nsize=3\nsizee=3\n' > "$T/typo2.cfg"
bad 1 'typo2.cfg:10: \[convolutional\] sizee=3: unknown key' "$DN" summary "$T/typo2.cfg"
printf "$NET" > "$T/nolayers.cfg"
bad 1 'nolayers.cfg:1: \[net\]: the network has no layers' "$DN" summary "$T/nolayers.cfg"
printf '[net]\nbatch=0\nwidth=32\nheight=32\nchannels=3\n[avgpool]\n' > "$T/b0.cfg"
bad 1 'b0.cfg:2: \[net\] batch=0: must be at least 1' "$DN" summary "$T/b0.cfg"
printf '[net]\nbatch=two\nwidth=32\nheight=32\nchannels=3\n[avgpool]\n' > "$T/b1.cfg"
bad 1 'b1.cfg:2: \[net\] batch=two: not an integer' "$DN" summary "$T/b1.cfg"
printf '[net]\nbatch=99999999999\nwidth=32\nheight=32\nchannels=3\n[avgpool]\n' > "$T/b2.cfg"
bad 1 'b2.cfg:2: \[net\] batch=99999999999: not an integer' "$DN" summary "$T/b2.cfg"
printf '[net]\nbatch=2\nsubdivisions=3\nwidth=32\nheight=32\nchannels=3\n[avgpool]\n' > "$T/sub.cfg"
bad 1 'sub.cfg:3: \[net\] subdivisions=3: must divide batch=2' "$DN" summary "$T/sub.cfg"
printf '[net]\nbatch=2\nwidth=0\nheight=32\nchannels=3\n[avgpool]\n' > "$T/w0.cfg"
bad 1 'w0.cfg:3: \[net\] width=0: must be positive' "$DN" summary "$T/w0.cfg"
printf '[net]\nbatch=2\nwidth=65536\nheight=65536\nchannels=3\n[avgpool]\n' > "$T/wbig.cfg"
bad 1 'wbig.cfg:3: \[net\] width=65536: one input image would hold .* more than the limit' "$DN" summary "$T/wbig.cfg"
printf '[net]\nbatch=128\nwidth=32\nheight=4634179\nchannels=3\n[avgpool]\n' > "$T/hbig.cfg"
bad 1 'hbig.cfg:2: \[net\] batch=128: a batch of input images would hold .* more than the limit' "$DN" summary "$T/hbig.cfg"
printf '[net]\nbatch=2147483647\nwidth=32\nheight=32\nchannels=3\n[avgpool]\n' > "$T/bbig.cfg"
bad 1 'bbig.cfg:2: \[net\] batch=2147483647: a batch of input images would hold' "$DN" summary "$T/bbig.cfg"
cfg lrnan 'learning_rate=nan\n'
bad 1 'lrnan.cfg:7: \[net\] learning_rate=nan: not a finite number' "$DN" summary "$T/good.data" "$T/lrnan.cfg"
cfg lrbig 'learning_rate=1e99\n'
bad 1 'lrbig.cfg:7: \[net\] learning_rate=1e99: not a finite number' "$DN" summary "$T/good.data" "$T/lrbig.cfg"
cfg mominf 'momentum=inf\n'
bad 1 'mominf.cfg:7: \[net\] momentum=inf: not a finite number' "$DN" summary "$T/good.data" "$T/mominf.cfg"
cfg momnan 'momentum=nan\n'
bad 1 'momnan.cfg:7: \[net\] momentum=nan: not a finite number' "$DN" summary "$T/good.data" "$T/momnan.cfg"
cfg mom1 'momentum=1\n'
bad 1 'mom1.cfg:7: \[net\] momentum=1: must be in \[0, 1\)' "$DN" summary "$T/good.data" "$T/mom1.cfg"
cfg decay 'decay=-1\n'
bad 1 'decay.cfg:7: \[net\] decay=-1: must not be negative' "$DN" summary "$T/good.data" "$T/decay.cfg"
cfg crop 'crop_pad=2147483647\n'
bad 1 'crop.cfg:7: \[net\] crop_pad=2147483647: must be between 0 and the input size' "$DN" summary "$T/good.data" "$T/crop.cfg"
cfg cropneg 'crop_pad=-1\n'
bad 1 'cropneg.cfg:7: \[net\] crop_pad=-1: must be between 0' "$DN" summary "$T/good.data" "$T/cropneg.cfg"
cfg flip 'flip=2\n'
bad 1 'flip.cfg:7: \[net\] flip=2: must be 0 or 1' "$DN" summary "$T/good.data" "$T/flip.cfg"
cfg mixup5 'mixup=5\n'
bad 1 'mixup5.cfg:7: \[net\] mixup=5: must be 0 \(off\), 1 \(mixup\), 2 \(cutmix\), 3 \(mosaic\) or 4' "$DN" summary "$T/good.data" "$T/mixup5.cfg"
cfg mixupneg 'mixup=-1\n'
bad 1 'mixupneg.cfg:7: \[net\] mixup=-1: must be 0 \(off\)' "$DN" summary "$T/good.data" "$T/mixupneg.cfg"
cfg cutmix2 'cutmix=2\n'
bad 1 'cutmix2.cfg:7: \[net\] cutmix=2: must be 0 or 1' "$DN" summary "$T/good.data" "$T/cutmix2.cfg"
cfg mosaic2 'mosaic=-1\n'
bad 1 'mosaic2.cfg:7: \[net\] mosaic=-1: must be 0 or 1' "$DN" summary "$T/good.data" "$T/mosaic2.cfg"
cfg mixcut 'mixup=1\ncutmix=1\n'
bad 1 'mixcut.cfg:7: \[net\] mixup=1: contradicts cutmix=1 mosaic=0 \(which mean mixup=2\)' "$DN" summary "$T/good.data" "$T/mixcut.cfg"
cfg blurneg 'blur=-1\n'
bad 1 'blurneg.cfg:7: \[net\] blur=-1: must be 0 \(off\), 1 \(a 15x15 kernel\) or an odd kernel size' "$DN" summary "$T/good.data" "$T/blurneg.cfg"
cfg blureven 'blur=4\n'
bad 1 'blureven.cfg:7: \[net\] blur=4: must be 0 \(off\), 1 \(a 15x15 kernel\) or an odd' "$DN" summary "$T/good.data" "$T/blureven.cfg"
cfg blurbig 'blur=65\n'
bad 1 'blurbig.cfg:7: \[net\] blur=65: a 65x65 kernel needs a width and height of at least 33 \(the input is 32x32\)' "$DN" summary "$T/good.data" "$T/blurbig.cfg"
cfg policy 'policy=sometimes\n'
bad 1 'policy.cfg:7: \[net\] policy=sometimes: unknown value \(expected constant\|steps' "$DN" summary "$T/good.data" "$T/policy.cfg"
cfg steps 'policy=steps\nsteps=10,20\nscales=.1\n'
bad 1 'steps.cfg:9: \[net\] scales=.1: has 1 values but steps has 2' "$DN" summary "$T/good.data" "$T/steps.cfg"
cfg mean 'mean=0.5,0.5\n'
bad 1 'mean.cfg:7: \[net\] mean=0.5,0.5: needs 3 values' "$DN" summary "$T/good.data" "$T/mean.cfg"
cfg std 'std=1,0,1\n'
bad 1 'std.cfg:7: \[net\] std=1,0,1: values must be positive' "$DN" summary "$T/good.data" "$T/std.cfg"
printf "$NET"'[convolutional]\nfilters=2000000000\nsize=3\n' > "$T/filters.cfg"
bad 1 'filters.cfg:8: \[convolutional\] filters=2000000000: the output would hold .* more than the limit' "$DN" summary "$T/filters.cfg"
printf "$NET"'[convolutional]\nfilters=4\nsize=3\npadding=100000\n' > "$T/padding.cfg"
bad 1 'padding.cfg:10: \[convolutional\] padding=100000: must not exceed size=3' "$DN" summary "$T/padding.cfg"
printf "$NET"'[convolutional]\nfilters=4\nsize=0\n' > "$T/size0.cfg"
bad 1 'size0.cfg:9: \[convolutional\] size=0: must be at least 1' "$DN" summary "$T/size0.cfg"
printf "$NET"'[convolutional]\nfilters=4\ngroups=0\n' > "$T/groups0.cfg"
bad 1 'groups0.cfg:9: \[convolutional\] groups=0: must be at least 1' "$DN" summary "$T/groups0.cfg"
printf "$NET"'[convolutional]\nfilters=4\nsize=3\ngroups=2\n' > "$T/groupsc.cfg"
bad 1 'groupsc.cfg:10: \[convolutional\] groups=2: must divide the 3 input channels' "$DN" summary "$T/groupsc.cfg"
printf "$NET"'[convolutional]\nfilters=4\nsize=3\ngroups=3\n' > "$T/groupsf.cfg"
bad 1 'groupsf.cfg:10: \[convolutional\] groups=3: must divide filters=4' "$DN" summary "$T/groupsf.cfg"
# export cannot fold mean/std into a grouped first convolution (zero weights: 3+3 conv, 2+6 connected)
printf '[net]\nbatch=1\nwidth=4\nheight=4\nchannels=3\nmean=.4,.5,.6\nstd=.2,.25,.3\n[convolutional]\nfilters=3\nsize=1\ngroups=3\nactivation=linear\n[avgpool]\n[connected]\noutput=2\nactivation=linear\n' > "$T/gfold.cfg"
{ printf '\000\000\000\000\002\000\000\000\005\000\000\000'; head -c $((8 + 14 * 4)) /dev/zero; } > "$T/gfold.weights"
bad 1 'gfold.cfg:11: \[convolutional\] groups=3: cannot fold \[net\] mean/std into a grouped first convolution' "$DN" export "$T/gfold.cfg" "$T/gfold.weights" "$T/gfold_out.cfg" "$T/gfold_out.weights"
printf "$NET"'[convolutional]\nfilters=4\nsize=64\n' > "$T/size64.cfg"
bad 1 'size64.cfg:9: \[convolutional\] size=64: kernel larger than the 32x32 input' "$DN" summary "$T/size64.cfg"
printf "$NET"'[maxpool]\nsize=2\npadding=2147483647\n' > "$T/pool.cfg"
bad 1 'pool.cfg:9: \[maxpool\] padding=2147483647: must be between 0 and size=2' "$DN" summary "$T/pool.cfg"
printf "$NET"'[connected]\noutput=2000000000\n' > "$T/fcbig.cfg"
bad 1 'fcbig.cfg:8: \[connected\] output=2000000000: the weights would hold .* more than the limit' "$DN" summary "$T/fcbig.cfg"
printf "$NET"'[convolutional]\nfilters=4\n[shortcut]\nfrom=-9\n' > "$T/from.cfg"
bad 1 'from.cfg:10: \[shortcut\] from=-9: points before the first layer' "$DN" summary "$T/from.cfg"
printf '[net]\nbatch=2\nwidth=32\nheight=32\nchannels=3\n'"$LAYERS" > "$T/nomax.cfg"
bad 1 'nomax.cfg: \[net\] max_batches must be set to train' "$DN" classifier train "$T/good.data" "$T/nomax.cfg"
bad 1 'good.cfg:.*\[connected\] output=classes: no class count known' "$DN" summary "$T/good.cfg"

# ---- .data files (exit 1)
bad 1 'nope.data: cannot open' "$DN" summary "$T/nope.data" "$T/good.cfg"
bad 1 "$T: is a directory, not a file" "$DN" summary "$T" "$T/good.cfg"
: > "$T/empty.data"
bad 1 'empty.data: no keys \(classes= is required\)' "$DN" summary "$T/empty.data" "$T/good.cfg"
data c0 classes=0
bad 1 'c0.data:1: \[\] classes=0: must be > 0' "$DN" summary "$T/c0.data" "$T/good.cfg"
printf 'classes=ten\n' > "$T/cx.data"
bad 1 'cx.data:1: \[\] classes=ten: not an integer' "$DN" summary "$T/cx.data" "$T/good.cfg"
printf 'train=x\n' > "$T/noclasses.data"
bad 1 'noclasses.data:1: \[\] classes: missing required key' "$DN" summary "$T/noclasses.data" "$T/good.cfg"
data topk topk=5
bad 1 'topk.data:6: \[\] topk=5: unknown key' "$DN" summary "$T/topk.data" "$T/good.cfg"
data top0 top=0
bad 1 'top0.data:6: \[\] top=0: must be at least 1' "$DN" summary "$T/top0.data" "$T/good.cfg"
printf '[data]\nclasses=10\n' > "$T/sec.data"
bad 1 'sec.data:1: \[data\]: a .data file has no sections' "$DN" summary "$T/sec.data" "$T/good.cfg"
printf 'classes=10\000junk\n' > "$T/nul.data"
bad 1 'nul.data:1: NUL byte in the line' "$DN" summary "$T/nul.data" "$T/good.cfg"
data emptytrain train=
bad 1 'emptytrain.data:2: \[\] train=: empty value' "$DN" summary "$T/emptytrain.data" "$T/good.cfg"
data c2e9 classes=2000000000
bad 1 'good.cfg:1[0-9]: \[connected\] output=classes: the weights would hold .* more than the limit' "$DN" summary "$T/c2e9.data" "$T/good.cfg"
data c7 classes=7
bad 1 'good.weights: holds 162 floats of parameters, but .*good.cfg needs 147' \
    "$DN" classifier valid "$T/c7.data" "$T/good.cfg" "$T/good.weights"

# ---- .weights files (exit 1)
bad 1 'nope.weights: cannot open' "$DN" classifier valid "$T/good.data" "$T/good.cfg" "$T/nope.weights"
bad 1 "$T: is a directory, not a file" "$DN" classifier valid "$T/good.data" "$T/good.cfg" "$T"
: > "$T/empty.weights"
bad 1 'empty.weights: too short for a .weights header' "$DN" classifier valid "$T/good.data" "$T/good.cfg" "$T/empty.weights"
printf '\000\000\000' > "$T/short.weights"
bad 1 'short.weights: too short for a .weights header' "$DN" classifier valid "$T/good.data" "$T/good.cfg" "$T/short.weights"
printf '\377\377\377\377\002\000\000\000\000\000\000\000' > "$T/ver.weights"
bad 1 'ver.weights: unsupported .weights version -1.2.0' "$DN" classifier valid "$T/good.data" "$T/good.cfg" "$T/ver.weights"
weights size "$Z8" 100
bad 1 'size.weights: holds 100 floats of parameters, but .*good.cfg needs 162' "$DN" classifier valid "$T/good.data" "$T/good.cfg" "$T/size.weights"
weights seen '\377\377\377\377\377\377\377\377' $FLOATS
bad 1 'seen.weights: header says 18446744073709551615 images were seen .* the file is damaged' \
    "$DN" classifier valid "$T/good.data" "$T/good.cfg" "$T/seen.weights"
weights nan "$Z8" $FLOATS '\377'
bad 1 'nan.weights: the network.s output for .* is not finite' \
    "$DN" classifier predict "$T/good.data" "$T/good.cfg" "$T/nan.weights" "$T/data/testing/00000_c0.png"
weights past '\350\003\000\000\000\000\000\000' $FLOATS
bad 1 'past.weights: at iteration 500, past max_batches=1 of .*good.cfg' "$DN" classifier train "$T/good.data" "$T/good.cfg" "$T/past.weights"

# ---- CIFAR binary directories (exit 1)
cifar() { rm -rf "$T/cb"; mkdir -p "$T/cb"; cp "$T/bin/batches.meta.txt" "$T/cb/"; }
bad 1 'nodir: not a directory' "$DN" cifar extract "$T/nodir" "$T/xout"
cifar; rm "$T/cb/batches.meta.txt"
bad 1 'cb: no CIFAR-10 \(data_batch_\*.bin, test_batch.bin\) or CIFAR-100' "$DN" cifar extract "$T/cb" "$T/xout"
cifar; cp "$T/bin/data_batch_1.bin" "$T/cb/data_batch_1.bin"; cp "$T/bin/data_batch_1.bin" "$T/cb/data_batch_01.bin"
bad 1 'data_batch_01.bin: not a CIFAR-10 batch name' "$DN" cifar extract "$T/cb" "$T/xout"
cifar; head -c 5000 "$T/bin/data_batch_1.bin" > "$T/cb/data_batch_1.bin"
bad 1 'data_batch_1.bin: size 5000 bytes is not a positive multiple of the CIFAR-10 record size 3073' "$DN" cifar extract "$T/cb" "$T/xout"
cifar; : > "$T/cb/test_batch.bin"
bad 1 'test_batch.bin: size 0 bytes is not a positive multiple' "$DN" cifar extract "$T/cb" "$T/xout"
cifar; { rec 1; rec 10; } > "$T/cb/data_batch_1.bin"
bad 1 'data_batch_1.bin: record 1 \(byte offset 3073\): label 10 out of range 0..9' "$DN" cifar extract "$T/cb" "$T/xout"
cifar; cp "$T/bin/data_batch_1.bin" "$T/cb/"; printf 'a\nb\nc\n' > "$T/cb/batches.meta.txt"
bad 1 'batches.meta.txt: 3 labels, CIFAR-10 has 10' "$DN" cifar extract "$T/cb" "$T/xout"
cifar; cp "$T/bin/data_batch_1.bin" "$T/cb/"
{ printf 'c0\nc1\nc2\nc3\nc4\nc5\nc6\nc7\nc8\n'; head -c 600 /dev/zero | tr '\000' x; echo; } > "$T/cb/batches.meta.txt"
bad 1 'batches.meta.txt: label 10 has 600 characters, at most 200' "$DN" cifar extract "$T/cb" "$T/xout"
cifar; cp "$T/bin/data_batch_1.bin" "$T/cb/"; printf 'c0\nc1\nc2\nc3\nc4\nc5\nc6\nc7\nc8\na/b\n' > "$T/cb/batches.meta.txt"
bad 1 "batches.meta.txt: label 'a/b' contains '/'" "$DN" cifar extract "$T/cb" "$T/xout"
cifar; cp "$T/bin/data_batch_1.bin" "$T/cb/"; printf 'c0\nc1\nc2\nc3\nc4\nc5\nc6\nc7\nc8\nc0_x\n' > "$T/cb/batches.meta.txt"
bad 1 "would match labels 'c0_x' and 'c0'" "$DN" cifar extract "$T/cb" "$T/xout"
cifar; cp "$T/bin/data_batch_1.bin" "$T/cb/"; : > "$T/cb/train.bin"
bad 1 'cb: holds both CIFAR-10 and CIFAR-100 files' "$DN" cifar extract "$T/cb" "$T/xout"
rm -rf "$T/cb"; mkdir "$T/cb"; { printf '\024\000'; head -c 3072 /dev/zero; } > "$T/cb/train.bin"
seq 1 100 | sed 's/^/f/' > "$T/cb/fine_label_names.txt"
bad 1 'train.bin: record 0 \(byte offset 0\): coarse label 20 out of range 0..19' "$DN" cifar extract "$T/cb" "$T/xout"
# a failing extract keeps the train.list of an earlier, good one
cp "$T/data/train.list" "$T/train.list.before"
cifar; { rec 1; rec 10; } > "$T/cb/data_batch_1.bin"
bad 1 'label 10 out of range' "$DN" cifar extract "$T/cb" "$T/data"
if cmp -s "$T/data/train.list" "$T/train.list.before"; then ok "a failed extract keeps train.list ($(wc -l < "$T/data/train.list") lines)"
else fail "a failed extract changed train.list"; fi

# ---- lists, labels and images (exit 1)
data nolist train="$T/nope.list"
bad 1 'nope.list: cannot open' "$DN" classifier train "$T/nolist.data" "$T/good.cfg"
: > "$T/empty.list"
data emptylist train="$T/empty.list"
bad 1 'empty.list: no lines \(empty file\)' "$DN" classifier train "$T/emptylist.data" "$T/good.cfg"
printf '%s/missing_c1.png\n' "$T" > "$T/missing.list"
data missing train="$T/missing.list"
bad 1 'missing.list:1: .*missing_c1.png: cannot load image' "$DN" classifier train "$T/missing.data" "$T/good.cfg"
echo 'not a png' > "$T/text_c1.png"
printf '%s/text_c1.png\n' "$T" > "$T/text.list"
data text train="$T/text.list"
bad 1 'text.list:1: .*text_c1.png: cannot load image' "$DN" classifier train "$T/text.data" "$T/good.cfg"
printf '\n\n%s/data/training/00000_c0.png\n%s/nolabel.png\n' "$T" "$T" > "$T/nolabel.list"
data nolabel train="$T/nolabel.list"
bad 1 'nolabel.list:4: .*nolabel.png: no label of .*labels.txt matches the path' "$DN" classifier train "$T/nolabel.data" "$T/good.cfg"
cp "$T/data/training/00001_c1.png" "$T/c1_c2.png"
printf '%s/c1_c2.png\n' "$T" > "$T/twolabels.list"
data twolabels train="$T/twolabels.list"
bad 1 "twolabels.list:1: .*c1_c2.png: several labels of .* match the path: 'c1' and 'c2'" "$DN" classifier train "$T/twolabels.data" "$T/good.cfg"
printf '%s/data/training/00000_c0.png\000\n' "$T" > "$T/nul.list"
data nullist train="$T/nul.list"
bad 1 'nul.list:1: NUL byte in the line' "$DN" classifier train "$T/nullist.data" "$T/good.cfg"
printf 'c0\nc1\n' > "$T/two_labels.txt"
data fewlabels labels="$T/two_labels.txt"
bad 1 'two_labels.txt: 2 labels, but classes=10' "$DN" classifier train "$T/fewlabels.data" "$T/good.cfg"
data names names="$T/two_labels.txt"
bad 1 'two_labels.txt: has 2 names, .*names.data says classes=10' \
    "$DN" classifier predict "$T/names.data" "$T/good.cfg" "$T/good.weights" "$T/data/testing/00000_c0.png"
printf "${NET}width=16\nheight=16\n$LAYERS" | sed '3,4d' > "$T/small.cfg"
bad 1 'train.list:1: .*00000_c0.png: 32x32 image, network expects 16x16' "$DN" classifier train "$T/good.data" "$T/small.cfg"
bad 1 'nope.png: cannot load image' "$DN" classifier predict "$T/good.data" "$T/good.cfg" "$T/good.weights" "$T/nope.png"
bad 1 'text_c1.png: cannot load image' "$DN" classifier predict "$T/good.data" "$T/good.cfg" "$T/good.weights" "$T/text_c1.png"
head -c 100 "$T/data/training/00000_c0.png" > "$T/cut.png"
bad 1 'cut.png: cannot load image' "$DN" classifier predict "$T/good.data" "$T/good.cfg" "$T/good.weights" "$T/cut.png"

# a PNG header claiming 137x2555905 pixels (found by fuzz_image: decoding it
# took 20 s and 1 GB) is refused from its header; predict refuses > 64 Mpx
hugepng() { # hugepng NAME WIDTH_ESCAPES HEIGHT_ESCAPES
    cp "$T/data/training/00000_c0.png" "$T/$1"
    printf "$2$3" | dd of="$T/$1" bs=1 seek=16 conv=notrunc 2> /dev/null
}
hugepng 00000_c0_tall.png '\000\000\000\211' '\000\047\000\001'
printf '%s/00000_c0_tall.png\n' "$T" > "$T/tall.list"
data tall train="$T/tall.list"
bad 1 'tall.list:1: .*tall.png: 137x2555905 image, network expects 32x32' "$DN" classifier train "$T/tall.data" "$T/good.cfg"
hugepng huge.png '\000\000\040\001' '\000\000\040\000'
bad 1 'huge.png: a 8193x8192 image, more than 64 megapixels' "$DN" classifier predict "$T/good.data" "$T/good.cfg" "$T/good.weights" "$T/huge.png"

# ---- an earlier run in the backup folder is kept (exit 1)
data earlier
mkdir -p "$T/backup_earlier"
echo checkpoint > "$T/backup_earlier/good.backup"
bad 1 'good.backup: an earlier run.s checkpoint; resume it with: darknet classifier train .* \(or add -clear to start over' \
    "$DN" classifier train "$T/earlier.data" "$T/good.cfg"
rm "$T/backup_earlier/good.backup"
echo 'iteration,epoch,loss' > "$T/backup_earlier/good.loss.csv"
bad 1 'good.loss.csv: an earlier run.s file \(it left no checkpoint\); add -clear to start over' \
    "$DN" classifier train "$T/earlier.data" "$T/good.cfg"
if [ "$(cat "$T/backup_earlier/good.loss.csv")" = 'iteration,epoch,loss' ]; then ok "the refused train kept the earlier loss log"
else fail "the refused train changed the earlier loss log"; fi

# ---- plot (exit 1)
bad 1 'darknet plot: .*nope.csv: cannot open' "$DN" plot "$T/p.png" a="$T/nope.csv"
printf 'iteration,loss\n1,2\n' > "$T/l.csv"
bad 1 "l.csv: no column 'top1'" "$DN" plot "$T/p.png" -y top1 a="$T/l.csv"
bad 1 "$T: is a directory, not a file" "$DN" plot "$T/p.png" a="$T"

[ "$n" -ge 60 ] && ok "catalogue: $n bad inputs" || fail "catalogue: only $n bad inputs (at least 60 wanted)"
[ "$fails" -eq 0 ]
