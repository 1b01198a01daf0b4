#!/usr/bin/python3
"""Exports the benchmark's models from PyTorch to ONNX, for ONNX Runtime's
side of `baeum bench` (ort_bench.js):

    /usr/bin/python3 bench/onnx_export.py OUTDIR

writes OUTDIR/mlp.onnx and OUTDIR/lenet5.onnx — the architectures of
torch_bench.py, with its seeded weights, input "x" and output "logits",
the batch dimension dynamic — and OUTDIR/call.onnx, a model of one
negation of a 1×1 input, whose run time is ONNX Runtime's cost per call.

Until baeum exports ONNX itself, this is how ONNX Runtime gets the same
architectures; the weights' values do not change the arithmetic.
"""
import os
import sys

import torch

from torch_bench import build

OPSET = 17  # the newest opset PyTorch 1.13 writes; ONNX Runtime 1.30 runs it


class Call(torch.nn.Module):
    def forward(self, x):
        return -x


def export(model, shape, path):
    model.eval()
    torch.onnx.export(model, torch.zeros(*shape), path, input_names=["x"], output_names=["logits"],
                      dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}}, opset_version=OPSET)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    export(build("mlp"), (1, 784), os.path.join(out, "mlp.onnx"))
    export(build("lenet5"), (1, 1, 32, 32), os.path.join(out, "lenet5.onnx"))
    for name in ("cnn", "resnet", "lstm"):
        export(build(name), (1, 1, 28, 28), os.path.join(out, name + ".onnx"))
    export(Call(), (1, 1), os.path.join(out, "call.onnx"))


if __name__ == "__main__":
    main()
