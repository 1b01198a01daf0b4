#!/usr/bin/python3
"""Golden values for baeum's general convolution, pooling and smooth
activations (issue #18), from PyTorch.

Run with Debian's Python and python3-torch (1.13):

    /usr/bin/python3 nn/testdata/make_fixtures_more.py > nn/testdata/torch_layers_more.json

As make_fixtures.py: for each case it fixes a float32 input, the layer's
float32 parameters and random weights R, computes in float64 the output y
and the gradients of sum(y * R) with respect to the input and every
parameter, and writes them as JSON. "config" holds the layer's options
under the field names of baeum's nn.Conv2DConfig and nn.Pool2DConfig (or
the activation's), so the Go test builds the layer by decoding it.
"""
import json
import sys

import torch
import torch.nn as nn

torch.manual_seed(20260518)
torch.set_default_dtype(torch.float32)


def enc(t):
    t = t.detach().to(torch.float64)
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def case(name, kind, config, module, x, train=True):
    module = module.double()
    module.train(train)
    x = x.double().clone().requires_grad_(True)
    params = {k: v.detach().clone() for k, v in module.named_parameters()}
    y = module(x)
    r = torch.randn(y.shape).double()
    (y * r).sum().backward()
    return {
        "name": name,
        "kind": kind,
        "config": config,
        "input": enc(x),
        "params": {k: enc(v) for k, v in params.items()},
        "r": enc(r),
        "output": enc(y),
        "grad_input": enc(x.grad),
        "grad_params": {k: enc(v.grad) for k, v in module.named_parameters()},
    }


def conv(name, x, in_c, out_c, k, stride=1, padding=0, dilation=1, groups=1, bias=True):
    pair = lambda v: v if isinstance(v, tuple) else (v, v)
    kh, kw = pair(k)
    cfg = {"InC": in_c, "OutC": out_c, "KH": kh, "KW": kw, "Groups": groups, "NoBias": not bias}
    sh, sw = pair(stride)
    cfg.update({"StrideH": sh, "StrideW": sw})
    if isinstance(padding, str):
        cfg["Padding"] = padding
    else:
        ph, pw = pair(padding)
        cfg.update({"PadH": ph, "PadW": pw})
    dh, dw = pair(dilation)
    cfg.update({"DilationH": dh, "DilationW": dw})
    m = nn.Conv2d(in_c, out_c, k, stride=stride, padding=padding, dilation=dilation, groups=groups, bias=bias)
    return case(name, "conv2d", cfg, m, x)


def pool(name, kind, x, k, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    pair = lambda v: v if isinstance(v, tuple) else (v, v)
    kh, kw = pair(k)
    ph, pw = pair(padding)
    cfg = {"KH": kh, "KW": kw, "PadH": ph, "PadW": pw, "CeilMode": ceil_mode}
    if stride is not None:
        sh, sw = pair(stride)
        cfg.update({"StrideH": sh, "StrideW": sw})
    if kind == "maxpool":
        m = nn.MaxPool2d(k, stride=stride, padding=padding, ceil_mode=ceil_mode)
    else:
        cfg["ExcludePad"] = not count_include_pad
        m = nn.AvgPool2d(k, stride=stride, padding=padding, ceil_mode=ceil_mode, count_include_pad=count_include_pad)
    return case(name, kind, cfg, m, x)


x = lambda *shape: torch.randn(*shape)
cases = [
    conv("conv_rect_2x3", x(2, 3, 7, 8), 3, 4, (2, 3)),
    conv("conv_stride_2x1_pad_1x2", x(2, 3, 7, 8), 3, 4, 3, stride=(2, 1), padding=(1, 2)),
    conv("conv_same_even_2x4", x(2, 3, 6, 7), 3, 2, (2, 4), padding="same"),
    conv("conv_same_dilation_2", x(1, 2, 8, 7), 2, 3, 3, padding="same", dilation=2),
    conv("conv_valid_3x2", x(2, 2, 6, 5), 2, 3, (3, 2), padding="valid"),
    conv("conv_dilation_2_stride_2", x(2, 3, 9, 8), 3, 4, 3, stride=2, padding=1, dilation=2),
    conv("conv_groups_2_nobias", x(2, 4, 6, 6), 4, 6, 3, padding=1, groups=2, bias=False),
    conv("conv_depthwise_s2", x(2, 4, 7, 7), 4, 4, 3, stride=2, padding=1, groups=4),
    conv("conv_depthwise_x2_dilation_2x1", x(2, 3, 7, 6), 3, 6, (3, 2), dilation=(2, 1), groups=3),
    conv("conv_square_fast_path", x(2, 3, 8, 8), 3, 4, 3, stride=2, padding=1),
    pool("maxpool_3x2_default_stride", "maxpool", x(2, 3, 7, 6), (3, 2)),
    pool("maxpool_3_s2_p1_ceil", "maxpool", x(2, 2, 8, 7), 3, stride=2, padding=1, ceil_mode=True),
    pool("maxpool_2x3_s2x1_p1_ceil", "maxpool", x(1, 2, 7, 6), (2, 3), stride=(2, 1), padding=1, ceil_mode=True),
    pool("maxpool_2_ceil_odd", "maxpool", x(2, 2, 7, 7), 2, ceil_mode=True),
    pool("avgpool_3_s2_p1_count_pad", "avgpool", x(2, 2, 7, 7), 3, stride=2, padding=1),
    pool("avgpool_3_s2_p1_exclude_pad", "avgpool", x(2, 2, 7, 7), 3, stride=2, padding=1, count_include_pad=False),
    pool("avgpool_3x2_p1_ceil_count_pad", "avgpool", x(2, 2, 8, 7), (3, 2), stride=2, padding=1, ceil_mode=True),
    pool("avgpool_3x2_p1_ceil_exclude_pad", "avgpool", x(2, 2, 8, 7), (3, 2), stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    pool("avgpool_2_ceil_odd", "avgpool", x(2, 2, 7, 5), 2, ceil_mode=True),
    case("adaptive_7x6_to_3x4", "adaptive", {"H": 3, "W": 4}, nn.AdaptiveAvgPool2d((3, 4)), x(2, 3, 7, 6)),
    case("adaptive_5x7_to_3x5", "adaptive", {"H": 3, "W": 5}, nn.AdaptiveAvgPool2d((3, 5)), x(2, 2, 5, 7)),
    case("adaptive_4x4_to_6x5", "adaptive", {"H": 6, "W": 5}, nn.AdaptiveAvgPool2d((6, 5)), x(1, 2, 4, 4)),
    case("global_avg_pool", "global", {}, nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten()), x(2, 5, 4, 3)),
    case("gelu", "gelu", {"Approximate": ""}, nn.GELU(), 3 * x(4, 6)),
    case("gelu_tanh", "gelu", {"Approximate": "tanh"}, nn.GELU(approximate="tanh"), 3 * x(4, 6)),
    case("silu", "silu", {}, nn.SiLU(), 3 * x(4, 6)),
    case("softplus_threshold_branch", "softplus", {}, nn.Softplus(),
         torch.tensor([[-30.0, -5.0, -0.5, 0.0, 0.7, 4.0], [19.5, 19.99, 20.01, 20.5, 25.0, 40.0]])),
    case("softplus_beta_2_threshold_10", "softplus", {"Beta": 2, "Threshold": 10}, nn.Softplus(beta=2, threshold=10),
         torch.cat([3 * x(2, 6), torch.tensor([[4.9, 4.99, 5.01, 5.1, 6.0, 12.0]])])),
    case("dropout_p1", "dropout", {"P": 1}, nn.Dropout(p=1.0), x(3, 5)),
]
json.dump({"torch_version": torch.__version__, "layers": cases}, sys.stdout, indent=None)
