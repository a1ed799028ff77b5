#!/bin/sh
# run_all.sh - the whole test suite (what `make test` runs): the C unit tests
# (build/run_tests) and the command-line tests (tests/test_*.sh). Every test
# prints "ok  <name>" or "FAIL <name>"; this script ends with the totals as
# "N passed, N failed" and exits non-zero on any failure.
# Usage: tests/run_all.sh [fast|sanitize]
#   fast:     skip the end-to-end training tests (test_e2e, test_upstream_form, test_experiments,
#             test_cluster)
#   sanitize: the same set, for `make SANITIZE=1 test` (ASan + UBSan build):
#             its short end-to-end run is test_resume.sh (train, refuse, resume)
set -u
cd "$(dirname "$0")/.." || exit 2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
run() {
    echo "== $*"
    "$@" 2>&1 | tee -a "$log" || true
}
run build/run_tests
for t in tests/test_cfgs.sh tests/test_cli.sh tests/test_bad_inputs.sh tests/test_resume.sh tests/test_e2e.sh \
         tests/test_upstream_form.sh tests/test_experiments.sh tests/test_cluster.sh; do
    case $t in tests/test_e2e.sh|tests/test_upstream_form.sh|tests/test_experiments.sh|tests/test_cluster.sh) [ "${1:-}" = fast ] || [ "${1:-}" = sanitize ] && continue ;; esac
    run sh "$t"
done
passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^FAIL ' "$log")
# a sanitizer report anywhere (SANITIZE=1) is a failure even if an exit code hid it
if grep -Eq 'runtime error:|ERROR: (Address|Leak)Sanitizer' "$log"; then
    echo "FAIL sanitizer report: $(grep -Em1 'runtime error:|ERROR: (Address|Leak)Sanitizer' "$log")"
    failed=$((failed + 1))
fi
# run_tests prints its own total; a crash would leave no FAIL line, so check it
grep -q '^[0-9]* passed, 0 failed$' "$log" || { echo "FAIL run_tests did not finish cleanly"; failed=$((failed + 1)); }
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit $status
