#!/usr/bin/python3
"""Golden values for autograd's edge cases, computed with PyTorch.

Run from anywhere with Debian's python3-torch (1.13):

    /usr/bin/python3 autograd/testdata/make_edge_fixtures.py

It writes torch_edge.json beside this script: for every case an op, its
inputs and parameters, and, in float64 and in float32, the op's output and
the gradients of sum(output) with respect to every input. The inputs are
given as numbers that float32 holds exactly, so both dtypes start from the
same values. JSON has no NaN or infinity: they are written as the strings
"nan", "inf" and "-inf", everywhere.

The cases (issue #13, point 4):

  pow, pow_scalar  x**y with a tensor y (gradients for x and y) and x**p
                   with a number p, for p = 0, 1, 2, 0.5, -1, -1.5, 3 at a
                   zero base and at positive bases. PyTorch's derivative
                   for the base is p*x**(p-1) with zero wherever p == 0
                   (masked_fill), so 0**0 has gradient 0, not 0*0**-1 =
                   NaN; its derivative for the exponent is x**y*log(x) with
                   zero wherever x == 0 and y >= 0.
  relu, elu        NaN inputs, forward and backward. The input is 64 long
                   so that PyTorch runs its vectorised loops: there ELU's
                   backward at NaN gives NaN (the vector code picks the
                   negative branch, alpha*exp(NaN)), while its scalar tail
                   loop, for short tensors, gives 1; "grads_scalar_path"
                   records the latter for reference. ReLU's gradient at NaN
                   is 1 on both paths (threshold_backward passes the
                   gradient where the result is not <= 0).
  elu (precision)  x = -3, -8, -15, -30, alpha = 1 and 0.5: the gradient
                   below zero is alpha*exp(x), which alpha + elu(x) loses in
                   float32 below x ~ -5 (and in float64 below ~ -30).
  maxpool2d        windows with one NaN, several NaNs, NaN beside +-Inf,
                   all -Inf, ties; overlapping windows. PyTorch's CPU
                   kernel (cpu_max_pool) takes a value if it is > the best
                   so far or is NaN, so a window with NaN gives NaN and its
                   gradient goes to the window's LAST NaN (row-major).
  max              torch.max(x, dim) with NaN: NaN, and the gradient goes
                   to the FIRST NaN along the axis (the reduction stops at
                   the first NaN); ties go to the first largest element.
"""

import json
import math
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
NAN, INF = float("nan"), float("inf")
DTYPES = [("float64", torch.float64), ("float32", torch.float32)]


def enc(v):
    """A number for JSON: non-finite ones as strings."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def encs(t):
    return [enc(v) for v in t.detach().flatten().tolist()]


def run(op, params, inputs, shapes, dtype):
    """Runs one case in one dtype: output and gradients of sum(output)."""
    xs = {k: torch.tensor(v, dtype=dtype).reshape(shapes[k]).requires_grad_() for k, v in inputs.items()}
    x = xs["x"]
    if op == "pow":
        y = torch.pow(x, xs["y"])
    elif op == "pow_scalar":
        y = torch.pow(x, params["exponent"])
    elif op == "relu":
        y = torch.relu(x)
    elif op == "elu":
        y = torch.nn.functional.elu(x, alpha=params["alpha"])
    elif op == "maxpool2d":
        y = torch.nn.functional.max_pool2d(x, params["kernel"], params["stride"])
    elif op == "max":
        y = torch.max(x, params["axis"]).values
    else:
        raise ValueError(op)
    y.sum().backward()
    return dict(out=encs(y), out_shape=list(y.shape), grads={k: encs(v.grad) for k, v in xs.items()})


CASES = []


def case(name, op, inputs, shapes=None, note=None, **params):
    shapes = shapes or {k: [len(v)] for k, v in inputs.items()}
    c = dict(name=name, op=op, params=params, inputs={k: [enc(v) for v in vs] for k, vs in inputs.items()},
             shapes=shapes)
    if note:
        c["note"] = note
    for key, dtype in DTYPES:
        c[key] = run(op, params, inputs, shapes, dtype)
    CASES.append(c)
    return c


BASES = [0.0, 0.5, 2.0, 3.0]
for p in [0.0, 1.0, 2.0, 0.5, -1.0, -1.5, 3.0]:
    case("pow/exponent %g" % p, "pow", dict(x=BASES, y=[p] * len(BASES)))
    case("pow_scalar/exponent %g" % p, "pow_scalar", dict(x=BASES), exponent=p)
# One exponent for all bases: its gradient sums the bases' terms, so one
# NaN at the zero base would spoil it.
for p in [0.0, 0.5, 2.0]:
    case("pow/broadcast exponent %g" % p, "pow", dict(x=BASES, y=[p]), shapes=dict(x=[4], y=[1]))


def filler(n):
    """n ordinary values, exact in float32, around zero."""
    return [((i * 7) % 13 - 6) * 0.25 for i in range(n)]


NANS = [NAN, -1.0, 0.0, 2.0, NAN, -INF, INF, -0.5] + filler(56)
NANS[37] = NAN
for op, alpha in [("relu", None), ("elu", 1.0), ("elu", 0.5)]:
    name = op + "/nan" + ("" if alpha is None else " alpha %g" % alpha)
    params = {} if alpha is None else dict(alpha=alpha)
    c = case(name, op, dict(x=NANS), **params)
    if op == "elu":
        c["note"] = ("vectorised path (64 elements); PyTorch's scalar path gives gradient 1 at NaN, "
                     "see grads_scalar_path")
        for key, dtype in DTYPES:
            g = []
            for v in NANS:
                g += run(op, params, dict(x=[v]), dict(x=[1]), dtype)["grads"]["x"]
            c[key]["grads_scalar_path"] = dict(x=g)

for alpha in [1.0, 0.5]:
    case("elu/precision alpha %g" % alpha, "elu", dict(x=[-3.0, -8.0, -15.0, -30.0, -1.0, -0.125]), alpha=alpha)

IMG = [[1, NAN, NAN, 5],
       [3, 2, 7, NAN],
       [4, INF, -1, -2],
       [NAN, -INF, -3, -0.5]]
IMG2 = [[NAN, NAN, -INF, -INF],
        [NAN, 0, -INF, -INF],
        [2, 2, NAN, 9],
        [2, 1, 8, 7]]
PLANES = [v for row in IMG + IMG2 for v in row]
case("maxpool2d/2x2 NaN windows", "maxpool2d", dict(x=PLANES), shapes=dict(x=[1, 2, 4, 4]), kernel=2, stride=2)
case("maxpool2d/3x3 stride 1 overlapping", "maxpool2d", dict(x=PLANES), shapes=dict(x=[1, 2, 4, 4]), kernel=3, stride=1)
IMG5 = filler(50)
for i in [0, 6, 7, 12, 31, 33, 43, 44]:
    IMG5[i] = NAN
case("maxpool2d/batch 2 5x5 k3 s2", "maxpool2d", dict(x=IMG5), shapes=dict(x=[2, 1, 5, 5]), kernel=3, stride=2)
case("maxpool2d/batch 2 5x5 k2 s1", "maxpool2d", dict(x=IMG5), shapes=dict(x=[2, 1, 5, 5]), kernel=2, stride=1)

M = [1, NAN, 3, 2,
     NAN, 5, NAN, 1,
     1, 3, 3, 2,
     -INF, INF, NAN, INF]
case("max/axis 1", "max", dict(x=M), shapes=dict(x=[4, 4]), axis=1)
case("max/axis 0", "max", dict(x=M), shapes=dict(x=[4, 4]), axis=0)
M3 = [1, NAN, NAN, 2, 3, NAN,
      -INF, -INF, NAN, 4, 5, 5]
case("max/3d axis 1", "max", dict(x=M3), shapes=dict(x=[2, 3, 2]), axis=1)
case("max/3d axis -1", "max", dict(x=M3), shapes=dict(x=[2, 3, 2]), axis=-1)


if __name__ == "__main__":
    path = os.path.join(HERE, "torch_edge.json")
    with open(path + ".tmp", "w") as f:
        json.dump(dict(torch=torch.__version__, cases=CASES), f, indent=1, allow_nan=False)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print("wrote", path, len(CASES), "cases")
