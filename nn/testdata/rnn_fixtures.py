#!/usr/bin/python3
"""Golden values for baeum's recurrent layers (nn.RNN, nn.LSTM, nn.GRU;
issue #20), from PyTorch.

Run with Debian's Python and python3-torch (1.13):

    /usr/bin/python3 nn/testdata/rnn_fixtures.py > nn/testdata/rnn_fixtures.json

As make_fixtures.py: for each case it fixes float32 inputs (the sequences
and, for some, the initial states h0 and c0), the layer's float32
parameters (PyTorch's own initialization, seeded) and random weights R, Rh
and Rc, then computes in float64 the output y and the final states h_n and
c_n, and the gradients of

    sum(y * R) + sum(h_n * Rh) + sum(c_n * Rc)

with respect to the input, the initial states and every parameter, and
writes them as JSON. "config" holds the layer's options under the field
names of baeum's nn.RecurrentConfig, so the Go test builds the layer by
decoding it and copies the parameters in by name. Cases with "lengths"
run a padded batch as a packed sequence (pack_padded_sequence, without
sorting, then pad_packed_sequence to the full length), which gives zero
outputs at the padded steps and the state after each sequence's last real
step.
"""
import json

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.manual_seed(20260520)
torch.set_default_dtype(torch.float32)


def enc(t):
    t = t.detach().to(torch.float64)
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def case(name, kind, in_size=3, hidden=4, layers=1, steps=5, batch=2, nonlinearity="tanh",
         bias=True, batch_first=False, bidirectional=False, states=True, lengths=None):
    cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
    kw = dict(num_layers=layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional)
    if kind == "rnn":
        kw["nonlinearity"] = nonlinearity
    module = cls(in_size, hidden, **kw).double()  # float32 draws, computed in float64
    d = 2 if bidirectional else 1
    shape = (batch, steps, in_size) if batch_first else (steps, batch, in_size)
    x = torch.randn(shape).double().requires_grad_(True)
    h0 = c0 = None
    if states:
        h0 = torch.randn(layers * d, batch, hidden).double().requires_grad_(True)
        if kind == "lstm":
            c0 = torch.randn(layers * d, batch, hidden).double().requires_grad_(True)
    params = {k: v.detach().clone() for k, v in module.named_parameters()}

    hx = None
    if h0 is not None:
        hx = (h0, c0) if kind == "lstm" else h0
    inp = x
    if lengths is not None:
        inp = pack_padded_sequence(x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False)
    out, hn = module(inp, hx)
    if lengths is not None:
        out, _ = pad_packed_sequence(out, batch_first=batch_first, total_length=steps)
    cn = None
    if kind == "lstm":
        hn, cn = hn

    r = torch.randn(out.shape).double()
    rh = torch.randn(hn.shape).double()
    loss = (out * r).sum() + (hn * rh).sum()
    rc = None
    if cn is not None:
        rc = torch.randn(cn.shape).double()
        loss = loss + (cn * rc).sum()
    loss.backward()

    config = {"InputSize": in_size, "HiddenSize": hidden, "NumLayers": layers, "NoBias": not bias,
              "BatchFirst": batch_first, "Bidirectional": bidirectional}
    if kind == "rnn":
        config["Nonlinearity"] = nonlinearity
    c = {
        "name": name,
        "kind": kind,
        "config": config,
        "input": enc(x),
        "params": {k: enc(v) for k, v in params.items()},
        "param_order": list(params.keys()),
        "r": enc(r),
        "rh": enc(rh),
        "output": enc(out),
        "h_n": enc(hn),
        "grad_input": enc(x.grad),
        "grad_params": {k: enc(v.grad) for k, v in module.named_parameters()},
    }
    if lengths is not None:
        c["lengths"] = lengths
    if h0 is not None:
        c["h0"], c["grad_h0"] = enc(h0), enc(h0.grad)
    if c0 is not None:
        c["c0"], c["grad_c0"] = enc(c0), enc(c0.grad)
    if cn is not None:
        c["rc"], c["c_n"] = enc(rc), enc(cn)
    return c


cases = [
    case("rnn_tanh", "rnn"),
    case("rnn_relu_batch_first", "rnn", nonlinearity="relu", batch_first=True, states=False),
    case("rnn_tanh_2layer_bidirectional", "rnn", layers=2, bidirectional=True),
    case("rnn_relu_packed_bidirectional", "rnn", nonlinearity="relu", bidirectional=True, batch=3, lengths=[2, 5, 3]),
    case("lstm", "lstm"),
    case("lstm_no_bias_batch_first", "lstm", bias=False, batch_first=True, states=False),
    case("lstm_2layer_bidirectional_batch_first", "lstm", layers=2, bidirectional=True, batch_first=True),
    case("lstm_packed_bidirectional_batch_first", "lstm", bidirectional=True, batch_first=True, batch=3, lengths=[5, 2, 4]),
    case("lstm_packed_2layer", "lstm", layers=2, batch=3, lengths=[3, 1, 5]),
    case("gru", "gru"),
    case("gru_batch_first", "gru", batch_first=True, states=False),
    case("gru_2layer_bidirectional_batch_first", "gru", layers=2, bidirectional=True, batch_first=True),
    case("gru_packed_2layer_bidirectional", "gru", layers=2, bidirectional=True, batch=3, lengths=[4, 5, 1]),
]

print(json.dumps({"cases": cases}))
