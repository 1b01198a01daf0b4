#!/usr/bin/python3
"""Golden values for baeum's layers and losses, from PyTorch.

Run with Debian's Python and python3-torch (1.13):

    /usr/bin/python3 nn/testdata/make_fixtures.py > nn/testdata/torch_layers.json

For each case it fixes an input, the layer's parameters and random weights
R — all float32 numbers — then computes the layer's output y and the
gradients of sum(y * R) with respect to the input and to every parameter,
and writes them as JSON. The Go tests load the same numbers into baeum's
float32 layers and compare within rtol 1e-5 + atol 1e-6. Losses use their
scalar output directly.

The expected values are computed by PyTorch in float64 from the float32
inputs, so they are the exact answers for those inputs. A float32 result
from PyTorch is itself off by up to about 1e-6 absolute on sums of a few
dozen products (and 2e-5 relative on sums of a thousand), so comparing two
float32 computations would measure their rounding noise, not correctness.
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(20261127)
torch.set_default_dtype(torch.float32)


def enc(t):
    t = t.detach().to(torch.float64)
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def case(name, module, x, kind=None, config=None, extra=None, train=True):
    module = module.double()
    module.train(train)
    x = x.double().clone().requires_grad_(True)
    params = {k: v.detach().clone() for k, v in module.named_parameters()}
    buffers_before = {k: v.detach().clone() for k, v in module.named_buffers()}
    y = module(x)
    r = torch.randn(y.shape).double()
    (y * r).sum().backward()
    out = {
        "name": name,
        "kind": kind or name,
        "config": config or {},
        "train": train,
        "input": enc(x),
        "params": {k: enc(v) for k, v in params.items()},
        "buffers_before": {k: enc(v) for k, v in buffers_before.items() if v.dtype.is_floating_point},
        "r": enc(r),
        "output": enc(y),
        "grad_input": enc(x.grad),
        "grad_params": {k: enc(v.grad) for k, v in module.named_parameters()},
        "buffers_after": {k: enc(v) for k, v in module.named_buffers() if v.dtype.is_floating_point},
    }
    if extra:
        out.update(extra)
    return out


class Lambda(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.f = f

    def forward(self, x):
        return self.f(x)


cases = []
cases.append(case("linear", nn.Linear(5, 3), torch.randn(4, 5), config={"in": 5, "out": 3}))
cases.append(case("conv2d", nn.Conv2d(3, 4, 3), torch.randn(2, 3, 7, 7), config={"in": 3, "out": 4, "k": 3, "stride": 1, "pad": 0}))
cases.append(case("conv2d_s2p1", nn.Conv2d(3, 4, 3, stride=2, padding=1), torch.randn(2, 3, 7, 7), kind="conv2d",
                  config={"in": 3, "out": 4, "k": 3, "stride": 2, "pad": 1}))
# LeNet's C1 and C3 shapes (one input channel; six input channels), on
# smaller images: a float32 sum of the 1,568 products of a full 2×32×32
# batch already differs from the exact value by about 2e-5 relative in
# PyTorch itself, more than the tolerance the comparison uses.
cases.append(case("conv2d_lenet_c1", nn.Conv2d(1, 6, 5), torch.randn(2, 1, 12, 12), kind="conv2d",
                  config={"in": 1, "out": 6, "k": 5, "stride": 1, "pad": 0}))
cases.append(case("conv2d_lenet_c3", nn.Conv2d(6, 16, 5), torch.randn(2, 6, 9, 9), kind="conv2d",
                  config={"in": 6, "out": 16, "k": 5, "stride": 1, "pad": 0}))
# Output rows wider than 16 pixels take the direct weight-gradient kernel.
cases.append(case("conv2d_wide_rows", nn.Conv2d(1, 6, 3), torch.randn(2, 1, 20, 20), kind="conv2d",
                  config={"in": 1, "out": 6, "k": 3, "stride": 1, "pad": 0}))
cases.append(case("avgpool_2_2", nn.AvgPool2d(2, 2), torch.randn(2, 3, 6, 6), kind="avgpool", config={"k": 2, "stride": 2}))
cases.append(case("avgpool_2_2_wide", nn.AvgPool2d(2, 2), torch.randn(2, 3, 28, 28), kind="avgpool", config={"k": 2, "stride": 2}))
cases.append(case("avgpool_3_2", nn.AvgPool2d(3, 2), torch.randn(2, 3, 7, 7), kind="avgpool", config={"k": 3, "stride": 2}))
cases.append(case("maxpool_2_2", nn.MaxPool2d(2, 2), torch.randn(2, 3, 6, 6), kind="maxpool", config={"k": 2, "stride": 2}))
cases.append(case("maxpool_3_1", nn.MaxPool2d(3, 1), torch.randn(2, 3, 6, 6), kind="maxpool", config={"k": 3, "stride": 1}))
cases.append(case("flatten", nn.Flatten(), torch.randn(2, 3, 2, 2)))
mask = ((torch.rand(4, 5) > 0.3).float() / 0.7).double()
cases.append(case("dropout", Lambda(lambda x: x * mask), torch.randn(4, 5), config={"p": 0.3}, extra={"mask": enc(mask)}))
bn1 = nn.BatchNorm1d(3)
with torch.no_grad():
    bn1.weight.copy_(torch.rand(3) + 0.5)
    bn1.bias.copy_(torch.randn(3))
cases.append(case("batchnorm1d_train", bn1, torch.randn(6, 3) * 2 + 1, kind="batchnorm1d"))
bn2 = nn.BatchNorm2d(3)
with torch.no_grad():
    bn2.weight.copy_(torch.rand(3) + 0.5)
    bn2.bias.copy_(torch.randn(3))
cases.append(case("batchnorm2d_train", bn2, torch.randn(4, 3, 3, 3), kind="batchnorm2d"))
bn3 = nn.BatchNorm2d(3)
with torch.no_grad():
    bn3.weight.copy_(torch.rand(3) + 0.5)
    bn3.bias.copy_(torch.randn(3))
    bn3.running_mean.copy_(torch.randn(3) * 0.1)
    bn3.running_var.copy_(torch.rand(3) + 0.5)
cases.append(case("batchnorm2d_eval", bn3, torch.randn(4, 3, 3, 3), kind="batchnorm2d", train=False))
cases.append(case("sigmoid", nn.Sigmoid(), torch.randn(3, 4) * 3))
cases.append(case("tanh", nn.Tanh(), torch.randn(3, 4) * 2))
cases.append(case("relu", nn.ReLU(), torch.randn(3, 4)))
cases.append(case("leaky_relu", nn.LeakyReLU(0.1), torch.randn(3, 4), config={"slope": 0.1}))
cases.append(case("elu", nn.ELU(1.0), torch.randn(3, 4), config={"alpha": 1.0}))
cases.append(case("softmax", nn.Softmax(dim=1), torch.randn(3, 4) * 3, config={"axis": 1}))
cases.append(case("log_softmax", nn.LogSoftmax(dim=1), torch.randn(3, 4) * 3, config={"axis": 1}))


def loss_case(name, fn, x, target, reduction, labels=None):
    x = x.double().clone().requires_grad_(True)
    if labels is None:
        target = target.double()
    y = fn(x, target, reduction=reduction)
    y.backward()
    out = {"name": name + "_" + reduction, "kind": name, "reduction": reduction, "input": enc(x),
           "output": float(y), "grad_input": enc(x.grad)}
    if labels is None:
        out["target"] = enc(target)
    else:
        out["labels"] = [int(v) for v in target.tolist()]
    return out


losses = []
for red in ("mean", "sum"):
    logits = torch.randn(5, 4) * 2
    labels = torch.randint(0, 4, (5,))
    losses.append(loss_case("cross_entropy", F.cross_entropy, logits, labels, red, labels=True))
    losses.append(loss_case("nll", F.nll_loss, F.log_softmax(torch.randn(5, 4), 1), labels, red, labels=True))
    losses.append(loss_case("mse", F.mse_loss, torch.randn(3, 4), torch.randn(3, 4), red))
    losses.append(loss_case("bce", F.binary_cross_entropy, torch.rand(3, 4) * 0.9 + 0.05, (torch.rand(3, 4) > 0.5).float(), red))
    losses.append(loss_case("bce_with_logits", F.binary_cross_entropy_with_logits, torch.randn(3, 4) * 3, torch.rand(3, 4), red))

# The 3×3 convolutions with padding 1 of the cnn and resnet models, which
# run the direct kernel on the padded image: output rows wider and
# narrower than 16 pixels, and output channels that do not fill the
# kernel's groups of eight. The images are a few rows tall, so that the
# weight gradients sum few enough products for the tolerance. (Drawn
# after the losses, so that the cases above keep their numbers.)
cases.append(case("conv2d_same_wide", nn.Conv2d(4, 12, 3, padding=1), torch.randn(1, 4, 3, 17), kind="conv2d",
                  config={"in": 4, "out": 12, "k": 3, "stride": 1, "pad": 1}))
cases.append(case("conv2d_same_narrow", nn.Conv2d(8, 8, 3, padding=1), torch.randn(1, 8, 5, 7), kind="conv2d",
                  config={"in": 8, "out": 8, "k": 3, "stride": 1, "pad": 1}))

json.dump({"torch_version": torch.__version__, "layers": cases, "losses": losses}, sys.stdout, indent=None)
