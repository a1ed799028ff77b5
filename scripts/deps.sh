#!/bin/sh
# deps.sh - install the Debian packages the CPU build and tests need
# (as root; prints the command otherwise). Safe to run again.
#   build:  make gcc libopenblas-dev libstb-dev
#   tests:  python3 (reads the reference parameter counts)
#   fuzz:   clang, libclang-rt-14-dev (libFuzzer and the clang sanitizers,
#           for make fuzz; make SANITIZE=1 test uses gcc's libasan/libubsan)
set -eu
pkgs="make gcc libc6-dev libopenblas-dev libstb-dev python3 clang libclang-rt-14-dev"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && { echo "deps.sh: all packages present"; exit 0; }
if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing packages:$missing; run: sudo apt-get install$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $missing > /dev/null
echo "deps.sh: installed$missing"
