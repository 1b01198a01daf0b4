#!/usr/bin/python3
"""Golden values for the losses' options, computed with PyTorch.

Run from anywhere with Debian's python3-torch (1.13):

    /usr/bin/python3 autograd/testdata/loss_options_fixture.py

It writes loss_options.json beside this script, which
autograd/loss_options_test.go reads. Every case names an op, its inputs,
its options and a reduction, an upstream gradient "gout" (the loss's shape)
and, in float64 and in float32, the loss and the gradients of
sum(gout * loss) with respect to the inputs. The inputs are numbers that
float32 holds exactly, so both dtypes start from the same values; the
float32 results are PyTorch's own float32 arithmetic. JSON has no NaN or
infinity: they are written as the strings "nan", "inf" and "-inf".

The ops:

  cross_entropy     torch.nn.functional.cross_entropy(x, labels, weight,
                    ignore_index, reduction, label_smoothing) for logits
                    (N, C): class weights, label smoothing, the default
                    ignore_index -100 and other ignored labels (a class, -1),
                    every reduction, C = 1000, a batch whose rows are all
                    ignored (mean: NaN, gradient 0) and one whose labels all
                    weigh 0 (mean: NaN, NaN gradients in the rows not
                    ignored). "ignore_index": null means PyTorch's default.
  bce_with_logits   binary_cross_entropy_with_logits(x, y, pos_weight=...,
                    reduction=...), gradients for x and for the target y.
                    PyTorch has no mask: with a mask m (x's shape, or a
                    leading part of it, broadcast over the rest) the
                    reference is sum(m * loss_none) / sum(m broadcast) for
                    the mean, sum(m * loss_none) for the sum and
                    m * loss_none for none.
  mse_masked        sum(m * (x - y)**2) / sum(m broadcast), the mean squared
                    error over the elements a mask selects (m as above).
"""

import json
import math
import os

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = [("float64", torch.float64), ("float32", torch.float32)]


def enc(v):
    """A number for JSON: non-finite ones as strings."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def flat(t):
    return [enc(float(v)) for v in t.detach().reshape(-1).tolist()]


def flat32(t):
    """float32 results, each written with the fewest digits that read back
    as the same float32, to keep the file small."""
    out = []
    for v in t.detach().reshape(-1).tolist():
        v = float(v)
        if math.isfinite(v) and v != 0:
            for digits in range(6, 10):
                s = "%.*g" % (digits, v)
                if torch.tensor(float(s), dtype=torch.float32).item() == v:
                    v = float(s)
                    break
        out.append(enc(v))
    return out


def formula_logits(n, c):
    """Big inputs are not stored but made by a rule that Go repeats
    exactly: integers mod 8191 over 1024, which float32 holds exactly."""
    return torch.tensor([[((i * 7919 + k * 104729 + 13) % 8191) / 1024.0 - 4.0 for k in range(c)]
                         for i in range(n)], dtype=torch.float64)


def formula_weights(c):
    """The class weights of the big cases, by a rule that Go repeats."""
    return [0.25 + ((k * 37 + 5) % 101) / 64.0 for k in range(c)]


GEN = torch.Generator().manual_seed(20240613)


def rand(shape, lo=-3.0, hi=3.0):
    """Uniform numbers in [lo, hi) that float32 holds exactly."""
    t = torch.rand(shape, generator=GEN, dtype=torch.float64) * (hi - lo) + lo
    return t.to(torch.float32).to(torch.float64)


def gout_for(reduction, rows):
    if reduction == "none":
        return rand(rows, -1.5, 1.5)
    return torch.tensor(0.75, dtype=torch.float64)


def expand_mask(m, shape):
    """The mask broadcast over the trailing dimensions it lacks."""
    ms = list(m.shape)
    while ms and ms[-1] == 1:
        ms.pop()
    m = m.reshape(ms + [1] * (len(shape) - len(ms)))
    return m.expand(shape)


def ce_case(name, x, labels, reduction, weight=None, smoothing=0.0, ignore_index=None, formula=False):
    """A cross-entropy case. With formula, the logits are made by
    formula_logits and, where "formula_weight" says so, the weights by
    formula_weights (neither stored), and the gradients
    are stored only at the flat indices "grad_index": each row's label
    column, its first two and last columns and every 50th from 7."""
    labels_t = torch.tensor(labels, dtype=torch.int64)
    gout = gout_for(reduction, [len(labels)])
    n, c = x.shape
    index = None
    if formula:
        index = []
        for i, l in enumerate(labels):
            cols = {0, 1, c - 1} | set(range(7, c, 50))
            if 0 <= l < c:
                cols.add(l)
            index += [i * c + k for k in sorted(cols)]
    case = {
        "name": name,
        "op": "cross_entropy",
        "reduction": reduction,
        "inputs": {} if formula else {"x": flat(x)},
        "shapes": {"x": list(x.shape)},
        "formula": formula,
        "formula_weight": formula and weight is not None,
        "grad_index": index,
        "labels": labels,
        "weight": None if weight is None or formula else [float(v) for v in weight],
        "label_smoothing": smoothing,
        "ignore_index": ignore_index,
        "gout": flat(gout),
    }
    for key, dt in DTYPES:
        xt = x.to(dt).clone().requires_grad_(True)
        kw = {"reduction": reduction, "label_smoothing": smoothing}
        if weight is not None:
            kw["weight"] = torch.tensor(weight, dtype=dt)
        if ignore_index is not None:
            kw["ignore_index"] = ignore_index
        out = F.cross_entropy(xt, labels_t, **kw)
        (out * gout.to(dt)).sum().backward()
        g = xt.grad.reshape(-1)
        if index is not None:
            g = g[torch.tensor(index)]
        f = flat if key == "float64" else flat32
        case[key] = {"out": f(out), "grads": {"x": f(g)}}
    return case


def bce_case(name, x, y, reduction, pos_weight=None, mask=None):
    shape = list(x.shape)
    gout = gout_for(reduction, shape)
    case = {
        "name": name,
        "op": "bce_with_logits",
        "reduction": reduction,
        "inputs": {"x": flat(x), "y": flat(y)},
        "shapes": {"x": shape, "y": shape},
        "pos_weight": pos_weight,
        "mask": None if mask is None else flat(mask),
        "mask_shape": None if mask is None else list(mask.shape),
        "gout": flat(gout),
    }
    for key, dt in DTYPES:
        xt = x.to(dt).clone().requires_grad_(True)
        yt = y.to(dt).clone().requires_grad_(True)
        kw = {}
        if pos_weight is not None:
            kw["pos_weight"] = torch.tensor(pos_weight, dtype=dt)
        if mask is None:
            out = F.binary_cross_entropy_with_logits(xt, yt, reduction=reduction, **kw)
        else:
            m = expand_mask(mask.to(dt), shape)
            per = m * F.binary_cross_entropy_with_logits(xt, yt, reduction="none", **kw)
            out = {"none": per, "sum": per.sum(), "mean": per.sum() / m.sum()}[reduction]
        (out * gout.to(dt)).sum().backward()
        f = flat if key == "float64" else flat32
        case[key] = {"out": f(out), "grads": {"x": f(xt.grad), "y": f(yt.grad)}}
    return case


def mse_case(name, x, y, mask):
    shape = list(x.shape)
    gout = gout_for("mean", shape)
    case = {
        "name": name,
        "op": "mse_masked",
        "reduction": "mean",
        "inputs": {"x": flat(x), "y": flat(y)},
        "shapes": {"x": shape, "y": shape},
        "mask": None if mask is None else flat(mask),
        "mask_shape": None if mask is None else list(mask.shape),
        "gout": flat(gout),
    }
    for key, dt in DTYPES:
        xt = x.to(dt).clone().requires_grad_(True)
        yt = y.to(dt).clone().requires_grad_(True)
        if mask is None:
            out = F.mse_loss(xt, yt)
        else:
            m = expand_mask(mask.to(dt), shape)
            out = (m * (xt - yt) ** 2).sum() / m.sum()
        (out * gout.to(dt)).sum().backward()
        f = flat if key == "float64" else flat32
        case[key] = {"out": f(out), "grads": {"x": f(xt.grad), "y": f(yt.grad)}}
    return case


def main():
    cases = []
    RED = ["mean", "sum", "none"]
    x45 = rand([4, 5])
    w5 = [0.5, 2.0, 1.0, 0.25, 3.0]
    lab = [1, 0, 4, 2]
    for r in RED:
        cases.append(ce_case("ce plain " + r, x45, lab, r))
        cases.append(ce_case("ce weight " + r, x45, lab, r, weight=w5))
        cases.append(ce_case("ce smoothing 0.1 " + r, x45, lab, r, smoothing=0.1))
        cases.append(ce_case("ce weight smoothing 0.2 " + r, x45, lab, r, weight=w5, smoothing=0.2))
        cases.append(ce_case("ce default ignore -100 " + r, x45, [1, -100, 4, -100], r))
        cases.append(ce_case("ce ignore class 2, weight, smoothing 0.3 " + r, x45, [2, 0, 2, 4], r,
                             weight=w5, smoothing=0.3, ignore_index=2))
    x63 = rand([6, 3])
    w3 = [1.5, 0.5, 2.0]
    for r in RED:
        cases.append(ce_case("ce weight smoothing 0.15 ignore -100 " + r, x63, [0, -100, 2, 1, -100, 2], r,
                             weight=w3, smoothing=0.15))
    cases.append(ce_case("ce ignore -1", x63, [-1, 1, 2, -1, 0, 0], "mean", weight=w3, ignore_index=-1))
    cases.append(ce_case("ce smoothing 1", x45, lab, "mean", smoothing=1.0))
    cases.append(ce_case("ce smoothing 1 weight sum", x45, lab, "sum", weight=w5, smoothing=1.0))
    x1000 = formula_logits(3, 1000)
    w1000 = formula_weights(1000)
    cases.append(ce_case("ce C=1000 mean", x1000, [999, 0, 517], "mean", formula=True))
    cases.append(ce_case("ce C=1000 weight smoothing 0.1 mean", x1000, [999, 0, 517], "mean",
                         weight=w1000, smoothing=0.1, formula=True))
    cases.append(ce_case("ce C=1000 weight smoothing 0.05 ignore none", x1000, [999, -100, 517], "none",
                         weight=w1000, smoothing=0.05, formula=True))
    for r in RED:
        cases.append(ce_case("ce all ignored " + r, x45, [-100] * 4, r, weight=w5, smoothing=0.1))
    cases.append(ce_case("ce zero weights mean", x45, [0, 2, -100, 0], "mean",
                         weight=[0.0, 1.0, 0.0, 1.0, 1.0], smoothing=0.1))
    big = torch.tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], dtype=torch.float64)
    cases.append(ce_case("ce extreme logits smoothing", big, [1, 0], "sum", weight=w3, smoothing=0.1))

    x34 = rand([3, 4])
    y34 = rand([3, 4], 0, 1)
    y34[0] = torch.tensor([0.0, 1.0, 1.0, 0.0], dtype=torch.float64)
    pw4 = [1.0, 2.5, 0.5, 4.0]
    m34 = torch.tensor([[1, 1, 0, 1], [0, 0, 0, 0], [1, 0.5, 2, 1]], dtype=torch.float64)
    for r in RED:
        cases.append(bce_case("bce plain " + r, x34, y34, r))
        cases.append(bce_case("bce pos_weight " + r, x34, y34, r, pos_weight=pw4))
        cases.append(bce_case("bce pos_weight mask " + r, x34, y34, r, pos_weight=pw4, mask=m34))
    x234 = rand([2, 3, 4])
    y234 = rand([2, 3, 4], 0, 1)
    steps = torch.tensor([[1, 1, 0], [1, 0, 0]], dtype=torch.float64)
    cases.append(bce_case("bce step mask (2,3) over (2,3,4) mean", x234, y234, "mean", pos_weight=pw4, mask=steps))
    cases.append(bce_case("bce step mask (2,3,1) over (2,3,4) none", x234, y234, "none", mask=steps.reshape(2, 3, 1)))
    cases.append(bce_case("bce row mask (3,1) sum", x34, y34, "sum", pos_weight=pw4,
                          mask=torch.tensor([[1.0], [0.0], [1.0]], dtype=torch.float64)))
    xbig = torch.tensor([[800.0, -800.0, 30.0, -30.0]], dtype=torch.float64)
    ybig = torch.tensor([[0.0, 1.0, 0.25, 0.75]], dtype=torch.float64)
    cases.append(bce_case("bce extreme logits pos_weight", xbig, ybig, "sum", pos_weight=pw4))
    cases.append(bce_case("bce zero mask mean", x34, y34, "mean", mask=torch.zeros(3, 4, dtype=torch.float64)))

    cases.append(mse_case("mse mask 0/1", x34, y34, (m34 > 0.9).to(torch.float64)))
    cases.append(mse_case("mse mask weights", x34, y34, m34))
    cases.append(mse_case("mse row mask (3,1)", x34, y34, torch.tensor([[1.0], [0.0], [1.0]], dtype=torch.float64)))
    cases.append(mse_case("mse step mask (2,3) over (2,3,4)", x234, y234, steps))
    cases.append(mse_case("mse no mask", x234, y234, None))
    cases.append(mse_case("mse zero mask", x34, y34, torch.zeros(3, 4, dtype=torch.float64)))

    path = os.path.join(HERE, "loss_options.json")
    with open(path, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print("wrote %d cases to %s" % (len(cases), path))


if __name__ == "__main__":
    main()
