#!/usr/bin/python3
"""Golden values for package optim's policies, computed with PyTorch.

Run from anywhere with Debian's python3-torch (1.13):

    /usr/bin/python3 optim/testdata/policy_fixture.py

It writes policies.json beside this script:

  one_cycle  torch.optim.lr_scheduler.OneCycleLR over SGD (with momentum,
             and with momentum 0 and dampening, cycled from 0 up), RMSprop,
             Adam, AdamW and Adagrad (momentum not cycled): for each step
             t = 0 .. total_steps-1 the learning rate and momentum (betas[0]
             for Adam) in effect for the step, and the parameter after it,
             on a float64 problem whose gradient is g = a*p + b. Cosine and
             linear annealing, two and three phases, and the edge cases of
             pct_start 0 and 1, one step, phase ends between steps, and a
             three-phase cycle so short that its second phase ends before
             its first.
  plateau    torch.optim.lr_scheduler.ReduceLROnPlateau fed a fixed
             sequence of metrics, in modes min and max, thresholds rel and
             abs, with patience, cooldown, min_lr, eps and factor 0: after
             each epoch the learning rate, the best metric, the number of
             bad epochs and the cooldown counter.
"""

import json
import math
import os

import torch

# The optimizers and their defaults are those of the optimizer fixtures.
from make_fixtures import DEFAULTS, make_optimizer

HERE = os.path.dirname(os.path.abspath(__file__))

PARAM = dict(init=[0.5, -1.2, 2.0], a=[0.5, 1.0, 2.0], b=[0.3, -0.2, 0.05])

# (name, optimizer, optimizer config, OneCycleLR arguments). The optimizer
# config's keys are package optim's hyper-parameter names; its lr is
# overwritten by OneCycleLR.
ONE_CYCLE = [
    ("sgd_cos", "sgd", dict(lr=0.01, momentum=0.9), dict(max_lr=0.1, total_steps=20)),
    ("sgd_linear", "sgd", dict(lr=0.01, momentum=0.9), dict(max_lr=0.1, total_steps=20, anneal_strategy="linear")),
    ("sgd_cos_three", "sgd", dict(lr=0.01, momentum=0.9, nesterov=1),
     dict(max_lr=0.1, total_steps=25, pct_start=0.25, three_phase=True)),
    ("sgd_linear_three", "sgd", dict(lr=0.01, momentum=0.9, weight_decay=0.01),
     dict(max_lr=0.2, total_steps=23, pct_start=0.4, anneal_strategy="linear", three_phase=True,
          div_factor=10.0, final_div_factor=100.0, base_momentum=0.8, max_momentum=0.9)),
    ("adam_cos", "adam", dict(lr=0.001), dict(max_lr=0.05, total_steps=30)),
    ("adam_cos_three", "adam", dict(lr=0.001, amsgrad=1), dict(max_lr=0.05, total_steps=16, three_phase=True)),
    ("adamw_linear", "adamw", dict(lr=0.001, weight_decay=0.1), dict(max_lr=0.05, total_steps=18, anneal_strategy="linear")),
    ("adamw_linear_three", "adamw", dict(lr=0.001), dict(max_lr=0.05, total_steps=17, anneal_strategy="linear", three_phase=True,
                                                         base_momentum=0.8, max_momentum=0.9)),
    ("rmsprop_cos", "rmsprop", dict(lr=0.001, momentum=0.5), dict(max_lr=0.01, total_steps=12)),
    ("adagrad_no_momentum", "adagrad", dict(lr=0.01), dict(max_lr=0.1, total_steps=10, cycle_momentum=False)),
    ("sgd_no_momentum_cycle", "sgd", dict(lr=0.01, momentum=0.7), dict(max_lr=0.1, total_steps=10, cycle_momentum=False)),
    ("sgd_pct0", "sgd", dict(lr=0.01, momentum=0.9), dict(max_lr=0.1, total_steps=8, pct_start=0.0)),
    ("sgd_pct1", "sgd", dict(lr=0.01, momentum=0.9), dict(max_lr=0.1, total_steps=8, pct_start=1.0)),
    ("sgd_one_step", "sgd", dict(lr=0.01, momentum=0.9), dict(max_lr=0.1, total_steps=1)),
    ("sgd_half_steps", "sgd", dict(lr=0.01, momentum=0.9), dict(max_lr=0.1, total_steps=10, pct_start=0.25)),
    ("sgd_short_three", "sgd", dict(lr=0.01, momentum=0.9), dict(max_lr=0.1, total_steps=3, pct_start=0.2, three_phase=True)),
    # Momentum 0 at the first steps, then switched on: the velocity starts
    # as the gradient (with dampening 0.5 this differs from a zero start).
    ("sgd_momentum_from_zero", "sgd", dict(lr=0.01, momentum=0.0, dampening=0.5),
     dict(max_lr=0.1, total_steps=12, base_momentum=0.9, max_momentum=0.0)),
]

ONE_CYCLE_DEFAULTS = dict(pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                          max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False)


def momentum_of(group):
    if "betas" in group:
        return group["betas"][0]
    return group.get("momentum")


def one_cycle():
    cases = []
    for name, kind, cfg, args in ONE_CYCLE:
        p = torch.tensor(PARAM["init"], dtype=torch.float64, requires_grad=True)
        a = torch.tensor(PARAM["a"], dtype=torch.float64)
        b = torch.tensor(PARAM["b"], dtype=torch.float64)
        opt = make_optimizer(kind, cfg, [p])
        sch = torch.optim.lr_scheduler.OneCycleLR(opt, **args)
        lrs, moms, params = [], [], []
        for t in range(args["total_steps"]):
            lrs.append(opt.param_groups[0]["lr"])
            moms.append(momentum_of(opt.param_groups[0]))
            with torch.no_grad():
                p.grad = a * p + b
            opt.step()
            params.append(p.detach().tolist())
            # The step to last_epoch = total_steps sets values past the
            # cycle's end that no optimizer step uses (with pct_start 1 it
            # divides by zero); package optim holds the last ones instead.
            if t < args["total_steps"] - 1:
                sch.step()
        cases.append(dict(name=name, optimizer=kind, config=dict(DEFAULTS[kind], **cfg),
                          one_cycle=dict(ONE_CYCLE_DEFAULTS, **args), lr=lrs, momentum=moms, params=params))
    return cases


# Metrics: a loss that falls, stalls, wobbles within and beyond the
# default relative threshold (1e-4), and falls again.
LOSS = [1.0, 0.9, 0.85, 0.85, 0.84995, 0.86, 0.84, 0.84, 0.84, 0.84, 0.83995, 0.9, 0.7, 0.7,
        0.7, 0.7, 0.7, 0.69, 0.69, 0.69, 0.69, 0.69, 0.69, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5,
        0.49999, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]
# An accuracy that rises and stalls.
ACCURACY = [0.1, 0.3, 0.5, 0.6, 0.6, 0.60005, 0.61, 0.61, 0.605, 0.614, 0.62, 0.62, 0.62, 0.62,
            0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.71, 0.71, 0.71, 0.71, 0.71, 0.71, 0.71, 0.71]

# (name, metrics, lr, ReduceLROnPlateau arguments).
PLATEAU = [
    ("defaults", LOSS, 0.1, dict()),
    ("min_rel", LOSS, 0.1, dict(factor=0.5, patience=2)),
    ("min_abs_cooldown", LOSS, 0.1, dict(threshold=0.01, threshold_mode="abs", patience=1, cooldown=2)),
    ("min_rel_negative", [-x for x in LOSS], 0.1, dict(factor=0.5, patience=2, threshold=0.01)),
    ("max_rel_min_lr", ACCURACY, 0.1, dict(mode="max", factor=0.3, patience=2, min_lr=0.02)),
    ("max_abs_eps", ACCURACY, 0.1, dict(mode="max", threshold=0.005, threshold_mode="abs", patience=0, cooldown=1,
                                        min_lr=0.0095, eps=1e-3)),
    ("max_rel_cooldown", ACCURACY, 0.05, dict(mode="max", factor=0.5, patience=1, cooldown=3, threshold=0.05)),
    ("factor_zero", LOSS, 0.1, dict(factor=0.0, patience=3, min_lr=0.001)),
]

PLATEAU_DEFAULTS = dict(mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                        cooldown=0, min_lr=0.0, eps=1e-8)


def plateau():
    cases = []
    for name, metrics, lr, args in PLATEAU:
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=lr)
        sch = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **args)
        out = dict(lr=[], best=[], bad_epochs=[], cooldown_left=[])
        for m in metrics:
            sch.step(m)
            out["lr"].append(opt.param_groups[0]["lr"])
            out["best"].append(sch.best)
            out["bad_epochs"].append(sch.num_bad_epochs)
            out["cooldown_left"].append(sch.cooldown_counter)
        assert all(math.isfinite(x) for x in out["best"])
        cases.append(dict(name=name, lr0=lr, plateau=dict(PLATEAU_DEFAULTS, **args), metrics=metrics, **out))
    return cases


def write(name, obj):
    path = os.path.join(HERE, name)
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f, indent=1, allow_nan=False)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print("wrote", path)


if __name__ == "__main__":
    write("policies.json", dict(torch=torch.__version__, param=PARAM, one_cycle=one_cycle(), plateau=plateau()))
