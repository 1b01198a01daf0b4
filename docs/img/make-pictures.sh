#!/bin/sh
# Regenerates the pictures in docs/img that the README shows, with each
# command's default (full) settings. Run from anywhere:
#
#	sh docs/img/make-pictures.sh
#
# It takes about a minute on two cores: ten seconds for the experiments
# (the MNIST comparison of the optimizers trains the MLP for one epoch six
# times), the rest for training LeNet-5 for the training curves. Every
# experiment has fixed seeds, so its pictures come out the same each time.
# The graphs need Graphviz's dot (Debian/Ubuntu: apt install graphviz).
set -eu
cd "$(dirname "$0")/../.."
out=docs/img
bin=$(mktemp -d)/baeum
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/baeum

"$bin" experiment optimizers --out-dir "$out" --format png
"$bin" experiment init --out-dir "$out" --format png
"$bin" graph --model lenet5 --out-dir "$out" --format png
"$bin" graph --expr "y = w*x + b" --vars w=2,x=3,b=1 --out-dir "$out" --format png
"$bin" summary --model lenet5 --out-dir "$out" --format png
# The committed checkpoint: LeNet-5 after two epochs.
"$bin" inspect --model testdata/lenet5-2epochs.safetensors --index 0 --out-dir "$out" --format png

# Training curves of LeNet-5 with the defaults (10 epochs), once
# `baeum train` has its --plot flag.
if "$bin" train --help | grep -q -- '--plot'; then
	runs=$(mktemp -d)
	"$bin" train --out "$runs/lenet5.safetensors" --plot "$out/training-curves.png"
	rm -rf "$runs"
fi
