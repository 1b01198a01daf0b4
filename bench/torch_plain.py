#!/usr/bin/python3
"""A plain PyTorch training loop — the textbook one, without the
benchmark's harness — to check that the PyTorch side of `baeum bench`
is not slower than what a PyTorch user writes:

    /usr/bin/python3 bench/torch_plain.py --model mlp --threads 2

Each epoch shuffles the training images held in memory and walks them in
batches of 64; the usual zero_grad, forward, loss, backward, step. It times
--steps steps after --warmup steps and prints images per second as JSON.
`baeum bench --check` runs it beside torch_bench.py, in the same
environment (jemalloc preloaded, OpenBLAS's OpenMP build).
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F

from torch_bench import build, mnist


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["mlp", "lenet5"], required=True)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--steps", type=int, default=300)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = build(args.model)
    x, y = mnist("train", args.model)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    model.train()
    step, total = 0, args.warmup + args.steps
    while step < total:
        perm = torch.randperm(len(x))
        for i in range(0, len(x) - args.batch + 1, args.batch):
            if step == args.warmup:
                t0 = time.perf_counter()
            idx = perm[i:i + args.batch]
            opt.zero_grad()
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            step += 1
            if step == total:
                break
    wall = time.perf_counter() - t0
    print(json.dumps({"images_per_sec": args.steps * args.batch / wall, "wall_sec": wall}))


if __name__ == "__main__":
    main()
