#!/usr/bin/python3
"""Makes twins.json, the fixtures of models' TestTwins: baeum's built-in cnn
and resnet against their PyTorch twins, the CNN and ResNet classes of
bench/torch_bench.py.

Run from the repository root, with Debian's python3-torch:

    /usr/bin/python3 models/testdata/make_twins.py

It asks baeum for checkpoints (go test ./models -run TestWriteTwinCheckpoints
-twins-out DIR), loads each into its twin with load_state_dict(strict=True),
so every name and shape of baeum's state dict must be the twin's, runs the
twin on random inputs, in inference mode (running statistics) and for the
cases that say so in training mode (batch statistics, and the running
statistics after the step), in float64, and records inputs and outputs.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from torch_bench import CNN, ResNet  # noqa: E402

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}


def read_safetensors(path):
    """The tensors and metadata of a safetensors file, without the
    safetensors package."""
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = raw[8 + n:]
    tensors = {}
    for name, t in header.items():
        lo, hi = t["data_offsets"]
        tensors[name] = torch.frombuffer(bytearray(body[lo:hi]), dtype=DTYPES[t["dtype"]]).reshape(t["shape"]).clone()
    return tensors, meta


def short(t):
    """t's numbers to 8 significant digits (float32 has about 7)."""
    return [float("%.8g" % v) for v in t.flatten().tolist()]


def twin(case):
    if case["model"] == "cnn":
        return CNN(case["channels"], case["height"], case["width"], case["classes"])
    return ResNet(case["channels"], case["classes"])


def main():
    out = os.path.join(ROOT, "models", "testdata", "twins.json")
    with tempfile.TemporaryDirectory() as d:
        subprocess.check_call(["go", "test", "./models", "-count=1", "-run", "^TestWriteTwinCheckpoints$",
                               "-args", "-twins-out", d], cwd=ROOT)
        with open(os.path.join(d, "cases.json")) as f:
            cases = json.load(f)
        torch.manual_seed(0)
        fixtures = []
        for case in cases:
            state, meta = read_safetensors(os.path.join(d, case["file"]))
            model = twin(case).double()
            model.load_state_dict(state, strict=True)
            # Multiples of 1/64: exact in float32, short in JSON.
            x = (torch.randn(2 if case["train"] else 3, case["channels"], case["height"], case["width"],
                             dtype=torch.float64) * 64).round() / 64
            model.train(case["train"])
            with torch.no_grad():
                y = model(x)
            fix = {k: case[k] for k in ("name", "model", "channels", "height", "width", "classes", "train")}
            fix.update(input_shape=list(x.shape), input=x.flatten().tolist(),
                       output_shape=list(y.shape), output=short(y))
            if case["train"]:
                fix["buffers_after"] = {k: short(v) for k, v in model.named_buffers()}
            fixtures.append(fix)
            print("%s: %s loads strictly into %s; output %s" % (case["name"], case["file"],
                                                               type(model).__name__, list(y.shape)))
    with open(out, "w") as f:
        json.dump(fixtures, f)
        f.write("\n")


if __name__ == "__main__":
    main()
