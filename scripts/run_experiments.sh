#!/bin/sh
# run_experiments.sh - the paper's experiment grid in one command.
#
#   scripts/run_experiments.sh <set> [options]
#
# sets:
#   paper      the 15 networks of Tables 1, 4 and 5 (ResNet, SE-ResNet, Res-SE-Net at
#              depths 20, 32, 44, 56, 110) x CIFAR-10 and CIFAR-100 = 30 runs
#   ablations  cfg/ablations/*.cfg x both datasets (Table 2 and our ablations)
#   released   cfg/released/*.cfg (the authors' released-code variants) x both datasets
#   all        paper + ablations + released
#   smoke      every network of the three sets for 4 iterations of 8 images on the small
#              CIFAR subset in $DN_CIFAR (default ../shared/cifar), validating every 2
#              iterations on the first 100 test images; runs go to runs/smoke/ by default
#
# Each run trains in its own directory <runs>/<dataset>/<network>/<seed>/ (network = the
# cfg path under cfg/ without .cfg, e.g. resnet_20 or ablations/res_se_net_20_r4) holding
#   run.info                 what the run is (dataset, network, seed, overrides)
#   <base>.cfg               the cfg it trains (a copy, with the overrides written in)
#   run.data                 its .data file: the dataset's lists, backup= this directory
#   train.log                darknet's output (appended on every resume)
#   <base>.loss.csv          loss per iteration; <base>.valid.csv top-1/top-5 per validation
#   chart.png                loss and validation accuracy, redrawn at every validation
#   <base>.backup            the checkpoint (every backup_every iterations and at the end)
#   <base>_final.weights     the final weights
#   valid.txt                `classifier valid` of the final weights: the final accuracy
# A run with valid.txt is finished and skipped; one with a .backup is resumed from it (the
# result is bit-identical to an uninterrupted run on the CPU), so this command can be
# killed and started again at any time. A run directory is locked while it trains.
#
# options:
#   --only a,b,...     only these networks (a cfg name such as resnet_20, or with its folder)
#   --datasets LIST    cifar10,cifar100 (default both)
#   --seeds N|LIST     seeds 1..N, or an explicit list such as 3,7 (default 1)
#   --runs DIR         where the runs go (default runs, or runs/smoke for the smoke set)
#   --data DIR         folder holding cifar10/ and cifar100/ as made by get_cifar.sh (train.list,
#                      test.list, labels.txt); default data/ (prepared with scripts/get_cifar.sh
#                      when missing), for smoke <runs>/data (extracted from $DN_CIFAR)
#   --set key=value    a [net] override for every run (repeatable), e.g. --set max_batches=2000
#   --valid-limit N    validate on the first N images of the test list only
#   -j N               N runs at once on the CPU (GNU parallel if installed, else xargs -P)
#   --threads N        OpenMP threads per run (default: cores / N, at least 1)
#   --gpus 0,1,...     one run per listed GPU at a time (needs a GPU build: make GPU=1 CUDNN=1)
#   --slurm            submit the pending runs as one Slurm job array (sbatch --array), one run
#                      per task; the runs directory must be on a file system the nodes share
#   --sbatch "ARGS"    extra sbatch options, e.g. "--partition=gpu --time=24:00:00"
#   --max-tasks N      at most N array tasks at once (--array=1-M%N)
#   --dry-run          print the commands (or the sbatch script) instead of running them
#   --list             print every run of the set with its state and exit
#   --no-build         do not run `make darknet` first
# internal: --one DATASET NETWORK SEED runs a single experiment (what the dispatchers call).

# The whole script is one { } group, read completely before it runs: editing or updating
# this file while a grid is running (for days) cannot change what the running shells do.
{
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)

die() { echo "run_experiments.sh: error: $*" >&2; exit 2; }
say() { echo "run_experiments.sh: $*" >&2; }

# ---------------------------------------------------------------- options
set_name="" only="" datasets="cifar10,cifar100" seeds=1 runs="" data="" overrides=""
valid_limit="" jobs=1 threads="" gpus="" gpu_pool="" slurm=0 sbatch_args="" max_tasks=""
dry=0 list=0 build=1 one=""
help() { sed -n '2,/^# internal:/p' "$0" | sed 's/^# \{0,1\}//'; }
[ $# -ge 1 ] || { help >&2; exit 2; }
case $1 in -*) ;; *) set_name=$1; shift ;; esac
need() { [ $# -ge 2 ] || die "$1 needs a value"; }
while [ $# -gt 0 ]; do
    case $1 in
    --only) need "$@"; only=$2; shift ;;
    --datasets) need "$@"; datasets=$2; shift ;;
    --seeds) need "$@"; seeds=$2; shift ;;
    --runs) need "$@"; runs=$2; shift ;;
    --data) need "$@"; data=$2; shift ;;
    --set) need "$@"; case $2 in *=*) ;; *) die "--set $2: expected key=value" ;; esac
        overrides="$overrides $2"; shift ;;
    --valid-limit) need "$@"; valid_limit=$2; shift ;;
    -j) need "$@"; jobs=$2; shift ;;
    --threads) need "$@"; threads=$2; shift ;;
    --gpus) need "$@"; gpus=$2; shift ;;
    --gpu-pool) need "$@"; gpu_pool=$2; shift ;;
    --slurm) slurm=1 ;;
    --sbatch) need "$@"; sbatch_args=$2; shift ;;
    --max-tasks) need "$@"; max_tasks=$2; shift ;;
    --dry-run) dry=1 ;;
    --list) list=1 ;;
    --no-build) build=0 ;;
    --one) [ $# -ge 4 ] || die "--one needs DATASET NETWORK SEED"; one="$2 $3 $4"; shift 3 ;;
    -h|--help) help; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done
isnum() { case $1 in ''|*[!0-9]*) return 1 ;; *) return 0 ;; esac; }
{ isnum "$jobs" && [ "$jobs" -ge 1 ]; } || die "-j $jobs: expected a positive number"
[ -z "$threads" ] || isnum "$threads" || die "--threads $threads: expected a number"
[ -z "$valid_limit" ] || isnum "$valid_limit" || die "--valid-limit $valid_limit: expected a number"
[ -z "$max_tasks" ] || isnum "$max_tasks" || die "--max-tasks $max_tasks: expected a number"
for ds in $(echo "$datasets" | tr ',' ' '); do
    case $ds in cifar10|cifar100) ;; *) die "--datasets: unknown dataset '$ds' (cifar10, cifar100)" ;; esac
done
case $seeds in
*,*) seed_list=$(echo "$seeds" | tr ',' ' ') ;;
*) { isnum "$seeds" && [ "$seeds" -ge 1 ]; } || die "--seeds $seeds: expected N or a list"; seed_list=$(seq 1 "$seeds") ;;
esac
for s in $seed_list; do isnum "$s" || die "--seeds: '$s' is not a number"; done

# The smoke set: tiny schedule, small validation set, its own runs and data folders
# (workers get all of these as options).
if [ "$set_name" = smoke ] && [ -z "$one" ]; then
    overrides="batch=8 max_batches=4 valid_every=2 backup_every=2$overrides"
    valid_limit=${valid_limit:-100}
fi
if [ -z "$runs" ]; then
    runs=runs
    if [ "$set_name" = smoke ]; then runs=runs/smoke; fi
fi
case $runs in /*) ;; *) runs=$ROOT/$runs ;; esac
if [ -z "$data" ]; then
    data=$ROOT/data
    if [ "$set_name" = smoke ]; then data=$runs/data; fi
fi
case $data in /*) ;; *) data=$ROOT/$data ;; esac
case "$runs$data" in *" "*) die "paths with spaces are not supported: $runs, $data" ;; esac
# what a run directory records of its settings: a run is never continued (or counted as
# finished) under other settings
settings="overrides=$(echo "$overrides" | xargs) valid_limit=${valid_limit:-all}"
# the options every worker gets
common="--runs $runs --data $data"
[ -n "$valid_limit" ] && common="$common --valid-limit $valid_limit"
for o in $overrides; do common="$common --set $o"; done

cores=$(nproc 2>/dev/null || echo 1)

# ---------------------------------------------------------------- one run
base_of() { basename "$1"; }
run_dir() { echo "$runs/$1/$2/$3"; }
run_state() { # dataset network seed -> finished | partial | new
    d=$(run_dir "$1" "$2" "$3") b=$(base_of "$2")
    if [ -f "$d/${b}_final.weights" ] && grep -q 'top 1:' "$d/valid.txt" 2>/dev/null; then echo finished
    elif [ -f "$d/$b.backup" ] || [ -f "$d/${b}_final.weights" ]; then echo partial
    else echo new; fi
}

# Write the cfg with [net] overrides key=value applied (replaced in place, or added).
apply_overrides() { # src dst overrides...
    src=$1 dst=$2; shift 2
    awk -v sets="$*" '
        BEGIN { n = split(sets, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], p, "="); want[p[1]] = kv[i]; order[i] = p[1] } }
        # keys not in the cfg go after the last key of [net], before its trailing blank/comment lines
        function flush() { for (i = 1; i <= n; i++) if (!(order[i] in put)) { print want[order[i]]; put[order[i]] = 1 }
                           printf "%s", held; held = "" }
        /^\[/ { if (innet) flush(); innet = ($0 ~ /^\[net\]/); print; next }
        innet && /^[ \t]*([#;].*)?$/ { held = held $0 "\n"; next }
        innet { printf "%s", held; held = ""; line = $0; gsub(/[ \t]/, "", line); split(line, p, "=")
                if (p[1] in want) { if (!(p[1] in put)) print want[p[1]]; put[p[1]] = 1; next } }
        { print }
        END { if (innet) flush() }' "$src" > "$dst.tmp" && mv "$dst.tmp" "$dst"
}

# A lock directory holding "host pid slurm-job"; stale when its process is gone.
lock_stale() {
    read -r lhost lpid ljob < "$1/owner" 2>/dev/null || return 0 # no owner yet: taken over
    if [ "$lhost" = "$(hostname)" ]; then
        kill -0 "$lpid" 2>/dev/null && return 1
        return 0
    fi
    if [ "$ljob" != - ] && command -v squeue >/dev/null 2>&1; then
        [ -z "$(squeue -h -j "$ljob" 2>/dev/null)" ] && return 0
    fi
    return 1
}
lock_take() { # dir -> 0 when taken
    if ! mkdir "$1" 2>/dev/null; then
        lock_stale "$1" || return 1
        rm -rf "$1"
        mkdir "$1" 2>/dev/null || return 1
    fi
    echo "$(hostname) $$ ${SLURM_JOB_ID:--}" > "$1/owner"
}

run_one() { # dataset network seed
    ds=$1 net=$2 seed=$3
    cfg=cfg/$net.cfg
    [ -f "$cfg" ] || die "no such network: $cfg"
    dir=$(run_dir "$ds" "$net" "$seed") base=$(base_of "$net")
    tag="$ds/$net/$seed"
    if [ "$(run_state "$ds" "$net" "$seed")" = finished ] && grep -qxF "$settings" "$dir/run.info"; then
        say "$tag: finished, skipped"
        return 0
    fi
    mkdir -p "$dir"
    if [ -f "$dir/run.info" ] && ! grep -qxF "$settings" "$dir/run.info"; then
        say "$tag: FAILED: $dir was started with other settings ($(grep '^overrides=' "$dir/run.info")); remove it or use another --runs"
        return 1
    fi
    lock_take "$dir/.lock" || { say "$tag: locked by $(cat "$dir/.lock/owner" 2>/dev/null), skipped"; return 0; }
    trap 'rm -rf "$dir/.lock"' EXIT
    trap 'rm -rf "$dir/.lock"; exit 130' INT TERM
    src=$data/$ds
    { [ -f "$src/train.list" ] && [ -f "$src/test.list" ]; } || { say "$tag: FAILED: no $src/train.list"; return 1; }
    classes=10
    [ "$ds" = cifar100 ] && classes=100
    valid=$src/test.list
    if [ -n "$valid_limit" ]; then
        head -n "$valid_limit" "$src/test.list" > "$dir/valid.list"
        valid=$dir/valid.list
    fi
    printf 'classes=%s\ntrain=%s\nvalid=%s\nlabels=%s\nbackup=%s\ntop=5\n' \
        "$classes" "$src/train.list" "$valid" "$src/labels.txt" "$dir" > "$dir/run.data"
    if [ ! -f "$dir/run.info" ]; then
        # shellcheck disable=SC2086
        apply_overrides "$cfg" "$dir/$base.cfg" $overrides
        printf 'dataset=%s\nnetwork=%s\nseed=%s\nset=%s\ncfg=%s\n%s\nstarted=%s\n' "$ds" "$net" "$seed" \
            "${set_name:-?}" "$cfg" "$settings" "$(date '+%Y-%m-%d %H:%M:%S')" > "$dir/run.info"
    fi
    [ -n "$threads" ] && export OMP_NUM_THREADS="$threads"
    gpu_flag="-nogpu" gpu="" # CPU runs stay on the CPU in a GPU build too
    if [ -n "$gpu_pool" ]; then # take a free GPU of the pool (the dispatcher runs at most one job per GPU)
        while [ -z "$gpu" ]; do
            for g in $(echo "$gpu_pool" | tr ',' ' '); do
                mkdir -p "$runs/.gpus"
                if lock_take "$runs/.gpus/$g"; then gpu=$g; break; fi
            done
            [ -n "$gpu" ] || sleep 2
        done
        trap 'rm -rf "$dir/.lock" "$runs/.gpus/$gpu"' EXIT
        trap 'rm -rf "$dir/.lock" "$runs/.gpus/$gpu"; exit 130' INT TERM
        gpu_flag="-gpus $gpu"
    fi
    resume=""
    if [ -f "$dir/${base}_final.weights" ]; then resume=trained
    elif [ -f "$dir/$base.backup" ]; then resume="$dir/$base.backup"; fi
    if [ "$resume" != trained ]; then
        say "$tag: $([ -n "$resume" ] && echo resuming || echo training)${gpu:+ on GPU $gpu} (log: $dir/train.log)"
        # no checkpoint: this run directory's own earlier attempt (killed before
        # its first checkpoint) is restarted from scratch, deliberately (-clear)
        cmd="./darknet $gpu_flag classifier train $dir/run.data $dir/$base.cfg ${resume:-"-clear"} -seed $seed"
        echo "== $(date '+%Y-%m-%d %H:%M:%S') $(hostname): $cmd" >> "$dir/train.log"
        if ! $cmd >> "$dir/train.log" 2>&1; then
            say "$tag: FAILED: $(tail -1 "$dir/train.log")"
            return 1
        fi
    fi
    # shellcheck disable=SC2086
    if ! ./darknet $gpu_flag classifier valid "$dir/run.data" "$dir/$base.cfg" "$dir/${base}_final.weights" > "$dir/valid.txt.tmp" 2>> "$dir/train.log"; then
        say "$tag: FAILED: classifier valid: $(tail -1 "$dir/train.log")"
        return 1
    fi
    mv "$dir/valid.txt.tmp" "$dir/valid.txt"
    say "$tag: done: $(tail -1 "$dir/valid.txt" | sed 's/.*: \([0-9]* images\)/\1/')"
}

if [ -n "$one" ]; then
    set +e
    # shellcheck disable=SC2086
    (set -e; run_one $one)
    rc=$?
    [ "$rc" = 0 ] || [ -z "${DN_RUNS_FAILED:-}" ] || echo "$one" >> "$DN_RUNS_FAILED"
    exit "$rc"
fi

# ---------------------------------------------------------------- the grid
paper_nets() { for d in 110 56 44 32 20; do echo "resnet_$d se_resnet_$d res_se_net_$d"; done; }
cfgs_in() { for f in cfg/"$1"/*.cfg; do if [ -f "$f" ]; then echo "$1/$(basename "$f" .cfg)"; fi; done; }
case $set_name in
paper) nets=$(paper_nets) ;;
ablations) nets=$(cfgs_in ablations) ;;
released) nets=$(cfgs_in released) ;;
all|smoke) nets="$(paper_nets) $(cfgs_in released) $(cfgs_in ablations)" ;;
"") die "no set given: paper, ablations, released, all or smoke (see --help)" ;;
*) die "unknown set '$set_name': paper, ablations, released, all or smoke" ;;
esac
if [ -n "$only" ]; then
    sel=""
    for o in $(echo "$only" | tr ',' ' '); do
        hit=""
        for n in $nets; do
            if [ "$n" = "$o" ] || [ "$(basename "$n")" = "$o" ]; then hit="$hit $n"; fi
        done
        [ -n "$hit" ] || die "--only: '$o' is not a network of the $set_name set"
        sel="$sel$hit"
    done
    nets=$sel
fi

# order: seed by seed (a first complete table early), deepest networks first
all_runs="" n_done=0 n_partial=0 n_new=0 pending="" mismatch=""
for seed in $seed_list; do
    for net in $nets; do
        for ds in $(echo "$datasets" | tr ',' ' '); do
            st=$(run_state "$ds" "$net" "$seed")
            info=$(run_dir "$ds" "$net" "$seed")/run.info
            if [ -f "$info" ] && ! grep -qxF "$settings" "$info"; then
                mismatch="$mismatch  $(dirname "$info"): $(grep '^overrides=' "$info")
"
            fi
            all_runs="$all_runs$ds $net $seed $st
"
            case $st in finished) n_done=$((n_done + 1)) ;; partial) n_partial=$((n_partial + 1)) ;; *) n_new=$((n_new + 1)) ;; esac
            [ "$st" = finished ] || pending="$pending$ds $net $seed
"
        done
    done
done
if [ -n "$mismatch" ] && [ "$list" = 0 ]; then
    printf 'run_experiments.sh: error: these runs were made with other settings than %s:\n%s' "$settings" "$mismatch" >&2
    die "use another --runs directory (the smoke set uses runs/smoke), or the same options as before"
fi
if [ "$list" = 1 ]; then
    printf '%s' "$all_runs" | awk '{ printf "%-9s %-40s seed %-4s %s\n", $1, $2, $3, $4 }'
    exit 0
fi
total=$((n_done + n_partial + n_new))
say "$set_name: $total runs in $runs: $n_done finished, $n_partial to resume, $n_new to start"
[ -n "$pending" ] || { say "nothing to do"; exit 0; }
npending=$((n_partial + n_new))

# ---------------------------------------------------------------- build and data
if [ "$build" = 1 ] && [ "$dry" = 0 ]; then
    make -s darknet >&2 || die "make darknet failed"
fi
[ -x ./darknet ] || [ "$dry" = 1 ] || die "./darknet is not built (run make)"
if [ -n "$gpus" ] && [ "$dry" = 0 ]; then
    if ./darknet -gpus 0 summary cfg/cifar10.data cfg/resnet_20.cfg 2>&1 | grep -q "without GPU support"; then
        die "./darknet is a CPU build: build it with make GPU=1 CUDNN=1 to use --gpus"
    fi
fi
for ds in $(echo "$datasets" | tr ',' ' '); do
    [ -f "$data/$ds/train.list" ] && continue
    if [ "$dry" = 1 ]; then say "would prepare $data/$ds"; continue; fi
    if [ "$set_name" = smoke ] && [ "$data" = "$runs/data" ]; then
        cifar=${DN_CIFAR:-$ROOT/../shared/cifar}
        bin=$cifar/cifar-10-batches-bin
        [ "$ds" = cifar100 ] && bin=$cifar/cifar-100-binary
        [ -d "$bin" ] || die "no CIFAR subset at $bin (set DN_CIFAR)"
        say "extracting the subset $bin into $data/$ds"
        ./darknet cifar extract "$bin" "$data/$ds" > /dev/null || die "cifar extract $bin failed"
    elif [ "$data" = "$ROOT/data" ]; then
        scripts/get_cifar.sh "$ds" >&2 || die "scripts/get_cifar.sh $ds failed"
    else
        die "$data/$ds/train.list is missing (prepare it with scripts/get_cifar.sh, or drop --data)"
    fi
done

if [ "$set_name" != smoke ] && [ "$dry" = 0 ]; then
    for ds in $(echo "$datasets" | tr ',' ' '); do
        n=$(wc -l < "$data/$ds/train.list")
        [ "$n" -ge 50000 ] || say "WARNING: $data/$ds/train.list has $n images, not the full 50000 of $ds" \
            "(the small subset?): these runs will not reproduce the paper"
    done
fi

# ---------------------------------------------------------------- dispatch
self="scripts/run_experiments.sh"
[ -n "$set_name" ] && self="$self $set_name"
if [ "$slurm" = 1 ]; then # --gpus: each task gets one GPU (--gres=gpu:1), device 0 in the task
    threads=${threads:-4}
    worker_opts="$common --threads $threads"
    [ -n "$gpus" ] && worker_opts="$worker_opts --gpu-pool 0"
elif [ -n "$gpus" ]; then
    ngpu=$(echo "$gpus" | tr ',' '\n' | grep -c .)
    par=$ngpu
    threads=${threads:-$(( cores / ngpu > 0 ? cores / ngpu : 1 ))}
    worker_opts="$common --threads $threads --gpu-pool $gpus"
else
    par=$jobs
    threads=${threads:-$(( cores / jobs > 0 ? cores / jobs : 1 ))}
    worker_opts="$common --threads $threads"
fi
commands=$(printf '%s' "$pending" | while read -r ds net seed; do
    echo "$self --one $ds $net $seed $worker_opts --no-build"
done)

if [ "$slurm" = 1 ]; then
    slurm_dir=$runs/slurm
    stamp=$(date +%Y%m%d-%H%M%S)
    script=$slurm_dir/${set_name:-runs}-$stamp.sbatch
    array="1-$npending${max_tasks:+%$max_tasks}"
    body=$(
        echo "#!/bin/sh"
        echo "# Slurm job array written by scripts/run_experiments.sh $set_name: one run per task."
        echo "# Resubmitting is safe: finished runs are skipped, interrupted ones resume."
        echo "#SBATCH --job-name=dn-${set_name:-runs}"
        echo "#SBATCH --array=$array"
        echo "#SBATCH --cpus-per-task=$threads"
        echo "#SBATCH --output=$slurm_dir/%x-%A_%a.out"
        [ -n "$gpus" ] && echo "#SBATCH --gres=gpu:1"
        echo "set -eu"
        echo "cd $ROOT"
        echo "case \$SLURM_ARRAY_TASK_ID in"
        i=0
        printf '%s\n' "$commands" | while read -r c; do
            i=$((i + 1))
            echo "$i) exec $c ;;"
        done
        echo "*) echo \"no run for task \$SLURM_ARRAY_TASK_ID\" >&2; exit 1 ;;"
        echo "esac"
    )
    if [ "$dry" = 1 ]; then
        echo "# would write $script:"
        printf '%s\n' "$body"
        echo "# and run: sbatch $sbatch_args $script"
        exit 0
    fi
    command -v sbatch >/dev/null 2>&1 || die "sbatch not found (is this a Slurm login node?); --dry-run prints the script"
    mkdir -p "$slurm_dir"
    printf '%s\n' "$body" > "$script"
    say "submitting $script ($npending tasks)"
    # shellcheck disable=SC2086
    sbatch $sbatch_args "$script"
    exit $?
fi

if [ "$dry" = 1 ]; then
    printf '%s\n' "$commands"
    if [ "$par" -gt 1 ]; then
        if command -v parallel >/dev/null 2>&1; then say "would run these with: parallel -j $par"
        else say "would run these with: xargs -P $par"; fi
    fi
    exit 0
fi
# each worker that fails appends a line to $DN_RUNS_FAILED
DN_RUNS_FAILED=$(mktemp "${TMPDIR:-/tmp}/dn_runs.XXXXXX")
export DN_RUNS_FAILED
trap 'rm -f "$DN_RUNS_FAILED"' EXIT
trap 'rm -f "$DN_RUNS_FAILED"; exit 130' INT TERM
if [ "$par" -le 1 ]; then
    say "running $npending runs one at a time"
    printf '%s\n' "$commands" | while read -r c; do sh -c "$c" || true; done
elif command -v parallel >/dev/null 2>&1; then
    say "running $npending runs, $par at a time, with GNU parallel"
    printf '%s\n' "$commands" | parallel --will-cite -j "$par" || true
else
    say "running $npending runs, $par at a time, with xargs -P"
    printf '%s\n' "$commands" | tr '\n' '\0' | xargs -0 -n 1 -P "$par" sh -c || true
fi
failed=$(grep -c . "$DN_RUNS_FAILED" || true)
if [ "$failed" -gt 0 ]; then
    say "$failed of $npending runs FAILED (their train.log says why); run the same command again to retry"
    exit 1
fi
say "all $npending runs finished; scripts/report.sh $runs writes the tables"
exit 0
}
