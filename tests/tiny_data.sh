# tiny_data.sh - sourced by test_cli.sh and test_resume.sh (from the
# repository root): a tiny network and a 16-image CIFAR-10-style dataset.
#
#   tiny_cifar_bin DIR   DIR/ in the official binary format: data_batch_1.bin
#                        (16 random images, labels 0..9 in turn), test_batch.bin
#                        (its first 8), batches.meta.txt (c0..c9)
#   tiny_cfg FILE KEYS   a batch-4 conv/avgpool/connected/softmax cfg whose
#                        [net] also holds KEYS (printf text, e.g. 'max_batches=8\n')

tiny_cifar_bin() {
    mkdir "$1" || return 1
    i=0
    while [ $i -lt 16 ]; do
        printf "\\$(printf %03o $((i % 10)))"
        head -c 3072 /dev/urandom
        i=$((i + 1))
    done > "$1/data_batch_1.bin"
    head -c $((8 * 3073)) "$1/data_batch_1.bin" > "$1/test_batch.bin"
    printf 'c0\nc1\nc2\nc3\nc4\nc5\nc6\nc7\nc8\nc9\n' > "$1/batches.meta.txt"
}

tiny_cfg() {
    {
        printf '[net]\nbatch=4\nwidth=32\nheight=32\nchannels=3\nlearning_rate=0.05\nmomentum=0.9\n'
        printf "$2"
        printf '[convolutional]\nbatch_normalize=1\nfilters=4\nsize=3\npad=1\nactivation=relu\n'
        printf '[avgpool]\n[connected]\noutput=classes\nactivation=linear\n[softmax]\n'
    } > "$1"
}
