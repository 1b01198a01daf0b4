#!/usr/bin/python3
"""The PyTorch side of the fastest recipe to 99% on MNIST (bench/recipe.sh):
the same model, data, preparation, optimizer, schedule, batch size,
epochs and thread count as

    baeum train --model lenet5-relu --augment=none --val 0 \\
      --schedule onecycle --lr LR --batch B --epochs E --seed S

that is LeNet-5 with ReLU and max pooling on all 60,000 training images
(nothing held out, so the test set is only reported at the end), Adam
stepped by PyTorch's OneCycleLR with its defaults, a fresh shuffle each
epoch, the last partial batch kept. It prints one JSON object: the test
accuracy after the last epoch, the seconds spent training (including
each epoch's shuffle and batching) and the seconds since the process
started. Run it in the environment `baeum bench` gives PyTorch (see
torch_bench.py): OpenBLAS's OpenMP build, jemalloc preloaded.
"""
import argparse
import json
import time

T_START = time.perf_counter()

import torch  # noqa: E402 (the import is part of the process's time)
import torch.nn.functional as F  # noqa: E402

from torch_bench import LeNet5, mnist  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--lr", type=float, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x, y = mnist("train", "lenet5")  # padded to 32×32, as baeum prepares LeNet-5's input
    xt, yt = mnist("test", "lenet5")
    model = LeNet5(relu=True)  # baeum's lenet5-relu
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    n, b = x.shape[0], args.batch
    steps = (n + b - 1) // b
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * steps)
    t0 = time.perf_counter()
    model.train()
    for _ in range(args.epochs):
        perm = torch.randperm(n)
        for lo in range(0, n, b):
            idx = perm[lo:lo + b]
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
            sched.step()
    train_sec = time.perf_counter() - t0
    model.eval()
    with torch.no_grad():
        correct = sum(int((model(xt[i:i + 1000]).argmax(1) == yt[i:i + 1000]).sum()) for i in range(0, len(yt), 1000))
    print(json.dumps({"test_accuracy": correct / len(yt), "train_sec": train_sec,
                      "process_sec": time.perf_counter() - T_START, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
