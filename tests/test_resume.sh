#!/bin/sh
# test_resume.sh - what `classifier train` keeps of an earlier run, on a tiny
# network (a few seconds):
#   1. a second fresh train into the same backup folder is refused and leaves
#      the first run's checkpoint, final weights and logs byte-identical;
#   2. resuming on a full disk fails with a one-line error and keeps every log
#      and the checkpoint byte-identical;
#   3. once there is room again the same resume succeeds, and its loss and
#      validation logs equal those of an uninterrupted run, row for row;
#   4. a loss log that stops growing (ulimit -f) stops training with one line
#      instead of dropping rows;
#   5. with [net] mosaic, cutmix and blur on, a resumed run still equals an
#      uninterrupted one (loss log and final weights).
# The full disk is a real one where this runs as root and mount works: a
# 256 KiB tmpfs filled up by a filler file (writes fail with ENOSPC).
# Elsewhere it is simulated with `ulimit -f 0` (writes fail with EFBIG); the
# test says which it used (DN_NO_MOUNT=1 forces the simulation).
set -u
cd "$(dirname "$0")/.." || exit 2
DN=${DARKNET:-./darknet}
T=$(mktemp -d /tmp/dn_resume.XXXXXX)
mounted=""
cleanup() {
    [ -n "$mounted" ] && umount "$mounted"
    rm -rf "$T"
}
trap cleanup EXIT
fails=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }

# a tiny network and a 16-image CIFAR-10-style dataset
. tests/tiny_data.sh
tiny_cfg "$T/tiny.cfg" 'max_batches=4\nbackup_every=2\nvalid_every=2\ncrop_pad=2\nflip=1\n'
tiny_cifar_bin "$T/bin"
"$DN" cifar extract "$T/bin" "$T/data" > /dev/null || fail "cifar extract"
data() { # data NAME: backup folder $T/NAME
    printf 'classes=10\ntrain=%s/data/train.list\nvalid=%s/data/test.list\nlabels=%s/data/labels.txt\nbackup=%s/%s\n' \
        "$T" "$T" "$T" "$T" "$1" > "$T/$1.data"
}
train() { "$DN" classifier train "$@" > "$T/train.out" 2> "$T/train.err"; }
last_err() { grep -v '^$' "$T/train.err" | tail -1; }
files="tiny.backup tiny_final.weights tiny.loss.csv tiny.valid.csv"
snapshot() { # snapshot DIR: copies of its files in DIR.before
    rm -rf "$1.before"
    mkdir "$1.before"
    for f in $files; do [ -f "$1/$f" ] && cp "$1/$f" "$1.before/"; done
}
unchanged() { # unchanged DIR: every snapshotted file byte-identical
    for f in $files; do
        [ -f "$1.before/$f" ] || continue
        cmp -s "$1/$f" "$1.before/$f" || { echo "$f changed"; return 1; }
    done
    [ -n "$(ls "$1.before")" ] || { echo "nothing to compare"; return 1; }
}

# -- 1. a first run, then a second fresh train into the same folder
data a
train "$T/a.data" "$T/tiny.cfg" || fail "first run: $(last_err)"
rows=$(tail -n +2 "$T/a/tiny.loss.csv" | wc -l)
[ "$rows" -eq 4 ] && ok "first run: 4 iterations logged" || fail "first run logged $rows rows"
snapshot "$T/a"
if train "$T/a.data" "$T/tiny.cfg"; then
    fail "a second fresh train into $T/a was not refused"
elif last_err | grep -q "tiny.backup: an earlier run's checkpoint; resume it with: darknet classifier train"; then
    ok "second fresh train refused: $(last_err | cut -c1-110)..."
else
    fail "second fresh train: unexpected message: $(last_err)"
fi
why=$(unchanged "$T/a") && ok "second fresh train kept the first run's $files" || fail "second fresh train: $why"
# -clear starts over deliberately: same seed, same run, so the same log
train "$T/a.data" "$T/tiny.cfg" -clear || fail "-clear: $(last_err)"
if [ "$(cut -d, -f1-4 "$T/a/tiny.loss.csv")" = "$(cut -d, -f1-4 "$T/a.before/tiny.loss.csv")" ]; then
    ok "-clear started over: the same 4 losses again"
else
    fail "-clear: a different loss log"
fi

# -- 2. the reference: 8 iterations without interruption
data u
train "$T/u.data" "$T/tiny.cfg" -set max_batches=8 || fail "uninterrupted run: $(last_err)"

# a run stopped at its checkpoint of iteration 4 whose logs went on to 8 (as
# after a kill): the checkpoint of run a, the logs of run u
data k
if [ "${DN_NO_MOUNT:-0}" = 0 ] && [ "$(id -u)" -eq 0 ] && mkdir "$T/k" && mount -t tmpfs -o size=256k tmpfs "$T/k" 2>/dev/null; then
    mounted=$T/k
    how="a full 256 KiB tmpfs (ENOSPC)"
else
    mkdir -p "$T/k"
    how="ulimit -f 0 (EFBIG; mount is not available here)"
fi
cp "$T/a/tiny.backup" "$T/k/"
cp "$T/u/tiny.loss.csv" "$T/u/tiny.valid.csv" "$T/k/"
snapshot "$T/k"
if [ -n "$mounted" ]; then
    dd if=/dev/zero of="$T/k/filler" bs=4096 > /dev/null 2>&1 # stops when the disk is full
    train "$T/k.data" "$T/tiny.cfg" "$T/k/tiny.backup" -set max_batches=8
    rc=$?
else
    # stderr through a pipe (a file would be cut off by the limit too)
    out=$(trap '' XFSZ; ulimit -f 0
          "$DN" classifier train "$T/k.data" "$T/tiny.cfg" "$T/k/tiny.backup" -set max_batches=8 2>&1 > /dev/null
          echo "exit $?")
    rc=$(printf '%s\n' "$out" | tail -1 | cut -d' ' -f2)
    printf '%s\n' "$out" | sed '$d' > "$T/train.err"
fi
if [ "$rc" -eq 1 ] && last_err | grep -q "tiny.loss.csv: write failed: "; then
    ok "resume on a full disk ($how) stops: $(last_err)"
else
    fail "resume on a full disk: exit $rc: $(last_err)"
fi
why=$(unchanged "$T/k") && ok "disk full while resuming kept every log and the checkpoint" || fail "disk full: $why"
ls "$T/k" | grep -q '\.tmp$' && fail "disk full: a .tmp file was left: $(ls "$T/k")" || ok "disk full: no .tmp left behind"

# -- 3. room again: the same resume completes and matches the uninterrupted run
rm -f "$T/k/filler"
train "$T/k.data" "$T/tiny.cfg" "$T/k/tiny.backup" -set max_batches=8 || fail "resume after freeing space: $(last_err)"
for log in tiny.loss.csv tiny.valid.csv; do
    got=$(cut -d, -f1-4 "$T/k/$log") want=$(cut -d, -f1-4 "$T/u/$log")
    n=$(($(printf '%s\n' "$want" | wc -l) - 1))
    [ "$got" = "$want" ] && ok "resumed $log equals the uninterrupted run's ($n rows, iteration..avg/top-k columns)" ||
        fail "resumed $log differs from the uninterrupted run's"
done
cmp -s "$T/k/tiny_final.weights" "$T/u/tiny_final.weights" && ok "resumed final weights byte-identical" ||
    fail "resumed final weights differ"
# -- 4. a log that cannot grow (ulimit -f, EFBIG) stops training with one line
data f
out=$(trap '' XFSZ; ulimit -f 1
      "$DN" classifier train "$T/f.data" "$T/tiny.cfg" -set max_batches=40 -set backup_every=100 2>&1 > /dev/null
      echo "exit $?")
msg=$(printf '%s\n' "$out" | sed '$d' | tail -1)
if [ "$(printf '%s\n' "$out" | tail -1)" = "exit 1" ] && printf '%s\n' "$msg" | grep -q "tiny.loss.csv: cannot write: "; then
    ok "a loss log that cannot be written stops training: $msg"
else
    fail "a loss log that cannot be written: $(printf '%s\n' "$out" | tail -2)"
fi
# -- 5. with Darknet's mixing and blur (partners drawn per sample from (seed,
# k)) a run resumed at its checkpoint still equals an uninterrupted one
mix="-set mosaic=1 -set cutmix=1 -set blur=3 -set label_smooth_eps=0.1"
data mu
data mi
# shellcheck disable=SC2086
train "$T/mu.data" "$T/tiny.cfg" -set max_batches=8 $mix || fail "mixing, uninterrupted: $(last_err)"
# shellcheck disable=SC2086
train "$T/mi.data" "$T/tiny.cfg" -set max_batches=4 $mix || fail "mixing, first half: $(last_err)"
# shellcheck disable=SC2086
train "$T/mi.data" "$T/tiny.cfg" "$T/mi/tiny.backup" -set max_batches=8 $mix || fail "mixing, resume: $(last_err)"
if [ "$(cut -d, -f1-4 "$T/mi/tiny.loss.csv")" = "$(cut -d, -f1-4 "$T/mu/tiny.loss.csv")" ] &&
    cmp -s "$T/mi/tiny_final.weights" "$T/mu/tiny_final.weights"; then
    ok "mosaic+cutmix+blur: resumed run's loss log and final weights equal the uninterrupted run's"
else
    fail "mosaic+cutmix+blur: the resumed run differs from the uninterrupted one"
fi
[ "$(cut -d, -f1-3 "$T/mu/tiny.loss.csv")" != "$(cut -d, -f1-3 "$T/u/tiny.loss.csv")" ] &&
    ok "mosaic+cutmix+blur change the losses (the keys are not ignored)" ||
    fail "mosaic+cutmix+blur: the same losses as without them"

[ "$fails" -eq 0 ]
