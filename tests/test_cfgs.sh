#!/bin/sh
# tests/test_cfgs.sh - the committed network cfgs are exactly what scripts/gen_cfgs.py
# generates, and their params / BN running stats / MACs match the reference counts.
#
#   sh tests/test_cfgs.sh        (PARAMS=path overrides ../shared/reference/params.json)
#
# Prints one line per check; exits non-zero on any mismatch.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PARAMS=${PARAMS:-$ROOT/../shared/reference/params.json}
PY=${PYTHON:-python3}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/test_cfgs.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
fail=0

if ! "$PY" "$ROOT/scripts/gen_cfgs.py" --out "$TMP/cfg" >"$TMP/gen.log" 2>&1; then
    echo "FAIL gen_cfgs.py could not generate:"; cat "$TMP/gen.log"; exit 1
fi
echo "ok   generate: $(cat "$TMP/gen.log")"

# only the generated files: cfg/ may hold other, hand-written files
n=0
for f in $(cd "$TMP/cfg" && find . -type f | sort); do
    f=${f#./}
    n=$((n + 1))
    if [ ! -f "$ROOT/cfg/$f" ]; then
        echo "FAIL cfg/$f missing (run scripts/gen_cfgs.py)"; fail=1
    elif ! diff "$TMP/cfg/$f" "$ROOT/cfg/$f" >"$TMP/diff" 2>&1; then
        echo "FAIL cfg/$f differs from generator output (run scripts/gen_cfgs.py):"
        head -20 "$TMP/diff"; fail=1
    else
        echo "ok   cfg/$f up to date"
    fi
done
[ "$n" -gt 0 ] || { echo "FAIL generator wrote no files"; fail=1; }
# the same comparison as one recursive diff restricted to generated paths
if [ "$fail" -eq 0 ]; then
    mkdir "$TMP/committed"
    (cd "$TMP/cfg" && find . -type f) | while read -r f; do
        mkdir -p "$TMP/committed/$(dirname "$f")" && cp "$ROOT/cfg/$f" "$TMP/committed/$f"
    done
    if diff -r "$TMP/cfg" "$TMP/committed" >/dev/null; then
        echo "ok   diff -r of $n generated files"
    else
        echo "FAIL diff -r of generated files"; fail=1
    fi
fi

if [ ! -f "$PARAMS" ]; then
    echo "FAIL reference counts not found: $PARAMS (set PARAMS=)"; exit 1
fi
if "$PY" "$ROOT/scripts/gen_cfgs.py" --check --out "$ROOT/cfg" --params "$PARAMS"; then
    echo "ok   --check"
else
    echo "FAIL --check"; fail=1
fi

# the networks table in docs/networks.md matches the generator's numbers
"$PY" "$ROOT/scripts/gen_cfgs.py" --table | grep '^| `cfg/' >"$TMP/table"
for doc in docs/networks.md; do
    if [ ! -f "$ROOT/$doc" ] || ! grep -q '^| `cfg/' "$ROOT/$doc"; then
        echo "FAIL $doc has no networks table"; fail=1; continue
    fi
    if grep '^| `cfg/' "$ROOT/$doc" | diff "$TMP/table" - >/dev/null; then
        echo "ok   $doc networks table matches gen_cfgs.py --table"
    else
        echo "FAIL $doc networks table differs from gen_cfgs.py --table"; fail=1
    fi
done

[ "$fail" -eq 0 ] && echo "test_cfgs: all passed" || echo "test_cfgs: FAILED"
exit "$fail"
