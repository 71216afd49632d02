"""Writes the PyTorch 1.13 fixtures of the training runtime (tests/RnnGen.Tests/Training/Fixtures/).

    /usr/bin/python3 tests/RnnGen.Tests/Training/make_optimizer_fixtures.py

Three safetensors files, each holding every case in float64 (suffix `.f64`) and float32 (`.f32`):

- `optimizers.safetensors`: `params0` [37], `grads` [5, 37] and, per case, the parameters after
  each of the 5 steps of torch.optim.SGD/Adam ([5, 37]); `__metadata__["cases"]` is a JSON list of
  the cases' hyperparameters, with the learning rate set before each step (`learning_rates`).
- `clipping.safetensors`: `grads` [37] split into tensors of `splits` elements, and per case
  `torch.nn.utils.clip_grad_norm_`'s returned norm (`<case>.norm`, a scalar) and the clipped
  gradients (`<case>.clipped`); `__metadata__["cases"]` gives each case's max_norm.
- `losses.safetensors`: inputs, targets, loss (scalar) and autograd's gradient for MSELoss,
  BCEWithLogitsLoss (logits up to +-1e4) and CrossEntropyLoss(ignore_index=-100) with mean
  reduction, and for MSELoss taken after a sigmoid and a row-wise softmax (gradient with respect
  to the logits). Class targets are stored as F64 (small integers, exact).

The float32 inputs are the float64 inputs rounded to float32, and every computation runs in the
tensor's own dtype, as torch does. The output is deterministic: fixed seeds, fixed tensor order.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "src" / "python"))
from rnngen_torch import save_safetensors  # noqa: E402

OUT = Path(__file__).resolve().parent / "Fixtures"
COUNT, STEPS = 37, 5
DTYPES = {"f64": torch.float64, "f32": torch.float32}

# name, optimizer, constructor arguments (torch spelling), learning rate before each step
OPTIMIZER_CASES = [
    ("sgd_plain", "sgd", {"lr": 0.1}, None),
    ("sgd_momentum", "sgd", {"lr": 0.1, "momentum": 0.9}, None),
    ("sgd_nesterov", "sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True}, None),
    ("sgd_dampening", "sgd", {"lr": 0.1, "momentum": 0.5, "dampening": 0.1}, None),
    ("sgd_weight_decay", "sgd", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}, None),
    ("sgd_momentum_lr_schedule", "sgd", {"lr": 0.1, "momentum": 0.9}, [0.1, 0.1, 0.03, 0.03, 0.2]),
    ("adam_default", "adam", {}, None),
    ("adam_weight_decay", "adam", {"lr": 0.01, "weight_decay": 0.01}, None),
    ("adam_betas_eps", "adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6}, None),
    ("adam_lr_schedule", "adam", {"lr": 0.01}, [0.01, 0.01, 0.003, 0.003, 0.02]),
]

CLIP_SPLITS = [5, 12, 20]
CLIP_CASES = [("clip_applies", 0.5), ("clip_does_not_apply", 1000.0)]


def base_inputs():
    g = torch.Generator().manual_seed(20240613)
    params = torch.randn(COUNT, generator=g, dtype=torch.float64)
    scales = torch.tensor([1.0, 0.5, 3.0, 0.01, 1.5], dtype=torch.float64).unsqueeze(1)
    grads = torch.randn(STEPS, COUNT, generator=g, dtype=torch.float64) * scales
    grads[1, 7] = 0.0  # an element whose gradient vanishes for one step
    return params, grads


def torch_optimizer(kind, param, arguments):
    if kind == "sgd":
        return torch.optim.SGD([param], **arguments)
    return torch.optim.Adam([param], **arguments)


def case_metadata(name, kind, arguments, learning_rates):
    if kind == "sgd":
        config = {"momentum": 0.0, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0}
    else:
        config = {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0}
    for key, value in arguments.items():
        if key == "betas":
            config["beta1"], config["beta2"] = value
        else:
            config[key] = value
    rates = learning_rates or [config["lr"]] * STEPS
    return {"name": name, "optimizer": kind, **config, "learning_rates": rates}


def optimizer_fixtures():
    params64, grads64 = base_inputs()
    tensors, cases = {}, []
    for suffix, dtype in DTYPES.items():
        tensors[f"params0.{suffix}"] = params64.to(dtype)
        tensors[f"grads.{suffix}"] = grads64.to(dtype)
    for name, kind, arguments, learning_rates in OPTIMIZER_CASES:
        meta = case_metadata(name, kind, arguments, learning_rates)
        cases.append(meta)
        for suffix, dtype in DTYPES.items():
            param = torch.nn.Parameter(params64.to(dtype).clone())
            optimizer = torch_optimizer(kind, param, arguments)
            history = []
            for step in range(STEPS):
                optimizer.param_groups[0]["lr"] = meta["learning_rates"][step]
                optimizer.zero_grad()
                param.grad = grads64[step].to(dtype).clone()
                optimizer.step()
                history.append(param.detach().clone())
            tensors[f"{name}.{suffix}"] = torch.stack(history)
    save_safetensors(OUT / "optimizers.safetensors", tensors, {"cases": json.dumps(cases), "count": str(COUNT)})


def clipping_fixtures():
    _, grads64 = base_inputs()
    source = grads64[2]  # the step scaled by 3: norm about 18
    tensors = {}
    for suffix, dtype in DTYPES.items():
        tensors[f"grads.{suffix}"] = source.to(dtype)
        for name, max_norm in CLIP_CASES:
            pieces = [torch.nn.Parameter(torch.zeros(n, dtype=dtype)) for n in CLIP_SPLITS]
            for piece, values in zip(pieces, torch.split(source.to(dtype), CLIP_SPLITS)):
                piece.grad = values.clone()
            norm = torch.nn.utils.clip_grad_norm_(pieces, max_norm)
            tensors[f"{name}.norm.{suffix}"] = norm.detach().reshape(())
            tensors[f"{name}.clipped.{suffix}"] = torch.cat([p.grad for p in pieces])
    cases = [{"name": name, "max_norm": max_norm} for name, max_norm in CLIP_CASES]
    save_safetensors(OUT / "clipping.safetensors", tensors,
                     {"cases": json.dumps(cases), "splits": json.dumps(CLIP_SPLITS)})


def loss_inputs():
    g = torch.Generator().manual_seed(7)
    mse_prediction = torch.randn(3, 4, generator=g, dtype=torch.float64)
    mse_target = torch.randn(3, 4, generator=g, dtype=torch.float64)
    bce_logits = torch.cat([
        torch.tensor([30.0, -30.0, 1e4, -1e4, 30.0, -30.0, 1e4, -1e4, 0.0], dtype=torch.float64),
        torch.randn(7, generator=g, dtype=torch.float64) * 2,
    ])
    bce_target = torch.tensor([1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.25, 0.75, 0.5,
                               1.0, 0.0, 0.3, 0.9, 1.0, 0.0, 0.6], dtype=torch.float64)
    ce_logits = torch.randn(6, 5, generator=g, dtype=torch.float64) * 2
    ce_logits[3] += torch.tensor([50.0, -50.0, 0.0, 20.0, 49.0], dtype=torch.float64)  # large logits
    ce_target = torch.tensor([2, -100, 0, 4, -100, 1])
    head_logits = torch.randn(3, 5, generator=g, dtype=torch.float64) * 2
    head_target = torch.rand(3, 5, generator=g, dtype=torch.float64)
    return {
        "mse": (mse_prediction, mse_target),
        "bce": (bce_logits, bce_target),
        "ce": (ce_logits, ce_target),
        "head": (head_logits, head_target),
    }


def with_gradient(x, loss_of):
    x = x.clone().requires_grad_(True)
    loss = loss_of(x)
    loss.backward()
    return loss.detach().reshape(()), x.grad.detach()


def loss_fixtures():
    inputs = loss_inputs()
    tensors = {}
    for suffix, dtype in DTYPES.items():
        def put(name, x, target, loss_of):
            x = x.to(dtype)
            loss, grad = with_gradient(x, loss_of)
            tensors[f"{name}.input.{suffix}"] = x
            tensors[f"{name}.target.{suffix}"] = target
            tensors[f"{name}.loss.{suffix}"] = loss
            tensors[f"{name}.gradient.{suffix}"] = grad

        p, t = inputs["mse"]
        put("mse", p, t.to(dtype), lambda x: torch.nn.MSELoss()(x, t.to(dtype)))
        a, t = inputs["bce"]
        put("bce", a, t.to(dtype), lambda x: torch.nn.BCEWithLogitsLoss()(x, t.to(dtype)))
        z, t = inputs["ce"]
        put("ce", z, t.to(torch.float64), lambda x: torch.nn.CrossEntropyLoss(ignore_index=-100)(x, t))
        h, t = inputs["head"]
        put("mse_sigmoid", h, t.to(dtype), lambda x: torch.nn.MSELoss()(torch.sigmoid(x), t.to(dtype)))
        put("mse_softmax", h, t.to(dtype), lambda x: torch.nn.MSELoss()(torch.softmax(x, dim=1), t.to(dtype)))
    save_safetensors(OUT / "losses.safetensors", tensors, {"classes": "5"})


def main():
    torch.set_num_threads(1)
    OUT.mkdir(parents=True, exist_ok=True)
    optimizer_fixtures()
    clipping_fixtures()
    loss_fixtures()


if __name__ == "__main__":
    main()
