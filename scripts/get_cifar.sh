#!/bin/sh
# get_cifar.sh - prepare CIFAR-10 or CIFAR-100 for training:
#
#   scripts/get_cifar.sh cifar10|cifar100 [archive.tar.gz | directory]
#
# produces data/cifar10/ (or data/cifar100/) with training/ and testing/ PNGs,
# train.list, test.list and labels.txt, using `./darknet cifar extract`.
# The binary files are taken from, in this order:
#   1. the given official archive (cifar-10-binary.tar.gz, ...) or directory
#      (the folder holding the .bin files, or its parent);
#   2. the directory in $CIFAR_DIR (same rules);
#   3. ../shared/cifar, the small subset (2000 training images; a warning says so);
#   4. a download of the official binary archive (curl or wget), checked by MD5.
# Nothing is done if data/<name>/train.list already exists.
set -eu

die() { echo "get_cifar.sh: error: $*" >&2; exit 1; }

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    die "usage: scripts/get_cifar.sh cifar10|cifar100 [archive.tar.gz|directory]"
fi
name=$1
case $name in
cifar10)
    bin_name=cifar-10-batches-bin
    bin_file=data_batch_1.bin
    archive=cifar-10-binary.tar.gz
    md5=c32a1d4ab5d03f1284b67883e8d87530
    ;;
cifar100)
    bin_name=cifar-100-binary
    bin_file=train.bin
    archive=cifar-100-binary.tar.gz
    md5=03b5dce01913d631647c71ecec9e9cb8
    ;;
*) die "unknown dataset '$name' (expected cifar10 or cifar100)" ;;
esac
url=https://www.cs.toronto.edu/~kriz/$archive

# Make a path given on the command line absolute before moving to the repo root.
abspath() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
src=""
if [ $# -eq 2 ]; then
    src=$(abspath "$2")
    [ -e "$src" ] || die "$2: no such file or directory"
elif [ -n "${CIFAR_DIR:-}" ]; then
    src=$(abspath "$CIFAR_DIR")
    [ -d "$src" ] || die "CIFAR_DIR=$CIFAR_DIR: not a directory"
fi

cd "$(dirname "$0")/.."
out=data/$name
if [ -f "$out/train.list" ]; then
    echo "$out/train.list already exists: nothing to do (remove $out to extract again)"
    exit 0
fi
[ -x ./darknet ] || die "./darknet is not built: run make first"
mkdir -p data

# The folder holding the .bin files: the directory itself or its $bin_name child.
bin_dir_of() {
    if [ -f "$1/$bin_file" ]; then echo "$1"
    elif [ -f "$1/$bin_name/$bin_file" ]; then echo "$1/$bin_name"
    else return 1
    fi
}

# Unpack an archive into data/ and print the folder of .bin files.
unpack() {
    tar -xzf "$1" -C data || die "$1: cannot extract (not a .tar.gz archive?)"
    [ -f "data/$bin_name/$bin_file" ] || die "$1: no $bin_name/$bin_file inside"
    echo "data/$bin_name"
}

if [ -n "$src" ]; then
    if [ -d "$src" ]; then
        bin_dir=$(bin_dir_of "$src") || die "$src: no $bin_file in it or in $bin_name/"
    else
        bin_dir=$(unpack "$src")
    fi
elif bin_dir=$(bin_dir_of ../shared/cifar); then
    echo "get_cifar.sh: warning: using the SMALL SUBSET of $name in ../shared/cifar, not the" \
        "full dataset; pass the official archive or set CIFAR_DIR for the full one" >&2
else
    file=data/$archive
    if [ ! -f "$file" ]; then
        echo "downloading $url"
        if command -v curl >/dev/null 2>&1; then
            curl -fL --retry 3 -o "$file.tmp" "$url" || { rm -f "$file.tmp"; die "download of $url failed"; }
        elif command -v wget >/dev/null 2>&1; then
            wget -O "$file.tmp" "$url" || { rm -f "$file.tmp"; die "download of $url failed"; }
        else
            die "neither curl nor wget is installed; download $url by hand and pass it as argument"
        fi
        mv "$file.tmp" "$file"
    fi
    command -v md5sum >/dev/null 2>&1 || die "md5sum not found: cannot verify $file"
    sum=$(md5sum "$file" | cut -d' ' -f1)
    [ "$sum" = "$md5" ] || die "$file: MD5 $sum, expected $md5 (corrupt download? delete it and retry)"
    bin_dir=$(unpack "$file")
fi

echo "extracting $bin_dir into $out"
./darknet cifar extract "$bin_dir" "$out" || die "./darknet cifar extract $bin_dir $out failed"
echo "$out: $(wc -l <"$out/train.list") training and $(wc -l <"$out/test.list") test images," \
    "labels in $out/labels.txt"
