#!/usr/bin/python3
"""Golden values for package optim, computed with PyTorch.

Run from anywhere with Debian's python3-torch (1.13):

    /usr/bin/python3 optim/testdata/make_fixtures.py

It writes, beside this script,

  optimizers.json  every optimizer of torch.optim that package optim
                   implements, with and without momentum, weight decay and
                   the nesterov, centered and amsgrad variants, some under a
                   learning-rate scheduler, run on a fixed problem in
                   float32 and float64: the learning rate and all parameters
                   after each step, and the optimizer state at the end.
  schedules.json   the learning rates PyTorch's schedulers produce, each
                   case for "steps" steps (15 unless given): among them
                   ChainedSchedulers holding a CosineAnnealingLR, followed
                   to 3*T_max steps and beyond, where the cosine has risen
                   from its trough and fallen again.
  clip.json        clip_grad_norm_ and clip_grad_value_ on fixed gradients.

The problem: four parameters with fixed values; the gradient of each is
g = a*p + b (elementwise, in the parameter's dtype, a and b fixed), the
gradient of sum(a*p**2/2 + b*p). Parameter "sometimes" has a gradient only
at the steps listed in its grad_steps (at the others its .grad is None, so
the optimizer skips it and its step count lags); "frozen" never has one.
"""

import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))

PARAMS = [
    dict(name="layer.weight", shape=[2, 3],
         init=[0.5, -1.2, 2.0, -0.3, 0.8, -1.5],
         a=[0.1, 1.0, 10.0, 2.0, 0.5, 5.0],
         b=[0.3, -0.2, 0.05, -1.0, 0.4, 0.0]),
    dict(name="layer.bias", shape=[3],
         init=[0.1, -0.2, 0.3], a=[1.0, 3.0, 0.2], b=[0.5, -0.5, 0.1]),
    dict(name="sometimes", shape=[2],
         init=[1.0, -2.0], a=[0.5, 1.5], b=[0.0, 0.2], grad_steps=[1, 3, 4, 6]),
    dict(name="frozen", shape=[2], init=[3.0, -3.0], a=[1.0, 1.0], b=[1.0, 1.0], grad_steps=[]),
]

# Cases: (name, optimizer, config, schedule or None, steps). The config keys
# are package optim's hyper-parameter names (those of State.Hyper).
CASES = [
    ("sgd", "sgd", dict(lr=0.1), None, 3),
    ("sgd_wd", "sgd", dict(lr=0.1, weight_decay=0.05), None, 3),
    ("momentum", "sgd", dict(lr=0.1, momentum=0.9), None, 3),
    ("momentum_damp_wd", "sgd", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.05), None, 3),
    ("nesterov", "sgd", dict(lr=0.1, momentum=0.9, nesterov=1), None, 3),
    ("nesterov_wd", "sgd", dict(lr=0.05, momentum=0.8, nesterov=1, weight_decay=0.1), None, 3),
    ("adagrad", "adagrad", dict(lr=0.1), None, 3),
    ("adagrad_all", "adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.05, initial_accumulator_value=0.2), None, 3),
    ("rmsprop", "rmsprop", dict(lr=0.01), None, 3),
    ("rmsprop_momentum_wd", "rmsprop", dict(lr=0.01, momentum=0.9, weight_decay=0.05), None, 3),
    ("rmsprop_centered", "rmsprop", dict(lr=0.01, centered=1), None, 3),
    ("rmsprop_centered_momentum_wd", "rmsprop", dict(lr=0.01, alpha=0.9, centered=1, momentum=0.5, weight_decay=0.05), None, 3),
    ("adam", "adam", dict(lr=0.05), None, 3),
    ("adam_wd", "adam", dict(lr=0.05, weight_decay=0.05), None, 3),
    ("adam_amsgrad", "adam", dict(lr=0.05, amsgrad=1), None, 3),
    ("adam_amsgrad_wd_betas", "adam", dict(lr=0.05, beta1=0.8, beta2=0.99, weight_decay=0.05, amsgrad=1), None, 3),
    ("adamw", "adamw", dict(lr=0.05), None, 3),
    ("adamw_amsgrad", "adamw", dict(lr=0.05, weight_decay=0.1, amsgrad=1), None, 3),
    # With learning-rate schedules, over more steps.
    ("momentum_steplr", "sgd", dict(lr=0.1, momentum=0.9),
     dict(kind="step", step_size=2, gamma=0.5), 6),
    ("adam_exponential", "adam", dict(lr=0.05),
     dict(kind="exponential", gamma=0.8), 6),
    ("rmsprop_cosine", "rmsprop", dict(lr=0.01, momentum=0.9),
     dict(kind="cosine", t_max=4, eta_min=0.001), 6),
    ("adagrad_linear", "adagrad", dict(lr=0.1),
     dict(kind="linear", start_factor=1.0, end_factor=0.5, total_iters=4), 6),
    ("adamw_warmup_cosine", "adamw", dict(lr=0.05, weight_decay=0.1),
     dict(kind="sequential", milestones=[3], schedules=[
         dict(kind="linear", start_factor=0.25, end_factor=1.0, total_iters=3),
         dict(kind="cosine", t_max=3, eta_min=0.0)]), 6),
    ("nesterov_chain", "sgd", dict(lr=0.1, momentum=0.9, nesterov=1),
     dict(kind="chain", schedules=[
         dict(kind="linear", start_factor=0.5, end_factor=1.0, total_iters=2),
         dict(kind="exponential", gamma=0.9)]), 6),
]

DEFAULTS = {
    "sgd": dict(momentum=0, dampening=0, weight_decay=0, nesterov=0),
    "adagrad": dict(lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10),
    "rmsprop": dict(alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=0),
    "adam": dict(beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0, amsgrad=0),
    "adamw": dict(beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01, amsgrad=0),
}


def make_optimizer(kind, cfg, params):
    c = dict(DEFAULTS[kind], **cfg)
    if kind == "sgd":
        return torch.optim.SGD(params, lr=c["lr"], momentum=c["momentum"], dampening=c["dampening"],
                               weight_decay=c["weight_decay"], nesterov=bool(c["nesterov"]))
    if kind == "adagrad":
        return torch.optim.Adagrad(params, lr=c["lr"], lr_decay=c["lr_decay"], weight_decay=c["weight_decay"],
                                   initial_accumulator_value=c["initial_accumulator_value"], eps=c["eps"])
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=c["lr"], alpha=c["alpha"], eps=c["eps"], weight_decay=c["weight_decay"],
                                   momentum=c["momentum"], centered=bool(c["centered"]))
    cls = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
    return cls(params, lr=c["lr"], betas=(c["beta1"], c["beta2"]), eps=c["eps"],
               weight_decay=c["weight_decay"], amsgrad=bool(c["amsgrad"]))


def make_scheduler(opt, s):
    S = torch.optim.lr_scheduler
    k = s["kind"]
    if k == "step":
        return S.StepLR(opt, step_size=s["step_size"], gamma=s["gamma"])
    if k == "exponential":
        return S.ExponentialLR(opt, gamma=s["gamma"])
    if k == "cosine":
        return S.CosineAnnealingLR(opt, T_max=s["t_max"], eta_min=s["eta_min"])
    if k == "linear":
        return S.LinearLR(opt, start_factor=s["start_factor"], end_factor=s["end_factor"], total_iters=s["total_iters"])
    if k == "sequential":
        return S.SequentialLR(opt, [make_scheduler(opt, c) for c in s["schedules"]], milestones=s["milestones"])
    if k == "chain":
        return S.ChainedScheduler([make_scheduler(opt, c) for c in s["schedules"]])
    raise ValueError(k)


def run_case(kind, cfg, sched, steps, dtype):
    params = [torch.tensor(p["init"], dtype=dtype).reshape(p["shape"]).requires_grad_() for p in PARAMS]
    consts = [(torch.tensor(p["a"], dtype=dtype).reshape(p["shape"]),
               torch.tensor(p["b"], dtype=dtype).reshape(p["shape"])) for p in PARAMS]
    opt = make_optimizer(kind, cfg, params)
    sch = make_scheduler(opt, sched) if sched else None
    out = dict(lr=[], params=[])
    for step in range(1, steps + 1):
        for spec, p, (a, b) in zip(PARAMS, params, consts):
            if step in spec.get("grad_steps", range(1, steps + 1)):
                with torch.no_grad():
                    p.grad = a * p + b
            else:
                p.grad = None
        out["lr"].append(opt.param_groups[0]["lr"])
        opt.step()
        if sch:
            sch.step()
        out["params"].append({spec["name"]: p.detach().flatten().tolist() for spec, p in zip(PARAMS, params)})
    tensors, counts = {}, {}
    for i, st in opt.state_dict()["state"].items():
        name = PARAMS[i]["name"]
        for key, v in st.items():
            if key == "step":
                counts[name] = int(v.item() if torch.is_tensor(v) else v)
            elif v is not None:
                tensors[name + "." + key] = v.flatten().tolist()
    out["state"] = dict(tensors=tensors, steps=counts)
    return out


def optimizers():
    cases = []
    for name, kind, cfg, sched, steps in CASES:
        case = dict(name=name, optimizer=kind, config=dict(DEFAULTS[kind], **cfg), schedule=sched, steps=steps)
        case["float32"] = run_case(kind, cfg, sched, steps, torch.float32)
        case["float64"] = run_case(kind, cfg, sched, steps, torch.float64)
        cases.append(case)
    return dict(torch=torch.__version__, params=PARAMS, cases=cases)


SCHEDULES = [
    dict(kind="step", step_size=3, gamma=0.5),
    dict(kind="exponential", gamma=0.9),
    dict(kind="cosine", t_max=10, eta_min=0.0),
    dict(kind="cosine", t_max=7, eta_min=0.01),
    dict(kind="linear", start_factor=1.0 / 3, end_factor=1.0, total_iters=5),
    dict(kind="linear", start_factor=1.0, end_factor=0.1, total_iters=8),
    dict(kind="sequential", milestones=[5], schedules=[
        dict(kind="linear", start_factor=0.1, end_factor=1.0, total_iters=5),
        dict(kind="cosine", t_max=10, eta_min=0.0)]),
    dict(kind="sequential", milestones=[3, 8], schedules=[
        dict(kind="linear", start_factor=0.2, end_factor=1.0, total_iters=3),
        dict(kind="exponential", gamma=0.8),
        dict(kind="step", step_size=2, gamma=0.5)]),
    dict(kind="chain", schedules=[
        dict(kind="linear", start_factor=0.25, end_factor=1.0, total_iters=4),
        dict(kind="exponential", gamma=0.9)]),
]


# Schedules followed for more steps: (steps, schedule). In a
# ChainedScheduler every scheduler's step() applies its recursive
# ("chainable") form to the rate the others left, so a chain holding a
# cosine is not the product of closed forms: the cosine restarts from each
# trough (t = T_max+1, 3*T_max+1, ...) by adding a fixed amount of the base
# rate, and an eta_min > 0 is not a factor at all.
LONG_SCHEDULES = [
    (14, dict(kind="cosine", t_max=4, eta_min=0.05)),
    (17, dict(kind="chain", schedules=[
        dict(kind="cosine", t_max=5, eta_min=0.0),
        dict(kind="exponential", gamma=0.9)])),
    (17, dict(kind="chain", schedules=[
        dict(kind="exponential", gamma=0.9),
        dict(kind="cosine", t_max=5, eta_min=0.0)])),
    (14, dict(kind="chain", schedules=[
        dict(kind="linear", start_factor=0.5, end_factor=1.0, total_iters=4),
        dict(kind="cosine", t_max=4, eta_min=0.01)])),
    (11, dict(kind="chain", schedules=[
        dict(kind="cosine", t_max=3, eta_min=0.02),
        dict(kind="step", step_size=2, gamma=0.5)])),
    (20, dict(kind="chain", schedules=[
        dict(kind="cosine", t_max=6, eta_min=0.001),
        dict(kind="cosine", t_max=4, eta_min=0.0)])),
    (17, dict(kind="chain", schedules=[
        dict(kind="exponential", gamma=0.95),
        dict(kind="sequential", milestones=[3], schedules=[
            dict(kind="linear", start_factor=0.2, end_factor=1.0, total_iters=3),
            dict(kind="cosine", t_max=4, eta_min=0.01)])])),
]


def schedules(steps=15, base=0.1):
    out = []
    for n, s in [(steps, s) for s in SCHEDULES] + LONG_SCHEDULES:
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=base)
        sch = make_scheduler(opt, s)
        lrs = []
        for _ in range(n):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sch.step()
        lrs.append(opt.param_groups[0]["lr"])
        out.append(dict(schedule=s, base=base, steps=n, lr=lrs))
    return dict(torch=torch.__version__, cases=out)


def clip():
    grads = [
        ("a", [2, 2], [0.5, -1.5, 2.0, -0.25]),
        ("b", [3], [3.0, -0.1, 0.7]),
        ("none", [2], None),
    ]
    cases = []
    for fn, arg, norm in [("norm", 1.0, 2.0), ("norm", 100.0, 2.0), ("norm", 0.5, float("inf")),
                          ("norm", 2.0, 1.0), ("norm", 1.0, 3.0), ("value", 0.3, None), ("value", 5.0, None)]:
        case = dict(fn=fn, arg=arg, norm_type="inf" if norm == float("inf") else norm)
        for dtype, key in [(torch.float32, "float32"), (torch.float64, "float64")]:
            ps = []
            for _, shape, g in grads:
                p = torch.zeros(shape, dtype=dtype, requires_grad=True)
                if g is not None:
                    p.grad = torch.tensor(g, dtype=dtype).reshape(shape)
                ps.append(p)
            res = dict()
            if fn == "norm":
                res["total"] = torch.nn.utils.clip_grad_norm_(ps, arg, norm_type=norm).item()
            else:
                torch.nn.utils.clip_grad_value_(ps, arg)
            res["grads"] = {n: p.grad.flatten().tolist() for (n, _, _), p in zip(grads, ps) if p.grad is not None}
            case[key] = res
        cases.append(case)
    return dict(torch=torch.__version__, grads=[dict(name=n, shape=s, grad=g) for n, s, g in grads], cases=cases)


def write(name, obj):
    path = os.path.join(HERE, name)
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print("wrote", path)


if __name__ == "__main__":
    torch.manual_seed(0)
    write("optimizers.json", optimizers())
    write("schedules.json", schedules())
    write("clip.json", clip())
