"""Regenerates the PyTorch parity fixtures of the numeric tests (docs/fixtures.md).

    /usr/bin/python3 tests/RnnGen.Tests/Fixtures/make_fixtures.py

For every `*.rnn.yaml` here and in `specs/` it writes `<Model>.safetensors` (the weights the
generated class loads) and `<Model>.expected.safetensors` (inputs and PyTorch's outputs) beside
this script, for every spec with a `training` section `<Model>.grad.safetensors` (targets,
per-sequence losses and the gradients of every parameter, from autograd in float64), and for every
spec but the one-to-many ones `<Model>.packed.safetensors` (sequences of different lengths with
initial states: outputs and final states, and for training specs losses, parameter gradients and
the gradients of the initial states). For a one-to-many spec the expected file holds primes and
their greedy generation, and the gradient file teacher-forcing sequences too. The output is
deterministic: running it twice gives the same bytes. Before writing anything it checks the
safetensors code, the custom cells against PyTorch's own modules and with gradcheck, every
fixture's mirror against a naive step loop (generation: a step loop with the argmax fed back),
every gradient fixture with gradcheck and against autograd through that naive loop, teacher
forcing with gradcheck, and every packed fixture against each sequence truncated and run alone,
against the naive loop and with gradcheck (docs/fixtures.md lists the checks). gradcheck with
respect to parameters swaps the tensors in by hand, PyTorch's own recurrent modules included
(`swapped_call`), after making sure that autograd through the swap gives the mirror's gradients.
"""

from __future__ import annotations

import itertools
import math
import struct
import sys
import zlib
from pathlib import Path

import torch
from torch import nn

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "src" / "python"))

import rnngen_torch as rt  # noqa: E402

BATCH = 3
WEIGHT_RANGE = 0.8
NAIVE_TOLERANCE = 1e-12  # float64 mirror vs float64 naive loop: only summation order differs.
STOCK_TOLERANCE = 1e-12  # float64 custom cell vs nn.LSTM/nn.GRU: the same math, other summation order.
# The C# parity tests' tolerance, |actual - expected| <= absolute + relative*|expected| (Tolerance.cs):
# every mistake of MISTAKES that concerns a fixture's options must exceed it CATCH_FACTOR times over.
PARITY_TOLERANCE = {"float32": (1e-5, 1e-4), "float64": (1e-10, 1e-9)}
CATCH_FACTOR = 10.0
CLIP_MARGIN = 1e-4       # gradcheck perturbs by 1e-6: no cell value may sit this close to the clip.
# Gradient fixtures: no value may sit this close to a kink of the math (the cell clip, relu at 0), where
# the gradient jumps, so that the C# class's float32 rounding cannot land on the other side of it.
KINK_MARGIN = 1e-3
GRAD_TOLERANCE = 1e-12   # float64 gradients of two computations of the same loss: |a - b| <= this * (1 + |b|).
# gradcheck perturbs every parameter; above this many it checks random directions instead (fast_mode).
GRADCHECK_FULL_LIMIT = 2000
MAX_DRAWS = 20           # draws of weights and data per spec, until one exercises what the spec covers


class Unsuitable(Exception):
    """The drawn weights and data cannot test what the spec covers (the clip never active, a value
    at a kink, a mistake the data cannot tell): draw again (docs/fixtures.md, "How the values are made")."""


def require(condition: bool, message: str) -> None:
    if not condition:
        raise Unsuitable(message)


# ---------------------------------------------------------------------------------------------
# gradcheck with respect to parameters
# ---------------------------------------------------------------------------------------------
def swapped_call(model: nn.Module, params: dict, fn, *args, **kwargs):
    """fn(*args, **kwargs) with each parameter of `model` named in `params` (named as in
    named_parameters) replaced by that tensor, restored afterwards; for gradcheck with respect to
    the parameters.

    torch.nn.utils.stateless.functional_call is not enough: PyTorch 1.13's own nn.RNN, nn.LSTM and
    nn.GRU compute from the `_flat_weights` list they cached, which it does not update, so tensors
    swapped in for their weights go unused, both gradients with respect to them are zero and
    gradcheck passes whatever the gradient. So the tensors are put into their owners' `_parameters`
    by hand and every stock module's `_flat_weights` is rebuilt from `_flat_weights_names`."""
    modules = dict(model.named_modules())
    recurrent = [m for m in model.modules() if isinstance(m, nn.RNNBase)]
    flat = [m._flat_weights for m in recurrent]
    originals = {}
    try:
        for name, value in params.items():
            owner, attr = name.rsplit(".", 1) if "." in name else ("", name)
            assert attr in modules[owner]._parameters, f"{name} is not a parameter"
            originals[name] = modules[owner]._parameters[attr]
            modules[owner]._parameters[attr] = value
        for m in recurrent:
            m._flat_weights = [getattr(m, n) for n in m._flat_weights_names]
        return fn(*args, **kwargs)
    finally:
        for name, original in originals.items():
            owner, attr = name.rsplit(".", 1) if "." in name else ("", name)
            modules[owner]._parameters[attr] = original
        for m, weights in zip(recurrent, flat):
            m._flat_weights = weights


def checked_gradcheck(what: str, model: nn.Module | None, run, inputs: tuple, expected: dict, weights=None,
                      fast_mode: bool = False) -> tuple:
    """torch.autograd.gradcheck (eps 1e-6, atol 1e-7, rtol 1e-5) of `run(*inputs)`. The first inputs
    are the tensors `run` swaps in for the parameters of `model` (all of them, in named_parameters
    order, with swapped_call; none when model is None), the rest are other inputs (inputs, states).

    First, so that the check cannot pass vacuously, autograd through `run` must give for every input
    the mirror's own gradient of the same function, `expected[key]` (key: the parameter's name, or
    "input 0", "input 1", ... for the others; the function: the sum of weights * output over run's
    outputs, all weights 1 when None), within GRAD_TOLERANCE of 1 + |x|, and that gradient must not
    be all zero. Returns (elements gradchecked, largest difference of the pre-check)."""
    names = [name for name, _ in model.named_parameters()] if model is not None else []
    keys = names + [f"input {k}" for k in range(len(inputs) - len(names))]
    missing = [key for key in keys if key not in expected]
    assert not missing, f"{what}: no mirror gradient to compare for {missing}"
    outputs = run(*inputs)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    weights = weights if weights is not None else [torch.ones_like(o) for o in outputs]
    total = sum((w * o).sum() for w, o in zip(weights, outputs))
    grads = torch.autograd.grad(total, inputs, allow_unused=True)
    worst = 0.0
    for key, grad in zip(keys, grads):
        assert grad is not None, f"{what}: gradcheck's function does not use {key}: gradcheck would be vacuous"
        want = expected[key]
        assert bool((want != 0).any()), f"{what}: the gradient of {key} is all zero: gradcheck would prove nothing"
        diff = ((grad - want).abs() / (1 + want.abs())).max().item()
        assert diff <= GRAD_TOLERANCE, \
            f"{what}: autograd through gradcheck's function differs from the mirror's gradient of {key} by {diff:.3g}"
        worst = max(worst, diff)
    assert torch.autograd.gradcheck(run, inputs, eps=1e-6, atol=1e-7, rtol=1e-5, fast_mode=fast_mode), \
        f"{what}: gradcheck failed"
    return sum(t.numel() for t in inputs), worst


# ---------------------------------------------------------------------------------------------
# Self-check 1: the safetensors writer and reader
# ---------------------------------------------------------------------------------------------

def check_safetensors() -> None:
    # The writer against bytes built from the format's definition, independent of the reader.
    header = b'{"__metadata__":{"model":"M"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' \
             b'"b":{"dtype":"F64","shape":[],"data_offsets":[8,16]}}'
    header += b" " * (-len(header) % 8)
    expected = struct.pack("<Q", len(header)) + header + struct.pack("<2f", 1.0, -2.5) + struct.pack("<d", math.pi)
    tensors = {"a": torch.tensor([1.0, -2.5], dtype=torch.float32), "b": torch.tensor(math.pi, dtype=torch.float64)}
    actual = rt.safetensors_bytes(tensors, {"model": "M"})
    assert actual == expected, "safetensors writer does not produce the format's bytes"

    # A round trip of every dtype, odd shapes and a non-ASCII name is exact and byte-stable.
    g = torch.Generator().manual_seed(1)
    tensors = {
        "f32": torch.randn(3, 5, generator=g),
        "f64": torch.randn(2, 1, 4, generator=g, dtype=torch.float64),
        "f16": torch.randn(7, generator=g).to(torch.float16),
        "bf16": torch.randn(3, 3, generator=g).to(torch.bfloat16),
        "scalar": torch.tensor(-0.0),
        "empty": torch.zeros(0, 3, dtype=torch.float64),
        "layers.0.weight_ih_l0_reverse": torch.tensor([[float("inf"), -1e-30]]),
        "naïve": torch.tensor([1e300, 5e-324], dtype=torch.float64),
    }
    metadata = {"model": "RoundTrip", "note": "ünïcode"}
    data = rt.safetensors_bytes(tensors, metadata)
    (n,) = struct.unpack_from("<Q", data)
    assert n % 8 == 0 and data[8:8 + n].rstrip(b" ").endswith(b"}"), "header not padded with spaces to 8 bytes"
    back, back_metadata = rt.parse_safetensors(data)
    assert back_metadata == metadata and list(back) == list(tensors)
    for name, tensor in tensors.items():
        other = back[name]
        assert other.dtype == tensor.dtype and other.shape == tensor.shape, name
        as_bits = torch.int16 if tensor.element_size() == 2 else {4: torch.int32, 8: torch.int64}[tensor.element_size()]
        assert torch.equal(other.view(as_bits), tensor.view(as_bits)), f"{name} did not round-trip bit for bit"
    assert rt.safetensors_bytes(back, back_metadata) == data, "re-writing a read file changed its bytes"

    # Malformed files are rejected, not half read.
    for broken in (data[:-1], data + b"\0", data[:4], struct.pack("<Q", 1 << 40) + data[8:]):
        try:
            rt.parse_safetensors(broken)
        except ValueError:
            continue
        raise AssertionError("a malformed safetensors file was accepted")


# ---------------------------------------------------------------------------------------------
# Self-check 2: the custom cells against PyTorch's own modules, and their gradients
# ---------------------------------------------------------------------------------------------

def _randomize(module: nn.Module, g: torch.Generator) -> None:
    with torch.no_grad():
        for param in module.parameters():
            param.uniform_(-WEIGHT_RANGE, WEIGHT_RANGE, generator=g)


def _outputs(result) -> list:
    """(output, h_n) or (output, (h_n, c_n)) as a flat list."""
    output, state = result
    return [output, *state] if isinstance(state, tuple) else [output, state]


def _compare_with_stock(custom: nn.Module, stock: nn.Module, g: torch.Generator, what: str) -> tuple:
    """Copies stock's weights into custom; max |difference| of the outputs and of the gradients."""
    custom_names = [(name, list(t.shape)) for name, t in custom.state_dict().items()]
    stock_names = [(name, list(t.shape)) for name, t in stock.state_dict().items()]
    assert custom_names == stock_names, f"{what}: names/shapes {custom_names} != nn's {stock_names}"
    _randomize(stock, g)
    custom.load_state_dict(stock.state_dict())
    x = torch.randn(3, 5, stock.input_size, generator=g, dtype=torch.float64)
    ours, theirs = _outputs(custom(x)), _outputs(stock(x))
    forward = max((a - b).abs().max().item() for a, b in zip(ours, theirs))
    weights = [torch.randn(t.shape, generator=g, dtype=torch.float64) for t in theirs]
    for outputs in (ours, theirs):
        sum((w * t).sum() for w, t in zip(weights, outputs)).backward()
    backward = max((a.grad - b.grad).abs().max().item() for a, b in zip(custom.parameters(), stock.parameters()))
    assert forward <= STOCK_TOLERANCE and backward <= STOCK_TOLERANCE, \
        f"{what}: custom and stock differ by {forward:.3g} (forward), {backward:.3g} (gradients)"
    return forward, backward


def check_custom_cells_match_stock() -> dict:
    g = torch.Generator().manual_seed(2)
    worst = {}
    for projection, bias, bidirectional in itertools.product((0, 2), (True, False), (False, True)):
        what = f"lstm proj={projection} bias={bias} bidi={bidirectional}"
        custom = rt.LSTMLayer(3, 4, bias=bias, proj_size=projection, bidirectional=bidirectional).double()
        stock = nn.LSTM(3, 4, num_layers=1, bias=bias, batch_first=True, bidirectional=bidirectional,
                        proj_size=projection).double()
        worst[what] = _compare_with_stock(custom, stock, g, what)
    for bias, bidirectional in itertools.product((True, False), (False, True)):
        what = f"gru reset=after bias={bias} bidi={bidirectional}"
        custom = rt.GRULayer(3, 4, bias=bias, reset="after", bidirectional=bidirectional).double()
        stock = nn.GRU(3, 4, num_layers=1, bias=bias, batch_first=True, bidirectional=bidirectional).double()
        worst[what] = _compare_with_stock(custom, stock, g, what)
    return worst


def _single_layer_spec(layer: dict, input_size: int, steps: int) -> dict:
    return rt.normalize_spec({"model": "Check", "input": input_size, "sequence": steps, "layers": [layer],
                              "output": {"mode": "many-to-many"}, "precision": "float64"})


def check_gradients() -> list:
    """torch.autograd.gradcheck of the custom cells (w.r.t. the input and every parameter) in float64,
    with a cell clip that is active for some elements and at least CLIP_MARGIN away from every |c|;
    autograd through the swapped parameters must first equal the module's own gradients."""
    g = torch.Generator().manual_seed(3)
    g_weights = torch.Generator().manual_seed(31)  # the pre-check's weights of the outputs; g draws as before
    cases = [
        {"cell": "lstm", "hidden": 3, "projection": 2, "peepholes": True, "cell_clip": 0.3,
         "direction": "bidirectional"},
        {"cell": "lstm", "hidden": 3, "peepholes": True, "cell_clip": 0.1, "bias": False},
        {"cell": "gru", "hidden": 3, "reset": "before", "direction": "bidirectional"},
        {"cell": "gru", "hidden": 3, "reset": "before", "bias": False},
    ]
    results = []
    for layer in cases:
        spec = _single_layer_spec(layer, input_size=2, steps=4)
        module = rt.build_layer(2, spec["layers"][0]).double()
        assert isinstance(module, (rt.LSTMLayer, rt.GRULayer)), f"{layer} did not take a custom cell"
        _randomize(module, g)
        x = torch.randn(2, 4, 2, generator=g, dtype=torch.float64)
        stats = new_stats()
        params = {f"layers.0.{name}": t.detach() for name, t in module.state_dict().items()}
        with torch.no_grad():
            naive_diff = (naive_forward(spec, params, x, stats=stats) - module(x)[0]).abs().max().item()
        assert naive_diff <= NAIVE_TOLERANCE, f"{layer}: custom cell and naive loop differ by {naive_diff:.3g}"
        note = f"naive loop {naive_diff:.2g}"
        if layer.get("cell_clip"):
            assert 0 < stats["clipped"] < stats["cells"], f"{layer}: clip active for {stats['clipped']} " \
                                                         f"of {stats['cells']} cell values"
            assert stats["margin"] > CLIP_MARGIN, f"{layer}: a cell value is {stats['margin']:.3g} from the clip"
            note += f", clipped {stats['clipped']}/{stats['cells']}, margin {stats['margin']:.2g}"
        names = [name for name, _ in module.named_parameters()]

        def run(*values, module=module, names=names):
            params = dict(zip(names, values))
            return tuple(_outputs(swapped_call(module, params, module, values[len(names)])))

        # The module's own gradients of a random weighting of its outputs, for the pre-check.
        x_leaf = x.detach().clone().requires_grad_()
        outputs = _outputs(module(x_leaf))
        weights = [torch.randn(t.shape, generator=g_weights, dtype=torch.float64) for t in outputs]
        own = torch.autograd.grad(sum((w * t).sum() for w, t in zip(weights, outputs)), [*module.parameters(), x_leaf])
        expected = {**dict(zip(names, own)), "input 0": own[-1]}
        inputs = (*(p.detach().clone().requires_grad_() for p in module.parameters()), x.requires_grad_())
        described = ", ".join(f"{k} {v}" for k, v in layer.items() if k not in ("cell", "hidden"))
        count, swap = checked_gradcheck(f"{layer['cell']} {described}", module, run, inputs, expected, weights)
        results.append((f"{layer['cell']} {described}", note + f", swap {swap:.2g}, gradcheck {count} elements"))
    return results


def check_lengths_and_states() -> list:
    """Every kind of layer module with lengths and initial states against each sequence truncated to
    its length and run alone (unpacked, from its own initial state), in float64: outputs, h_n, c_n
    and the gradients of every parameter, the input and the initial states within 1e-12; outputs
    past the length exactly 0; the custom cells without options against PyTorch's packed modules;
    gradcheck w.r.t. every parameter, the input and the initial states for an lstm and a gru of each
    kind (the stock ones packed)."""
    g = torch.Generator().manual_seed(4)
    cases = [
        {"cell": "rnn", "hidden": 3, "direction": "bidirectional"},
        {"cell": "rnn", "hidden": 3, "activation": "relu"},
        {"cell": "lstm", "hidden": 3, "direction": "bidirectional"},
        {"cell": "lstm", "hidden": 3, "projection": 2, "direction": "bidirectional"},
        {"cell": "gru", "hidden": 3, "direction": "bidirectional"},
        {"cell": "lstm", "hidden": 3, "projection": 2, "peepholes": True, "cell_clip": 0.3, "direction": "bidirectional"},
        {"cell": "gru", "hidden": 3, "reset": "before", "direction": "bidirectional"},
    ]
    gradchecked = ({"cell": "lstm", "hidden": 3, "projection": 2, "direction": "bidirectional"},
                   {"cell": "gru", "hidden": 3, "direction": "bidirectional"},
                   {"cell": "lstm", "hidden": 3, "projection": 2, "peepholes": True, "cell_clip": 0.3,
                    "direction": "bidirectional"},
                   {"cell": "gru", "hidden": 3, "reset": "before", "direction": "bidirectional"})
    lengths = torch.tensor([3, 1, 5, 2])
    results = []
    for layer in cases:
        spec = _single_layer_spec(layer, input_size=2, steps=5)
        model = rt.RnnGenModel(spec)
        _randomize(model, g)
        stored = {key: t.detach().clone() for key, t in model.state_dict().items()}
        custom = isinstance(model.layers[0], (rt.LSTMLayer, rt.GRULayer))
        x = torch.randn(4, 5, 2, generator=g, dtype=torch.float64).requires_grad_()
        h0 = torch.randn(4, rt.hidden_state_size(spec), generator=g, dtype=torch.float64).requires_grad_()
        c0 = torch.randn(4, rt.cell_state_size(spec), generator=g, dtype=torch.float64).requires_grad_()
        output, hn, cn = model.run(x, lengths, h0, c0)
        runs = truncated_runs(spec, stored, x, lengths, h0, c0)
        forward = compare_with_truncation(spec, output.detach(), hn.detach(), cn.detach(),
                                          [(m, xn, y.detach(), h.detach(), c.detach()) for m, xn, y, h, c in runs],
                                          lengths)
        # Gradients of a random weighting of everything the run returns, packed and truncated.
        weights = [torch.randn(t.shape, generator=g, dtype=torch.float64) for t in (output, hn, cn)]
        leaves = [x, h0] + ([c0] if c0.numel() else [])
        packed = torch.autograd.grad(sum((w * t).sum() for w, t in zip(weights, (output, hn, cn))),
                                     list(model.parameters()) + leaves)
        truncated = [torch.zeros_like(t) for t in packed]
        for n, (m, _, y, h, c) in enumerate(runs):
            steps = int(lengths[n])
            total = (weights[0][n, :steps] * y[0]).sum() + (weights[1][n] * h[0]).sum() + (weights[2][n] * c[0]).sum()
            for k, grad in enumerate(torch.autograd.grad(total, list(m.parameters()) + leaves, allow_unused=True)):
                if grad is not None:
                    truncated[k] = truncated[k] + grad
        backward = max((a - b).abs().max().item() for a, b in zip(packed, truncated))
        assert forward <= NAIVE_TOLERANCE and backward <= NAIVE_TOLERANCE, \
            f"{layer}: packed and truncated differ by {forward:.3g} (forward), {backward:.3g} (gradients)"
        note = f"truncation {forward:.2g} / {backward:.2g}"
        if layer["cell"] in ("lstm", "gru") and not custom:
            # The custom cell without options on the same weights, lengths and states: nn's packed run.
            twin = rt.LSTMLayer(2, 3, proj_size=layer.get("projection", 0), bidirectional=True) if layer["cell"] == "lstm" \
                else rt.GRULayer(2, 3, bidirectional=True)
            twin = twin.double()
            twin.load_state_dict(model.layers[0].state_dict())
            own_layer, model.layers[0] = model.layers[0], twin
            with torch.no_grad():
                ours = model.run(x, lengths, h0, c0)
            model.layers[0] = own_layer  # the stock module again, for the gradcheck below
            stock = max((a - b).abs().max().item() for a, b in zip(ours, (output, hn, cn)) if b.numel())
            assert stock <= STOCK_TOLERANCE, f"{layer}: custom cell and packed {layer['cell']} differ by {stock:.3g}"
            note += f", custom cell vs packed nn.{layer['cell'].upper()} {stock:.2g}"
        if layer in gradchecked:
            stats = new_stats()
            with torch.no_grad():
                naive_forward(spec, stored, x.detach(), stats=stats, lengths=lengths, h0=h0.detach(), c0=c0.detach())
            if stats["cells"]:
                assert 0 < stats["clipped"] < stats["cells"] and stats["margin"] > CLIP_MARGIN, \
                    f"{layer}: clip active on {stats['clipped']}/{stats['cells']}, margin {stats['margin']:.3g}"
                note += f", clipped {stats['clipped']}/{stats['cells']}"

            names = [name for name, _ in model.named_parameters()]

            def run(*values, model=model, names=names):
                given = values[len(names):]
                return swapped_call(model, dict(zip(names, values)), model.run, given[0], lengths, *given[1:])

            # The packed gradients above (parameters, x, h0, c0) are the pre-check's expected values.
            own = {**dict(zip(names, packed)), **{f"input {k}": grad for k, grad in enumerate(packed[len(names):])}}
            inputs = tuple(t.detach().clone().requires_grad_() for t in list(model.parameters()) + leaves)
            count, swap = checked_gradcheck(str(layer), model, run, inputs, own, weights)
            note += ", gradcheck (parameters, x, h0" + (", c0" if c0.numel() else "") + \
                f"; {count} elements; swap {swap:.2g}) passed"
        kind = ("custom " if custom else "nn ") + ", ".join(f"{k} {v}" for k, v in layer.items() if k != "hidden")
        results.append((kind, note))
    return results


# ---------------------------------------------------------------------------------------------
# Self-check 3: the mirror against a naive step loop written from DESIGN.md's equations
# ---------------------------------------------------------------------------------------------

# Mistakes an implementation could make; every fixture whose spec has the option must catch them.
MISTAKES = {
    "h_n": "many-to-one reads output[T-1] instead of h_n = [h_fwd(T-1), h_bwd(0)]",
    "relu": "rnn relu computed as tanh",
    "peephole": "the output gate's peephole reads the old cell c' instead of the new c",
    "no_clip": "cell_clip ignored",
    "clip_carry": "the clipped cell feeds tanh and the peephole, but the unclipped one the next step",
    "reset": "gru reset: before computed as reset: after",
}


def sigmoid(v: torch.Tensor) -> torch.Tensor:
    return 1.0 / (1.0 + torch.exp(-v))


def new_stats() -> dict:
    # gap: the smallest lead of a generated row's largest probability over its second (ties);
    # stops: generated rows before the last whose most probable class is the spec's stop token.
    return {"clipped": 0, "cells": 0, "margin": math.inf, "relu_margin": math.inf, "gap": math.inf, "stops": 0}


def naive_step(layer: dict, p: dict, suffix: str, x, h, c, mistake, stats):
    """One step of one direction; p holds the layer's tensors, x, h, c are vectors. Returns (h, c)."""
    H = layer["hidden"]
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[layer["cell"]]
    w_ih, w_hh = p["weight_ih_l0" + suffix], p["weight_hh_l0" + suffix]
    zero = torch.zeros(gates * H, dtype=torch.float64)
    b_ih, b_hh = p.get("bias_ih_l0" + suffix, zero), p.get("bias_hh_l0" + suffix, zero)

    def pre(k, h_in=h):  # gate k's W_ih x + b_ih + W_hh h + b_hh, rows k*H .. (k+1)*H
        rows = slice(k * H, (k + 1) * H)
        return w_ih[rows] @ x + b_ih[rows] + w_hh[rows] @ h_in + b_hh[rows]

    if layer["cell"] == "rnn":
        a = pre(0)
        if layer["activation"] == "relu":
            stats["relu_margin"] = min(stats["relu_margin"], a.abs().min().item())
        relu = layer["activation"] == "relu" and mistake != "relu"
        return (torch.clamp(a, min=0.0) if relu else torch.tanh(a)), c

    if layer["cell"] == "lstm":
        peep = p.get("weight_peephole_l0" + suffix)
        a_i, a_f, a_g, a_o = pre(0), pre(1), pre(2), pre(3)
        if peep is not None:
            a_i = a_i + peep[0] * c
            a_f = a_f + peep[1] * c
        c_new = sigmoid(a_f) * c + sigmoid(a_i) * torch.tanh(a_g)
        carried = c_new
        clip = layer["cell_clip"]
        if clip is not None and mistake != "no_clip":
            stats["cells"] += c_new.numel()
            stats["clipped"] += int((c_new.abs() > clip).sum())
            stats["margin"] = min(stats["margin"], (c_new.abs() - clip).abs().min().item())
            if mistake == "clip_grad":  # the clamped value forward, the unclamped one's gradient back
                c_new = c_new + (torch.clamp(c_new, -clip, clip) - c_new).detach()
            else:
                c_new = torch.clamp(c_new, -clip, clip)
            carried = carried if mistake == "clip_carry" else c_new
        if peep is not None:
            a_o = a_o + peep[2] * (c if mistake == "peephole" else c_new)
        m = sigmoid(a_o) * torch.tanh(c_new)
        w_hr = p.get("weight_hr_l0" + suffix)
        return (m if w_hr is None else w_hr @ m), carried

    r, z = sigmoid(pre(0)), sigmoid(pre(1))
    rows = slice(2 * H, 3 * H)
    if layer["reset"] == "before" and mistake != "reset":
        n = torch.tanh(w_ih[rows] @ x + b_ih[rows] + w_hh[rows] @ (r * h) + b_hh[rows])
    else:
        n = torch.tanh(w_ih[rows] @ x + b_ih[rows] + r * (w_hh[rows] @ h + b_hh[rows]))
    return (1 - z) * n + z * h, c


def naive_forward(spec: dict, params: dict, x: torch.Tensor, mistake: str | None = None,
                  stats: dict | None = None, logits: bool = False, lengths=None, h0=None, c0=None,
                  states: bool = False):
    """[N, OutputLength, OutputSize] by explicit loops, optionally making one of MISTAKES (or
    GRAD_MISTAKES, PACKED_MISTAKES); with `logits`, the head's output before its sigmoid or softmax.

    With `lengths`, sequence n runs over its steps t < lengths[n] only (the reverse direction from
    lengths[n]-1), many-to-many outputs past the length are 0; h0 [N, HiddenStateSize] and
    c0 [N, CellStateSize] start each direction (zeros when None). With `states`, returns
    (outputs, h_n [N, HiddenStateSize], c_n [N, CellStateSize]) in the same layout.
    """
    stats = new_stats() if stats is None else stats
    T = spec["sequence"]
    tokens = isinstance(spec["input"], dict)
    padding = spec["input"]["padding"] if tokens else None
    results, h_finals, c_finals = [], [], []
    for n, sample in enumerate(x):
        length = T if lengths is None else int(lengths[n])  # the sequence's own length
        run = T if mistake == "pad_steps" else length       # the steps its recurrence runs over
        if tokens:  # the padding token's row is looked up, but takes no gradient
            table = params["embedding.weight"]
            steps = [table[int(token)].detach() if int(token) == padding and mistake != "padding_grad"
                     else table[int(token)] for token in sample]
        else:
            steps = list(sample)
        final = None
        h_parts, c_parts = [], []
        h_at = c_at = 0
        for k, layer in enumerate(spec["layers"]):
            p = {name[len(f"layers.{k}."):]: t for name, t in params.items() if name.startswith(f"layers.{k}.")}
            width = layer.get("projection") or layer["hidden"]
            directions = [("", range(run))]
            if layer["direction"] == "bidirectional":
                start = T if mistake == "reverse_from_end" else run
                directions.append(("_reverse", range(start - 1, -1, -1)))
            count = len(directions)
            outs, finals, cells = [None] * count, [None] * count, [None] * count
            for d, (suffix, order) in enumerate(directions):
                slot = count - 1 - d if mistake == "state_layout" else d  # where this direction's state lives
                h = torch.zeros(width, dtype=torch.float64)
                if h0 is not None and mistake != "zero_h0":
                    h = h0[n, h_at + slot * width:h_at + (slot + 1) * width]
                c = torch.zeros(layer["hidden"], dtype=torch.float64)
                if layer["cell"] == "lstm" and c0 is not None and mistake != "zero_c0":
                    c = c0[n, c_at + slot * layer["hidden"]:c_at + (slot + 1) * layer["hidden"]]
                out = [torch.zeros(width, dtype=torch.float64)] * T
                for t in order:
                    h, c = naive_step(layer, p, suffix, steps[t], h, c, mistake, stats)
                    out[t] = h
                outs[d] = out
                finals[slot], cells[slot] = h, c  # forward ends at its last step, reverse at 0
            steps = [torch.cat([out[t] for out in outs]) for t in range(T)]
            final = torch.cat([finals[d] if mistake != "state_layout" else finals[count - 1 - d]
                               for d in range(count)])
            h_parts += finals
            h_at += count * width
            if layer["cell"] == "lstm":
                c_parts += cells
                c_at += count * layer["hidden"]
        h_finals.append(torch.cat(h_parts))
        c_finals.append(torch.cat(c_parts) if c_parts else torch.zeros(0, dtype=torch.float64))
        if spec["output"]["mode"] == "many-to-one":
            features = [steps[T - 1] if mistake == "h_n" else final]
        else:
            features = steps
        head = spec["output"]["head"]
        rows = []
        for t, v in enumerate(features):
            past_end = spec["output"]["mode"] == "many-to-many" and t >= length
            if past_end and mistake != "head_past_end":
                rows.append(torch.zeros(rt.output_shape(spec)[1], dtype=torch.float64))
                continue
            if past_end:
                v = torch.zeros_like(v)
            if head != "none":
                v = params["head.weight"] @ v + params["head.bias"]
            if head == "sigmoid" and not logits:
                v = sigmoid(v)
            elif head == "softmax" and not logits:
                e = torch.exp(v - v.max())
                v = e / e.sum()
            rows.append(v)
        results.append(torch.stack(rows))
    if states:
        return torch.stack(results), torch.stack(h_finals), torch.stack(c_finals)
    return torch.stack(results)


def applicable_mistakes(spec: dict) -> list:
    layers = spec["layers"]
    found = []
    if spec["output"]["mode"] == "many-to-one" and layers[-1]["direction"] == "bidirectional":
        found.append("h_n")
    if any(l["cell"] == "rnn" and l["activation"] == "relu" for l in layers):
        found.append("relu")
    if any(l["cell"] == "lstm" and l["peepholes"] for l in layers):
        found.append("peephole")
    if any(l["cell"] == "lstm" and l["cell_clip"] is not None for l in layers):
        found += ["no_clip", "clip_carry"]
    if any(l["cell"] == "gru" and l["reset"] == "before" for l in layers):
        found.append("reset")
    return found


# Mistakes a one-to-many Predict could make; every generation fixture must catch them.
GENERATION_MISTAKES = {
    "gen_shift": "row 0 is the first generated step, not the head's output at the last prime step",
    "gen_reset": "each generated step starts from the zero state, not the state the prime left",
    "gen_feed_prime": "each generated step reads the prime's last step again, not the previous row's choice",
    "gen_second": "each generated step reads the previous row's second most probable token",
}


def applicable_generation_mistakes(spec: dict) -> list:
    if spec["output"]["mode"] != "one-to-many":
        return []
    return [m for m in GENERATION_MISTAKES if m != "gen_second" or isinstance(spec["input"], dict)]


def first_max(values: list) -> int:
    """The index of the largest value, the first one on ties."""
    best = 0
    for i, v in enumerate(values):
        if v > values[best]:
            best = i
    return best


def naive_generate(spec: dict, params: dict, x: torch.Tensor, mistake: str | None = None,
                   stats: dict | None = None) -> torch.Tensor:
    """[N, length, OutputSize] of a one-to-many spec by an explicit step loop, written from the
    generation's definition alone: the prime's T steps from the zero state, its last step's head
    output as row 0, then one step per row fed with the previous row's choice (the first largest
    probability for tokens, the row itself for vectors); optionally with one of GENERATION_MISTAKES
    (or a cell mistake of MISTAKES). Records in `stats` the smallest lead of a fed-back row's top
    probability over its second ("gap") and how many fed-back rows choose the stop token ("stops")."""
    stats = new_stats() if stats is None else stats
    tokens = isinstance(spec["input"], dict)
    head = spec["output"]["head"]
    length, stop = spec["output"]["length"], spec["output"]["stop"]
    layers = [{name[len(f"layers.{k}."):]: t for name, t in params.items() if name.startswith(f"layers.{k}.")}
              for k in range(len(spec["layers"]))]

    def zero_state():
        return [(torch.zeros(layer.get("projection") or layer["hidden"], dtype=torch.float64),
                 torch.zeros(layer["hidden"], dtype=torch.float64)) for layer in spec["layers"]]

    def step(value, state):
        v = params["embedding.weight"][int(value)] if tokens else value
        new_state = []
        for layer, p, (h, c) in zip(spec["layers"], layers, state):
            h, c = naive_step(layer, p, "", v, h, c, mistake, stats)
            new_state.append((h, c))
            v = h
        if head != "none":
            v = params["head.weight"] @ v + params["head.bias"]
        if head == "sigmoid":
            v = sigmoid(v)
        elif head == "softmax":
            e = torch.exp(v - v.max())
            v = e / e.sum()
        return v, new_state

    results = []
    for sample in x:
        state = zero_state()
        for value in sample:
            row, state = step(value, state)
        rows = [row]
        extra = 1 if mistake == "gen_shift" else 0
        while len(rows) < length + extra:
            previous = rows[-1]
            if tokens:
                values = previous.tolist()
                choice = first_max(values)
                if len(rows) <= length - 1:  # a row whose choice is fed back
                    top = sorted(values, reverse=True)
                    stats["gap"] = min(stats["gap"], top[0] - top[1])
                    stats["stops"] += int(choice == stop)
                if mistake == "gen_second":
                    choice = first_max([v if i != choice else -math.inf for i, v in enumerate(values)])
            else:
                choice = previous
            if mistake == "gen_feed_prime":
                choice = sample[-1]
            if mistake == "gen_reset":
                state = zero_state()
            row, state = step(choice, state)
            rows.append(row)
        results.append(torch.stack(rows[extra:]))
    return torch.stack(results)


def naive_predict(spec: dict, params: dict, x: torch.Tensor, mistake: str | None = None,
                  stats: dict | None = None) -> torch.Tensor:
    """What `Predict` returns, by the naive loops: generation for one-to-many, else `naive_forward`."""
    if spec["output"]["mode"] == "one-to-many":
        return naive_generate(spec, params, x, mistake, stats)
    return naive_forward(spec, params, x, mistake, stats)


def expected_parameters(spec: dict) -> list:
    """[(name, shape)] in state_dict order, from DESIGN.md's "Parameter names" alone."""
    names = []
    width = spec["input"]
    if isinstance(width, dict):
        names.append(("embedding.weight", [width["vocab"], width["embedding"]]))
        width = width["embedding"]
    for k, layer in enumerate(spec["layers"]):
        H, P = layer["hidden"], layer.get("projection") or 0
        G = {"rnn": 1, "lstm": 4, "gru": 3}[layer["cell"]]
        directions = ["", "_reverse"] if layer["direction"] == "bidirectional" else [""]
        for suffix in directions:
            names += [(f"layers.{k}.weight_ih_l0{suffix}", [G * H, width]),
                      (f"layers.{k}.weight_hh_l0{suffix}", [G * H, P or H])]
            if layer["bias"]:
                names += [(f"layers.{k}.bias_ih_l0{suffix}", [G * H]), (f"layers.{k}.bias_hh_l0{suffix}", [G * H])]
            if P:
                names.append((f"layers.{k}.weight_hr_l0{suffix}", [P, H]))
            if layer.get("peepholes"):
                names.append((f"layers.{k}.weight_peephole_l0{suffix}", [3, H]))
        width = len(directions) * (P or H)
    if spec["output"]["head"] != "none":
        names += [("head.weight", [spec["output"]["size"], width]), ("head.bias", [spec["output"]["size"]])]
    return names


# ---------------------------------------------------------------------------------------------
# Gradient fixtures: targets, per-sequence losses and gradients for specs with a training section
# ---------------------------------------------------------------------------------------------

# Mistakes a backward pass or a loss could make; every gradient fixture they concern must catch them.
GRAD_MISTAKES = {
    "clip_grad": "the gradient flows through clipped cell values as if there were no clip",
    "ce_ignored": "cross_entropy divides by all output steps (ignored ones as 0), not by the valid ones",
    "mse_logits": "mse on the head's logits instead of Predict's probabilities",
    "padding_grad": "the padding token's embedding row takes a gradient",
}


def draw_targets(spec: dict, g: torch.Generator, dtype: torch.dtype) -> torch.Tensor:
    """The targets of the BATCH sequences, drawn after the inputs (docs/fixtures.md).

    cross_entropy: int64 [N, L]; sequence n ignores min(n, L-1) steps (-100) at random places, so
    sequence 0 has every step valid and none has all steps ignored; the valid steps hold every class
    when there are enough of them (the others uniform), shuffled. binary_cross_entropy: reals in
    [0, 1], a third of them (at least one) rounded to exactly 0 or 1. mse: U(0, 1) for sigmoid and
    softmax heads (probabilities), N(0, 1) otherwise. Reals are drawn in the spec's precision.
    """
    length, size = rt.output_shape(spec)
    loss = spec["training"]["loss"]
    if loss == "cross_entropy":
        valid = torch.ones(BATCH, length, dtype=torch.bool)
        for n in range(BATCH):
            valid[n, torch.randperm(length, generator=g)[:min(n, length - 1)]] = False
        slots = int(valid.sum())
        required = torch.arange(size) if size <= slots else torch.zeros(0, dtype=torch.int64)
        classes = torch.cat([required, torch.randint(0, size, (slots - len(required),), generator=g)])
        target = torch.full((BATCH, length), rt.IGNORE_INDEX, dtype=torch.int64)
        target[valid] = classes[torch.randperm(slots, generator=g)]
        return target
    shape = (BATCH, length, size)
    if loss == "binary_cross_entropy":
        target = torch.rand(shape, generator=g, dtype=dtype).flatten()
        exact = torch.randperm(target.numel(), generator=g)[:max(1, target.numel() // 3)]
        target[exact] = target[exact].round()
        return target.reshape(shape)
    if spec["output"]["head"] in ("sigmoid", "softmax"):
        return torch.rand(shape, generator=g, dtype=dtype)
    return torch.randn(shape, generator=g, dtype=dtype)


def naive_losses(spec: dict, params: dict, x: torch.Tensor, target: torch.Tensor, mistake: str | None = None,
                 stats: dict | None = None, lengths=None, h0=None, c0=None) -> torch.Tensor:
    """[N] per-sequence losses written out from DESIGN.md's loss table over `naive_forward`; with
    `lengths`, a many-to-many sequence counts its steps < length only."""
    loss = spec["training"]["loss"]
    state = {"lengths": lengths, "h0": h0, "c0": c0}
    counted = []  # per sequence: the output steps its loss counts
    for n in range(x.shape[0]):
        cut = lengths is not None and spec["output"]["mode"] == "many-to-many" and mistake != "loss_all_steps"
        counted.append(int(lengths[n]) if cut else rt.network_length(spec))
    if loss == "mse":
        y = naive_forward(spec, params, x, mistake, stats, logits=mistake == "mse_logits", **state)
        return torch.stack([((y[n, :m] - target[n, :m]) ** 2).mean() for n, m in enumerate(counted)])
    z = naive_forward(spec, params, x, mistake, stats, logits=True, **state)
    if loss == "binary_cross_entropy":  # -t log σ(z) - (1-t) log(1-σ(z)), in the stable form
        return torch.stack([(torch.clamp(z[n, :m], min=0.0) - z[n, :m] * target[n, :m]
                             + torch.log1p(torch.exp(-z[n, :m].abs()))).mean() for n, m in enumerate(counted)])
    losses = []
    for n in range(z.shape[0]):
        terms = []
        for t, label in enumerate(target[n, :counted[n]].tolist()):
            if label != rt.IGNORE_INDEX:
                top = z[n, t].max()
                terms.append(torch.log(torch.exp(z[n, t] - top).sum()) + top - z[n, t, label])
        divisor = z.shape[1] if mistake == "ce_ignored" else len(terms)
        losses.append(torch.stack(terms).sum() / divisor)
    return torch.stack(losses)


def applicable_grad_mistakes(spec: dict, target: torch.Tensor) -> list:
    found = []
    if any(l["cell"] == "lstm" and l["cell_clip"] is not None for l in spec["layers"]):
        found.append("clip_grad")
    loss = spec["training"]["loss"]
    if loss == "cross_entropy" and bool((target == rt.IGNORE_INDEX).any()):
        found.append("ce_ignored")
    if loss == "mse" and spec["output"]["head"] in ("sigmoid", "softmax"):
        found.append("mse_logits")
    if isinstance(spec["input"], dict) and spec["input"]["padding"] is not None:
        found.append("padding_grad")
    return found


def accumulated_gradients(model: rt.RnnGenModel, x: torch.Tensor, target: torch.Tensor) -> tuple:
    """(losses [N], {name: gradient}) as the C# class gets them: one backward pass per sequence,
    the gradients summed over the sequences (N calls of AccumulateGradients)."""
    model.zero_grad(set_to_none=True)
    losses = []
    for n in range(x.shape[0]):
        loss = rt.sequence_losses(model, x[n:n + 1], target[n:n + 1])
        loss.sum().backward()
        losses.append(loss.detach())
    gradients = {name: param.grad.detach().clone() for name, param in model.named_parameters()}
    model.zero_grad(set_to_none=True)
    return torch.cat(losses), gradients


def _worst(a: dict, b: dict) -> float:
    """max |a - b| / (1 + |b|) over the (non-empty) tensors of two dicts with the same keys."""
    return max(((a[k] - b[k]).abs() / (1 + b[k].abs())).max().item() for k in b if b[k].numel())


def _factor(actual: dict, expected: dict, precision: str) -> float:
    """max |actual - expected| in units of the C# parity tolerance at each element."""
    absolute, relative = PARITY_TOLERANCE[precision]
    return max(((actual[k] - expected[k]).abs() / (absolute + relative * expected[k].abs())).max().item()
               for k in expected if expected[k].numel())


def hold_padding_row(spec: dict, stored: dict, values: dict) -> dict:
    """For gradcheck: a padding spec's padding row held at its stored value (padding_idx withholds
    that row's gradient by design, so its finite differences would not be zero); values otherwise."""
    padding = spec["input"]["padding"] if isinstance(spec["input"], dict) else None
    if padding is not None:
        table = values["embedding.weight"]
        fixed = torch.zeros(table.shape[0], 1, dtype=torch.bool)
        fixed[padding] = True
        values = {**values, "embedding.weight": torch.where(fixed, stored["embedding.weight"].double(), table)}
    return values


def build_gradient_fixture(spec: dict, reference: rt.RnnGenModel, model: rt.RnnGenModel, stored: dict,
                           x: torch.Tensor, g: torch.Generator) -> dict:
    """Targets, per-sequence losses and summed gradients in float64 from `reference` (the stored
    weights in float64), with the checks of docs/fixtures.md; `model` is the spec's own precision."""
    name = spec["model"]
    dtype = torch.float32 if spec["precision"] == "float32" else torch.float64
    sequences = None
    if spec["output"]["mode"] == "one-to-many":
        # Teacher forcing: the network reads the first T steps of T+1 and learns the last T.
        sequences = draw_sequences(spec, g, dtype)
        x, target = (sequences if isinstance(spec["input"], dict) else sequences.double())[:, :-1], sequences[:, 1:]
    else:
        target = draw_targets(spec, g, dtype)
    loss_kind = spec["training"]["loss"]
    target64 = target if loss_kind == "cross_entropy" else target.double()
    if loss_kind == "cross_entropy":
        valid = (target != rt.IGNORE_INDEX).sum(dim=1)
        assert bool((valid > 0).all()) and int(valid[0]) == target.shape[1], f"{name}: targets {target.tolist()}"
    if loss_kind == "binary_cross_entropy":
        assert bool(((target == 0) | (target == 1)).any()) and bool(((target > 0) & (target < 1)).any())
    if isinstance(spec["input"], dict):
        require(any(len(set(row)) < len(row) for row in x.tolist()), "no token repeats within a sequence")

    # The fixture: one backward pass per sequence, summed, in float64.
    losses, gradients = accumulated_gradients(reference, x, target64)
    check_padding_gradient(spec, x, gradients)
    names = [key for key, _ in reference.named_parameters()]
    assert names == list(reference.state_dict()), f"{name}: the state_dict holds more than the parameters"

    # Each loss is what PyTorch's own loss module (DESIGN.md's loss table) gives for that sequence alone.
    with torch.no_grad():
        stock = []
        for n in range(BATCH):
            if loss_kind == "mse":
                stock.append(nn.MSELoss()(reference(x[n:n + 1])[0], target64[n]))
            elif loss_kind == "binary_cross_entropy":
                stock.append(nn.BCEWithLogitsLoss()(reference.logits(x[n:n + 1])[0], target64[n]))
            else:
                stock.append(nn.CrossEntropyLoss(ignore_index=rt.IGNORE_INDEX)(reference.logits(x[n:n + 1])[0], target64[n]))
        stock_diff = ((torch.stack(stock) - losses).abs() / (1 + losses.abs())).max().item()
    assert stock_diff <= GRAD_TOLERANCE, f"{name}: sequence_losses and PyTorch's loss modules differ by {stock_diff:.3g}"

    # The same as the gradient of the summed loss over the batch at once.
    parameters = list(reference.parameters())
    batch_losses = rt.sequence_losses(reference, x, target64)
    summed = dict(zip(names, torch.autograd.grad(batch_losses.sum(), parameters)))
    summed_diff = max(_worst(summed, gradients), ((batch_losses - losses).abs() / (1 + losses.abs())).max().item())
    assert summed_diff <= GRAD_TOLERANCE, f"{name}: per-sequence and batch gradients differ by {summed_diff:.3g}"

    # The same as autograd through the naive loop and the loss formulas written out, and no value near a kink.
    leaves = {key: t.double().clone().requires_grad_() for key, t in stored.items()}
    stats = new_stats()
    naive = naive_losses(spec, leaves, x, target64, stats=stats)
    naive_gradients = dict(zip(leaves, torch.autograd.grad(naive.sum(), list(leaves.values()))))
    naive_diff = max(_worst(naive_gradients, gradients), ((naive.detach() - losses).abs() / (1 + losses.abs())).max().item())
    assert naive_diff <= GRAD_TOLERANCE, f"{name}: mirror and naive gradients differ by {naive_diff:.3g}"
    if stats["cells"]:
        require(0 < stats["clipped"] < stats["cells"], f"clip active on {stats['clipped']}/{stats['cells']} cell values")
        require(stats["margin"] > KINK_MARGIN, f"a cell value is {stats['margin']:.3g} from the clip")
    if stats["relu_margin"] < math.inf:
        require(stats["relu_margin"] > KINK_MARGIN, f"a relu pre-activation is {stats['relu_margin']:.3g} from 0")

    # Finite differences of the mirror's per-sequence losses w.r.t. every parameter (for a large
    # example spec: along random directions, which costs a few passes instead of two per parameter),
    # after autograd through the swapped parameters reproduced the fixture's gradients.
    def run(*values):
        values = hold_padding_row(spec, stored, dict(zip(names, values)))
        return swapped_call(reference, values, rt.sequence_losses, reference, x, target64)

    inputs = tuple(p.detach().clone().requires_grad_() for p in parameters)
    count = sum(p.numel() for p in parameters)
    fast = count > GRADCHECK_FULL_LIMIT
    torch.manual_seed(0)  # fast_mode's random directions
    _, swap_diff = checked_gradcheck(name, reference, run, inputs, gradients, fast_mode=fast)

    # Every mistake that concerns the spec must fail a C# gradient test at the parity tolerance clearly.
    expected = {"loss": losses, **gradients}
    catches = {}
    for mistake in applicable_grad_mistakes(spec, target):
        wrong_leaves = {key: t.double().clone().requires_grad_() for key, t in stored.items()}
        wrong = naive_losses(spec, wrong_leaves, x, target64, mistake=mistake)
        wrong_gradients = dict(zip(wrong_leaves, torch.autograd.grad(wrong.sum(), list(wrong_leaves.values()))))
        actual = {"loss": wrong.detach(), **wrong_gradients}
        factor = _factor(actual, expected, spec["precision"])
        require(factor > CATCH_FACTOR,
                f"the gradient fixture cannot tell ({GRAD_MISTAKES[mistake]}): {factor:.3g} times the tolerance")
        catches[mistake] = (max((actual[k] - expected[k]).abs().max().item() for k in expected), factor)

    # For scale: PyTorch's own gradients in the spec's precision against the float64 reference.
    own_target = target if loss_kind == "cross_entropy" else target.to(dtype)
    own_x = x if isinstance(spec["input"], dict) else x.to(dtype)
    own_losses, own_gradients = accumulated_gradients(model, own_x, own_target)
    own = {"loss": own_losses.double(), **{k: v.double() for k, v in own_gradients.items()}}

    teacher = None
    if sequences is not None:
        teacher = teacher_forcing_checks(spec, reference, stored, sequences, expected)

    tensors = {"input": x.double(), "target": target64.double()}
    if sequences is not None:
        tensors["sequence"] = sequences.double()
    tensors["loss"] = losses
    tensors.update({f"grad.{key}": gradients[key] for key in names})
    return {
        "teacher": teacher,
        "bytes": rt.safetensors_bytes(tensors, rt.model_metadata(name)),
        "loss": loss_kind, "losses": losses.tolist(), "gradcheck": f"{'fast' if fast else 'full'} {count}", "swap_diff": swap_diff, "summed_diff": summed_diff, "naive_diff": naive_diff,
        "stock_diff": stock_diff,
        "own_factor": _factor(own, expected, spec["precision"]), "catches": catches,
        "largest": max(t.abs().max().item() for t in gradients.values()),
        "margins": ", ".join(
            ([f"clip {stats['clipped']}/{stats['cells']} margin {stats['margin']:.2g}"] if stats["cells"] else [])
            + ([f"relu margin {stats['relu_margin']:.2g}"] if stats["relu_margin"] < math.inf else [])),
        "ignored": int((target == rt.IGNORE_INDEX).sum()) if loss_kind == "cross_entropy" else None,
    }


def draw_sequences(spec: dict, g: torch.Generator, dtype: torch.dtype) -> torch.Tensor:
    """The BATCH teacher-forcing sequences of a one-to-many spec, T+1 steps each, drawn after the
    prime: token ids as `draw_tokens` draws them ([N, T+1] int64), or N(0, 1) reals in the spec's
    precision ([N, T+1, InputSize])."""
    steps = spec["sequence"] + 1
    if isinstance(spec["input"], dict):
        return draw_tokens(spec["input"]["vocab"], steps, g)
    return torch.randn(BATCH, steps, spec["input"], generator=g, dtype=dtype)


# Mistakes in cutting a teacher-forcing sequence; every one-to-many gradient fixture must catch them.
TEACHER_MISTAKES = {
    "tf_unshifted": "the targets are the input steps themselves (seq[:-1]), not the next ones (seq[1:])",
    "tf_swapped": "the network reads seq[1:] and learns seq[:-1]",
}


def teacher_forcing_checks(spec: dict, reference: rt.RnnGenModel, stored: dict, sequences: torch.Tensor,
                           expected: dict) -> dict:
    """The sequence overload of a one-to-many gradient fixture (docs/fixtures.md, check 12): the mirror's
    `teacher_forcing_loss`, one backward pass per sequence, equals the fixture's losses and gradients
    (those of `sequence_losses` on the cut input and target); gradcheck of it in float64 w.r.t. every
    parameter (and, for real-valued sequences, the sequences, which are input and target at once),
    after autograd through the swapped parameters gave those gradients; the cutting mistakes are caught."""
    name = spec["model"]
    tokens = isinstance(spec["input"], dict)
    seq64 = sequences if tokens else sequences.double()
    reference.zero_grad(set_to_none=True)
    losses = []
    for n in range(seq64.shape[0]):
        loss = rt.teacher_forcing_loss(reference, seq64[n:n + 1])
        loss.sum().backward()
        losses.append(loss.detach())
    actual = {"loss": torch.cat(losses), **{key: p.grad.detach().clone() for key, p in reference.named_parameters()}}
    reference.zero_grad(set_to_none=True)
    diff = _worst(actual, expected)
    assert diff <= GRAD_TOLERANCE, f"{name}: teacher_forcing_loss and the fixture differ by {diff:.3g}"

    names = [key for key, _ in reference.named_parameters()]

    def run(*values):
        data = seq64 if tokens else values[-1]
        return swapped_call(reference, dict(zip(names, values)), rt.teacher_forcing_loss, reference, data)

    inputs = tuple(p.detach().clone().requires_grad_() for p in reference.parameters())
    own = {key: actual[key] for key in names}
    if not tokens:
        inputs += (seq64.clone().requires_grad_(),)
        # The sequences' own gradient, from the mirror with its own parameters.
        leaf = seq64.clone().requires_grad_()
        own["input 0"] = torch.autograd.grad(rt.teacher_forcing_loss(reference, leaf).sum(), leaf)[0]
    count, swap_diff = checked_gradcheck(name, reference, run, inputs, own)

    catches = {}
    for mistake, (x, target) in {"tf_unshifted": (seq64[:, :-1], seq64[:, :-1]),
                                 "tf_swapped": (seq64[:, 1:], seq64[:, :-1])}.items():
        leaves = {key: t.double().clone().requires_grad_() for key, t in stored.items()}
        wrong = naive_losses(spec, leaves, x, target)
        grads = dict(zip(leaves, torch.autograd.grad(wrong.sum(), list(leaves.values()))))
        factor = _factor({"loss": wrong.detach(), **grads}, expected, spec["precision"])
        require(factor > CATCH_FACTOR, f"the gradient fixture cannot tell ({TEACHER_MISTAKES[mistake]}): "
                                       f"{factor:.3g} times the tolerance")
        catches[mistake] = factor
    return {"diff": diff, "gradcheck": count, "swap_diff": swap_diff, "catches": catches}


def check_padding_gradient(spec: dict, x: torch.Tensor, gradients: dict, valid=None) -> None:
    """A padding spec: the padding token is looked up within the valid steps, its row is zero in
    the weights and takes exactly no gradient."""
    if not isinstance(spec["input"], dict) or spec["input"]["padding"] is None:
        return
    padding = spec["input"]["padding"]
    looked_up = x == padding if valid is None else (x == padding) & valid
    assert bool(looked_up.any()), f"{spec['model']}: the padding token is not looked up in a valid step"
    row = gradients["embedding.weight"][padding]
    assert bool((row == 0).all()), f"{spec['model']}: the padding row took gradient {row.tolist()}"


# ---------------------------------------------------------------------------------------------
# Packed fixtures: per-sequence lengths, initial and final states
# ---------------------------------------------------------------------------------------------

PACKED_BATCH = 4
# Mistakes in lengths and states; every packed fixture they concern must catch them.
PACKED_MISTAKES = {
    "pad_steps": "steps at or past the length run (the state reads the padding)",
    "reverse_from_end": "the reverse direction starts at step T-1 instead of length-1",
    "zero_h0": "h0 ignored (the state starts at zeros)",
    "zero_c0": "c0 ignored (the cell starts at zeros)",
    "state_layout": "the two directions' slots of h0 and h_n (c0 and c_n) swapped",
    "head_past_end": "many-to-many outputs past the length are the head of zero features, not 0",
}
PACKED_GRAD_MISTAKES = {
    "loss_all_steps": "the loss counts the output steps past the length (and their targets)",
}


def applicable_packed_mistakes(spec: dict) -> list:
    layers = spec["layers"]
    found = ["pad_steps", "zero_h0"]
    if any(l["direction"] == "bidirectional" for l in layers):
        found += ["reverse_from_end", "state_layout"]
    if rt.cell_state_size(spec):
        found.append("zero_c0")
    if spec["output"]["mode"] == "many-to-many" and spec["output"]["head"] != "none":
        found.append("head_past_end")
    return found


def packed_seed(name: str, draw: int) -> int:
    """crc32 of "<name>.packed" for the first draw, of "<name>.packed#<draw>" for the next ones."""
    return zlib.crc32((f"{name}.packed" if draw == 0 else f"{name}.packed#{draw}").encode("utf-8"))


def packed_lengths(steps: int, g: torch.Generator) -> torch.Tensor:
    """[4] int64: T//2+1, 1, T and one uniform in 1..T, in that (unsorted) order."""
    return torch.tensor([steps // 2 + 1, 1, steps, int(torch.randint(1, steps + 1, (1,), generator=g))])


def draw_packed(spec: dict, g: torch.Generator, dtype: torch.dtype) -> tuple:
    """(lengths [N] int64, input, h0 [N, HiddenStateSize], c0 [N, CellStateSize]) of a packed fixture,
    drawn in that order; reals in the spec's precision (docs/fixtures.md, "Packed fixtures")."""
    T, N = spec["sequence"], PACKED_BATCH
    lengths = packed_lengths(T, g)
    valid = torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)
    if isinstance(spec["input"], dict):
        x = torch.randint(0, spec["input"]["vocab"], (N, T), generator=g)
        padding = spec["input"]["padding"]
        if padding is not None:
            x[~valid] = padding  # padding past the length, and once within sequence 2 (length T)
            x[2, int(torch.randint(0, T, (1,), generator=g))] = padding
    else:
        x = torch.randn(N, T, spec["input"], generator=g, dtype=dtype)
        assert bool((x != 0).all())
    h0 = torch.empty(N, rt.hidden_state_size(spec), dtype=dtype).uniform_(-1.0, 1.0, generator=g)
    c0 = torch.empty(N, rt.cell_state_size(spec), dtype=dtype).uniform_(-1.0, 1.0, generator=g)
    assert bool((h0 != 0).all()) and bool((c0 != 0).all())
    return lengths, x if isinstance(spec["input"], dict) else x.double(), h0.double(), c0.double()


def draw_packed_targets(spec: dict, g: torch.Generator, dtype: torch.dtype, lengths: torch.Tensor) -> torch.Tensor:
    """Targets of a packed fixture, valid values everywhere, past the length too (where they must not
    count). cross_entropy: uniform class ids; many-to-many sequence n then ignores min(n, length-1)
    of its valid steps (-100) at random. Reals as in `draw_targets`."""
    length, size = rt.output_shape(spec)
    N = PACKED_BATCH
    loss = spec["training"]["loss"]
    if loss == "cross_entropy":
        target = torch.randint(0, size, (N, length), generator=g)
        if spec["output"]["mode"] == "many-to-many":
            for n in range(N):
                valid = int(lengths[n])
                target[n, torch.randperm(valid, generator=g)[:min(n, valid - 1)]] = rt.IGNORE_INDEX
        return target
    shape = (N, length, size)
    if loss == "binary_cross_entropy":
        target = torch.rand(shape, generator=g, dtype=dtype).flatten()
        exact = torch.randperm(target.numel(), generator=g)[:max(1, target.numel() // 3)]
        target[exact] = target[exact].round()
        return target.reshape(shape)
    if spec["output"]["head"] in ("sigmoid", "softmax"):
        return torch.rand(shape, generator=g, dtype=dtype)
    return torch.randn(shape, generator=g, dtype=dtype)


def model_with(spec: dict, stored: dict, dtype: torch.dtype = torch.float64, steps: int | None = None) -> rt.RnnGenModel:
    """The mirror of spec (with sequence `steps` if given) holding the stored weights, in eval mode."""
    model = rt.RnnGenModel(spec if steps is None else {**spec, "sequence": steps}).to(dtype).eval()
    with torch.no_grad():
        for key, param in model.state_dict().items():
            param.copy_(stored[key].to(dtype))
    return model


def _max_diff(a: dict, b: dict) -> float:
    return max((a[k] - b[k]).abs().max().item() if a[k].numel() else 0.0 for k in b)


def truncated_runs(spec: dict, stored: dict, x, lengths, h0, c0) -> list:
    """Per sequence n: the mirror run on x[n, :length] alone (no lengths: a model of sequence length
    `length`, unpacked), from h0[n] and c0[n]: (model, x_n, output, h_n, c_n)."""
    runs = []
    for n in range(x.shape[0]):
        steps = int(lengths[n])
        model = model_with(spec, stored, steps=steps)
        xn = x[n:n + 1, :steps]
        runs.append((model, xn, *model.run(xn, h0=h0[n:n + 1], c0=c0[n:n + 1])))
    return runs


def compare_with_truncation(spec: dict, output, hn, cn, runs, lengths) -> float:
    """max |diff| of the packed run against the truncated runs; asserts the outputs past the length are
    exactly +0."""
    worst = 0.0
    many = spec["output"]["mode"] == "many-to-many"
    for n, (_, _, y, h, c) in enumerate(runs):
        steps = int(lengths[n])
        worst = max(worst, (output[n, :steps] - y[0]).abs().max().item() if many else (output[n] - y[0]).abs().max().item(),
                    (hn[n] - h[0]).abs().max().item(), (cn[n] - c[0]).abs().max().item() if c.numel() else 0.0)
        if many:
            rest = output[n, steps:]
            assert bool((rest == 0).all()) and not bool(torch.signbit(rest).any()), \
                f"{spec['model']}: sequence {n}'s outputs past its length {steps} are not exactly +0"
    return worst


def truncated_losses(spec: dict, runs, target, lengths, h0, c0) -> tuple:
    """Each sequence's loss from PyTorch's own loss module on its truncated run, and the summed
    gradients (parameters, grad_h0, grad_c0) of those losses."""
    loss_kind = spec["training"]["loss"]
    many = spec["output"]["mode"] == "many-to-many"
    losses, gradients, grad_h0, grad_c0 = [], {}, [], []
    for n, (model, xn, _, _, _) in enumerate(runs):
        steps = int(lengths[n])
        h = h0[n:n + 1].clone().requires_grad_()
        c = c0[n:n + 1].clone().requires_grad_()
        t = target[n, :steps] if many else target[n]
        if loss_kind == "mse":
            loss = nn.MSELoss()(model(xn, h0=h, c0=c)[0], t)
        elif loss_kind == "binary_cross_entropy":
            loss = nn.BCEWithLogitsLoss()(model.logits(xn, h0=h, c0=c)[0], t)
        else:
            loss = nn.CrossEntropyLoss(ignore_index=rt.IGNORE_INDEX)(model.logits(xn, h0=h, c0=c)[0], t)
        names = [key for key, _ in model.named_parameters()]
        leaves = [param for _, param in model.named_parameters()] + [h] + ([c] if c.numel() else [])
        grads = torch.autograd.grad(loss, leaves)
        for key, grad in zip(names, grads):
            gradients[key] = gradients.get(key, 0) + grad
        grad_h0.append(grads[len(names)][0])
        grad_c0.append(grads[len(names) + 1][0] if c.numel() else c[0].detach())
        losses.append(loss.detach())
    return torch.stack(losses), {**gradients, "grad_h0": torch.stack(grad_h0), "grad_c0": torch.stack(grad_c0)}


def packed_gradients(reference: rt.RnnGenModel, x, target, lengths, h0, c0) -> tuple:
    """(losses [N], {parameter: summed gradient, "grad_h0": [N, ...], "grad_c0": [N, ...]}): one backward
    pass per sequence, as N calls of the class's AccumulateGradients with lengths and states."""
    reference.zero_grad(set_to_none=True)
    losses, grad_h0, grad_c0 = [], [], []
    for n in range(x.shape[0]):
        h = h0[n:n + 1].clone().requires_grad_()
        c = c0[n:n + 1].clone().requires_grad_()
        loss = rt.sequence_losses(reference, x[n:n + 1], target[n:n + 1], lengths=lengths[n:n + 1], h0=h,
                                  c0=c if c.numel() else None)
        loss.sum().backward()
        losses.append(loss.detach())
        grad_h0.append(h.grad[0])
        grad_c0.append(c.grad[0] if c.numel() else c[0].detach())
    gradients = {name: param.grad.detach().clone() for name, param in reference.named_parameters()}
    reference.zero_grad(set_to_none=True)
    return torch.cat(losses), {**gradients, "grad_h0": torch.stack(grad_h0), "grad_c0": torch.stack(grad_c0)}


def build_packed_fixture(spec: dict, stored: dict, draw: int) -> dict:
    """`<Model>.packed.safetensors`: four sequences with lengths and initial states, the outputs and
    final states, and for a training spec targets, losses and gradients (docs/fixtures.md)."""
    name = spec["model"]
    g = torch.Generator().manual_seed(packed_seed(name, draw))
    dtype = torch.float32 if spec["precision"] == "float32" else torch.float64
    lengths, x, h0, c0 = draw_packed(spec, g, dtype)
    has_cell = c0.shape[1] > 0
    reference = model_with(spec, stored)
    params64 = {key: t.double() for key, t in stored.items()}
    with torch.no_grad():
        output, hn, cn = reference.run(x, lengths, h0, c0)
        runs = truncated_runs(spec, stored, x, lengths, h0, c0)
    truncation_diff = compare_with_truncation(spec, output, hn, cn, runs, lengths)
    assert truncation_diff <= NAIVE_TOLERANCE, f"{name}: packed and truncated runs differ by {truncation_diff:.3g}"

    stats = new_stats()
    expected = {"output": output, "hn": hn, "cn": cn}
    with torch.no_grad():
        naive = dict(zip(expected, naive_forward(spec, params64, x, stats=stats, lengths=lengths, h0=h0, c0=c0,
                                                 states=True)))
    naive_diff = _max_diff(naive, expected)
    assert naive_diff <= NAIVE_TOLERANCE, f"{name}: packed mirror and naive loop differ by {naive_diff:.3g}"

    catches = {}
    for mistake in applicable_packed_mistakes(spec) + applicable_mistakes(spec):
        with torch.no_grad():
            wrong = dict(zip(expected, naive_forward(spec, params64, x, mistake=mistake, lengths=lengths, h0=h0,
                                                     c0=c0, states=True)))
        factor = _factor(wrong, expected, spec["precision"])
        described = PACKED_MISTAKES.get(mistake) or MISTAKES[mistake]
        require(factor > CATCH_FACTOR, f"the packed fixture cannot tell ({described}): {factor:.3g} times the tolerance")
        catches[mistake] = (_max_diff(wrong, expected), factor)

    with torch.no_grad():  # for scale: PyTorch in the spec's precision
        own = model_with(spec, stored, dtype).run(x if isinstance(spec["input"], dict) else x.to(dtype), lengths,
                                                  h0.to(dtype), c0.to(dtype))
    own_factor = _factor(dict(zip(expected, (t.double() for t in own))), expected, spec["precision"])

    tensors = {"input": x.double(), "lengths": lengths.double(), "h0": h0}
    if has_cell:
        tensors["c0"] = c0
    tensors.update({"output": output, "hn": hn})
    if has_cell:
        tensors["cn"] = cn
    result = {"name": name, "draw": draw, "lengths": lengths.tolist(), "naive_diff": naive_diff,
              "truncation_diff": truncation_diff, "own_factor": own_factor, "catches": catches,
              "stock": all(not isinstance(layer, (rt.LSTMLayer, rt.GRULayer)) for layer in reference.layers),
              "gradient": None}
    training = spec["training"]
    if training is not None and training["dropout"] == 0.0:
        target = draw_packed_targets(spec, g, dtype, lengths)
        result["gradient"], grad_tensors = packed_gradient_checks(spec, stored, reference, runs, x, target, lengths,
                                                                  h0, c0)
        tensors.update(grad_tensors)
    result["bytes"] = rt.safetensors_bytes(tensors, rt.model_metadata(name))
    return result


def packed_gradient_checks(spec, stored, reference, runs, x, target, lengths, h0, c0) -> tuple:
    """The gradient part of a packed fixture and its checks: (report, tensors)."""
    name = spec["model"]
    loss_kind = spec["training"]["loss"]
    target64 = target if loss_kind == "cross_entropy" else target.double()
    has_cell = c0.shape[1] > 0
    losses, gradients = packed_gradients(reference, x, target64, lengths, h0, c0)
    names = [key for key, _ in reference.named_parameters()]
    valid = torch.arange(spec["sequence"]).unsqueeze(0) < lengths.unsqueeze(1)
    check_padding_gradient(spec, x, gradients, valid)
    expected = {"loss": losses, **gradients}

    # The same as PyTorch's own loss modules on each sequence truncated to its length, run alone.
    module_losses, module_gradients = truncated_losses(spec, runs, target64, lengths, h0, c0)
    module_diff = _worst({"loss": module_losses, **module_gradients}, expected)
    assert module_diff <= GRAD_TOLERANCE, f"{name}: packed and truncated losses/gradients differ by {module_diff:.3g}"

    # The same as the gradient of the summed loss over the batch at once.
    h = h0.clone().requires_grad_()
    c = c0.clone().requires_grad_()
    batch_losses = rt.sequence_losses(reference, x, target64, lengths=lengths, h0=h, c0=c if has_cell else None)
    leaves = list(reference.parameters()) + [h] + ([c] if has_cell else [])
    grads = torch.autograd.grad(batch_losses.sum(), leaves)
    summed = {"loss": batch_losses.detach(), **dict(zip(names, grads)), "grad_h0": grads[len(names)],
              "grad_c0": grads[len(names) + 1] if has_cell else gradients["grad_c0"]}
    summed_diff = _worst(summed, expected)
    assert summed_diff <= GRAD_TOLERANCE, f"{name}: per-sequence and batch gradients differ by {summed_diff:.3g}"

    # The same as autograd through the naive loop, and no value near a kink.
    def naive_gradients(mistake=None, stats=None):
        params = {key: t.double().clone().requires_grad_() for key, t in stored.items()}
        h = h0.clone().requires_grad_()
        c = c0.clone().requires_grad_()
        values = naive_losses(spec, params, x, target64, mistake=mistake, stats=stats, lengths=lengths, h0=h, c0=c)
        leaves = list(params.values()) + [h] + ([c] if has_cell else [])
        grads = torch.autograd.grad(values.sum(), leaves, allow_unused=True)
        grads = [torch.zeros_like(leaf) if grad is None else grad for grad, leaf in zip(grads, leaves)]
        out = {"loss": values.detach(), **dict(zip(params, grads)), "grad_h0": grads[len(params)]}
        out["grad_c0"] = grads[len(params) + 1] if has_cell else gradients["grad_c0"]
        return out

    stats = new_stats()
    naive_diff = _worst(naive_gradients(stats=stats), expected)
    assert naive_diff <= GRAD_TOLERANCE, f"{name}: packed mirror and naive gradients differ by {naive_diff:.3g}"
    if stats["cells"]:
        require(stats["margin"] > KINK_MARGIN, f"a cell value is {stats['margin']:.3g} from the clip")
    if stats["relu_margin"] < math.inf:
        require(stats["relu_margin"] > KINK_MARGIN, f"a relu pre-activation is {stats['relu_margin']:.3g} from 0")

    # gradcheck of the losses with respect to every parameter and the initial states (for a large
    # example spec: along random directions, as for the gradient fixture, and then every state
    # element on its own).
    def run(*values):
        params = hold_padding_row(spec, stored, dict(zip(names, values)))
        h, c = values[len(names)], (values[len(names) + 1] if has_cell else None)
        return swapped_call(reference, params, rt.sequence_losses, reference, x, target64,
                            lengths=lengths, h0=h, c0=c)

    parameters = list(reference.parameters())
    inputs = tuple(p.detach().clone().requires_grad_() for p in parameters) + (h0.clone().requires_grad_(),) \
        + ((c0.clone().requires_grad_(),) if has_cell else ())
    own = {**{key: gradients[key] for key in names}, "input 0": gradients["grad_h0"],
           **({"input 1": gradients["grad_c0"]} if has_cell else {})}
    states = sum(t.numel() for t in inputs[len(names):])
    fast = sum(p.numel() for p in parameters) > GRADCHECK_FULL_LIMIT
    torch.manual_seed(0)  # fast_mode's random directions
    count, swap_diff = checked_gradcheck(name, reference, run, inputs, own, fast_mode=fast)
    checked = f"{'fast' if fast else 'full'} {count - states}+{states}"
    if fast:
        def run_states(h, c=None):
            return rt.sequence_losses(reference, x, target64, lengths=lengths, h0=h, c0=c)

        state_inputs = inputs[len(names):]
        checked_gradcheck(name, None, run_states, tuple(t.detach().clone().requires_grad_() for t in state_inputs),
                          {f"input {k}": own[f"input {k}"] for k in range(len(state_inputs))})
        checked += f", full {states}"

    catches = {}
    many = spec["output"]["mode"] == "many-to-many"
    for mistake in (["loss_all_steps"] if many else []) + applicable_grad_mistakes(spec, target):
        factor = _factor(naive_gradients(mistake), expected, spec["precision"])
        described = PACKED_GRAD_MISTAKES.get(mistake) or GRAD_MISTAKES[mistake]
        require(factor > CATCH_FACTOR, f"the packed gradients cannot tell ({described}): {factor:.3g} times the tolerance")
        catches[mistake] = factor

    tensors = {"target": target64.double(), "loss": losses}
    tensors.update({f"grad.{key}": gradients[key] for key in names})
    tensors["grad_h0"] = gradients["grad_h0"]
    if has_cell:
        tensors["grad_c0"] = gradients["grad_c0"]
    report = {"loss": loss_kind, "module_diff": module_diff, "summed_diff": summed_diff, "naive_diff": naive_diff,
              "gradcheck": checked, "swap_diff": swap_diff,
              "catches": catches,
              "largest": max(t.abs().max().item() for t in gradients.values() if t.numel()),
              "margins": ", ".join(
                  ([f"clip {stats['clipped']}/{stats['cells']} margin {stats['margin']:.2g}"] if stats["cells"] else [])
                  + ([f"relu margin {stats['relu_margin']:.2g}"] if stats["relu_margin"] < math.inf else []))}
    return report, tensors


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------

def draw_tokens(vocab: int, steps: int, g: torch.Generator) -> torch.Tensor:
    """[BATCH, steps] int64 ids: every id of the vocabulary when there are enough slots, else at
    least 0 and vocab-1, the rest uniform; shuffled."""
    slots = BATCH * steps
    required = torch.arange(vocab) if vocab <= slots else torch.tensor([0, vocab - 1])
    ids = torch.cat([required, torch.randint(0, vocab, (slots - len(required),), generator=g)])
    ids = ids[torch.randperm(slots, generator=g)].reshape(BATCH, steps)
    assert set(required.tolist()) <= set(ids.flatten().tolist())
    return ids


COUNT_LEARNING_RATE = 0.05
COUNT_MAX_STEPS = 1000
COUNT_LEAD = 0.1  # training stops once every step's right token leads the others by this much probability


def counting_sequences(spec: dict) -> torch.Tensor:
    """[V, T+1] int64: from each token of the vocabulary, T steps of counting: each next token is the
    successor in the cycle of the tokens other than the stop token (0 -> 1 -> ... -> V-1 -> 1 for stop
    0); the stop token itself is followed by the cycle's first token, and is never a target."""
    vocab, stop = spec["input"]["vocab"], spec["output"]["stop"]
    cycle = [t for t in range(vocab) if t != stop]
    rows = []
    for first in range(vocab):
        row = [first]
        while len(row) < spec["sequence"] + 1:
            row.append(cycle[(cycle.index(row[-1]) + 1) % len(cycle)] if row[-1] in cycle else cycle[0])
        rows.append(row)
    return torch.tensor(rows)


def train_to_count(spec: dict, model: rt.RnnGenModel) -> int:
    """Trains the drawn weights of a one-to-many token model to count (`counting_sequences`), so that
    greedy generation moves through the vocabulary instead of repeating one token, as random weights
    make it do: Adam (learning rate COUNT_LEARNING_RATE) on the mean teacher-forcing loss of the V
    sequences, in float64, one full batch per step, until every step's right token leads by more
    than COUNT_LEAD; the weights are then rounded to the spec's precision. Returns the steps taken."""
    sequences = counting_sequences(spec)
    twin = rt.RnnGenModel(spec).double().eval()
    with torch.no_grad():
        for key, param in twin.state_dict().items():
            param.copy_(model.state_dict()[key].double())
    optimizer = torch.optim.Adam(twin.parameters(), lr=COUNT_LEARNING_RATE)
    for step in range(COUNT_MAX_STEPS + 1):
        with torch.no_grad():
            probabilities = twin(sequences[:, :-1])
            right = probabilities.gather(2, sequences[:, 1:].unsqueeze(2))[..., 0]
            others = probabilities.scatter(2, sequences[:, 1:].unsqueeze(2), -1.0).max(dim=2).values
        if bool((right - others > COUNT_LEAD).all()):
            break
        require(step < COUNT_MAX_STEPS, f"{COUNT_MAX_STEPS} steps of training did not teach the model to count")
        optimizer.zero_grad()
        rt.teacher_forcing_loss(twin, sequences).mean().backward()
        optimizer.step()
    with torch.no_grad():
        for key, param in model.state_dict().items():
            param.copy_(twin.state_dict()[key].to(param.dtype))
    return step


def draw_seed(name: str, draw: int) -> int:
    """crc32 of the model name for the first draw, of "<name>#<draw>" for the next ones."""
    return zlib.crc32((name if draw == 0 else f"{name}#{draw}").encode("utf-8"))


def build_fixture(spec_path: Path, draw: int = 0) -> dict:
    spec = rt.load_spec(spec_path)
    name = spec["model"]
    seed = draw_seed(name, draw)
    torch.manual_seed(seed)
    model = rt.RnnGenModel(spec).eval()  # the mirror's init, in the spec's precision...
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in model.state_dict().values():  # ...then larger values, so that tests see saturation
            param.uniform_(-WEIGHT_RANGE, WEIGHT_RANGE, generator=g)
        padding = spec["input"]["padding"] if isinstance(spec["input"], dict) else None
        if padding is not None:  # the padding token's row is zero, as nn.Embedding(padding_idx=P) starts it
            model.embedding.weight[padding] = 0.0
    trained = None
    if spec["output"]["mode"] == "one-to-many" and isinstance(spec["input"], dict):
        trained = train_to_count(spec, model)

    actual_names = [(key, list(t.shape)) for key, t in model.state_dict().items()]
    assert actual_names == expected_parameters(spec), \
        f"{name}: state_dict {actual_names} is not DESIGN.md's {expected_parameters(spec)}"
    dtype = torch.float32 if spec["precision"] == "float32" else torch.float64
    assert all(t.dtype == dtype for t in model.state_dict().values()), f"{name}: weights not in {dtype}"

    weight_bytes = rt.safetensors_bytes(dict(model.state_dict()), rt.model_metadata(name))
    stored, metadata = rt.parse_safetensors(weight_bytes)
    assert metadata == rt.model_metadata(name)

    T = spec["sequence"]
    if isinstance(spec["input"], dict):
        x = draw_tokens(spec["input"]["vocab"], T, g)
        assert padding is None or bool((x == padding).any()), f"{name}: the padding token is never looked up"
    else:
        x = torch.randn(BATCH, T, spec["input"], generator=g, dtype=dtype).double()

    # The expected output comes from the stored weights (exactly the file's values) in float64.
    # One-to-many: x is the prime and the output Predict's greedy generation.
    generative = spec["output"]["mode"] == "one-to-many"
    reference = rt.RnnGenModel(spec).double().eval()  # eval: no training dropout
    with torch.no_grad():
        for key, param in reference.state_dict().items():
            param.copy_(stored[key].double())
        expected = (rt.generate_greedy(reference, x) if generative else reference(x)).detach()
        in_precision = (rt.generate_greedy(model, x) if generative else model(x)).double()

    length, size = rt.output_shape(spec)
    assert expected.shape == (BATCH, length, size), expected.shape
    float64_params = {key: t.double() for key, t in stored.items()}
    stats = new_stats()
    with torch.no_grad():
        naive = naive_predict(spec, float64_params, x, stats=stats)
    naive_diff = (naive - expected).abs().max().item()
    assert naive_diff <= NAIVE_TOLERANCE, f"{name}: mirror and naive loop differ by {naive_diff:.3g}"
    if stats["cells"]:
        require(stats["clipped"] > 0, "cell_clip is never active on the fixture data")
    if stats["gap"] < math.inf:  # a fed-back choice that float32 rounding could flip
        require(stats["gap"] > KINK_MARGIN, f"a generated row's top two probabilities are {stats['gap']:.3g} apart")
    if spec["output"].get("stop") is not None:  # the fixture holds whether or not the stop token ends Predict
        require(stats["stops"] == 0, f"{stats['stops']} generated rows before the last choose the stop token")
    if generative and isinstance(spec["input"], dict):
        choices = expected.argmax(dim=2)[:, :-1].tolist()  # the tokens fed back
        require(all(len(set(row)) > 1 for row in choices), f"a sequence feeds back one token only: {choices}")
        require(len({tuple(row) for row in choices}) == len(choices), f"two sequences generate the same tokens: {choices}")

    # Every mistake that concerns one of the spec's options must fail the C# parity test clearly.
    absolute, relative = PARITY_TOLERANCE[spec["precision"]]
    allowed = absolute + relative * expected.abs()
    catches = {}
    for mistake in applicable_mistakes(spec) + applicable_generation_mistakes(spec):
        with torch.no_grad():
            wrong = naive_predict(spec, float64_params, x, mistake=mistake)
        factor = ((wrong - expected).abs() / allowed).max().item()
        described = MISTAKES.get(mistake) or GENERATION_MISTAKES[mistake]
        require(factor > CATCH_FACTOR, f"the fixture cannot tell ({described}): {factor:.3g} times the tolerance")
        catches[mistake] = ((wrong - expected).abs().max().item(), factor)

    expected_bytes = rt.safetensors_bytes({"input": x.double(), "output": expected}, rt.model_metadata(name))
    gradient = None
    training = spec["training"]
    if training is not None and training["dropout"] == 0.0:
        gradient = build_gradient_fixture(spec, reference, model, stored, x, g)
    elif training is not None:
        print(f"{name}: no gradient fixture, as dropout {training['dropout']} makes PyTorch's masks differ "
              f"from the class's", file=sys.stderr)
    return {
        "name": name, "seed": seed, "draw": draw, "weights": weight_bytes, "expected": expected_bytes, "gradient": gradient,
        "naive_diff": naive_diff, "precision_diff": (in_precision - expected).abs().max().item(),
        "catches": catches, "shape": list(expected.shape), "precision": spec["precision"],
        "clipped": f"{stats['clipped']}/{stats['cells']}" if stats["cells"] else "",
        "generation": None if not generative else {
            "gap": stats["gap"], "stop": spec["output"]["stop"], "trained": trained,
            "choices": expected.argmax(dim=2).tolist() if isinstance(spec["input"], dict) else None},
    }


def main() -> int:
    torch.set_num_threads(1)  # one summation order, so reruns give identical bytes
    check_safetensors()
    print("safetensors: writer matches the format's bytes, round trip exact for F16/BF16/F32/F64, "
          "malformed files rejected")
    print(f"custom cells vs nn.LSTM/nn.GRU with copied weights, float64 (max |diff| forward, gradients; "
          f"limit {STOCK_TOLERANCE:g}):")
    for what, (forward, backward) in check_custom_cells_match_stock().items():
        print(f"  {what:<40} {forward:9.2g} {backward:9.2g}")
    print("gradcheck (float64, input and every parameter; swap: max |diff| / (1 + |x|) of autograd through the "
          f"swapped parameters vs the module's own gradients, limit {GRAD_TOLERANCE:g}):")
    for what, note in check_gradients():
        print(f"  {what:<70} passed; {note}")
    print(f"lengths {[3, 1, 5, 2]} of 5 steps and initial states, float64: packed vs each sequence truncated and run "
          f"alone (max |diff| forward / gradients of parameters, input, h0, c0; limit {NAIVE_TOLERANCE:g}):")
    for what, note in check_lengths_and_states():
        print(f"  {what:<85} {note}")

    spec_paths = sorted(HERE.glob("*.rnn.yaml")) + sorted((ROOT / "specs").glob("*.rnn.yaml"))
    fixtures, fixture_paths, skipped = [], [], []
    for path in spec_paths:
        rejected, fixture = [], None
        try:
            for draw in range(MAX_DRAWS):
                try:
                    fixture = build_fixture(path, draw)
                    break
                except Unsuitable as e:
                    rejected.append(f"draw {draw}: {e}")
        except NotImplementedError as e:
            skipped.append(f"{path.relative_to(ROOT)}: {e}")
            continue
        if fixture is None:
            raise SystemExit(f"{path.name}: no usable draw in {MAX_DRAWS}:\n  " + "\n  ".join(rejected))
        fixtures.append(fixture)
        fixture_paths.append(path)
        for reason in rejected:
            print(f"{path.name}: drawn again after {reason}")
    names = [f["name"] for f in fixtures]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SystemExit(f"two specs define model {duplicates[0]}; fixture files would collide")

    packed_fixtures = []
    for path, f in zip(fixture_paths, fixtures):
        spec = rt.load_spec(path)
        if spec["output"]["mode"] == "one-to-many":
            print(f"{f['name']}: no packed fixture, as a one-to-many Predict takes neither lengths nor states "
                  f"(docs/fixtures.md)", file=sys.stderr)
            continue
        if spec["training"] is not None and spec["training"]["dropout"] > 0.0:
            print(f"{f['name']}: no packed fixture, as dropout {spec['training']['dropout']} makes PyTorch's masks "
                  f"differ from the class's", file=sys.stderr)
            continue
        stored, _ = rt.parse_safetensors(f["weights"])
        rejected, packed = [], None
        for draw in range(MAX_DRAWS):
            try:
                packed = build_packed_fixture(spec, stored, draw)
                break
            except Unsuitable as e:
                rejected.append(f"draw {draw}: {e}")
        if packed is None:
            raise SystemExit(f"{path.name}: no usable packed draw in {MAX_DRAWS}:\n  " + "\n  ".join(rejected))
        packed_fixtures.append(packed)
        for reason in rejected:
            print(f"{path.name}: packed fixture drawn again after {reason}")

    print(f"{'model':<29} {'draw':>4} {'precision':<9} {'output':<11} {'naive':>7} {'own prec.':>9} {'clipped':>7}  "
          f"mistakes caught: max |diff| (times the parity tolerance)")
    for f in fixtures:
        (HERE / f"{f['name']}.safetensors").write_bytes(f["weights"])
        (HERE / f"{f['name']}.expected.safetensors").write_bytes(f["expected"])
        catches = ", ".join(f"{m} {d:.2g} ({k:.2g}x)" for m, (d, k) in f["catches"].items())
        print(f"{f['name']:<29} {f['draw']:>4} {f['precision']:<9} {str(f['shape']):<11} {f['naive_diff']:>7.2g} "
              f"{f['precision_diff']:>9.2g} {f['clipped']:>7}  {catches}")
    trained = [f for f in fixtures if f["gradient"] is not None]
    print(f"gradient fixtures, float64: gradcheck passed (full: every parameter; fast: random directions) over "
          f"so many parameters, after autograd through the swapped parameters matched the fixture's gradients "
          f"(swap: max |diff| / (1 + |x|), limit {GRAD_TOLERANCE:g}); max |grad|; max |diff| / (1 + |x|) of the losses vs PyTorch's loss modules per "
          f"sequence, of the per-sequence sum vs the batch's summed loss and of the mirror vs the naive loop (limit {GRAD_TOLERANCE:g}); PyTorch in the spec's precision "
          f"in units of the parity tolerance; kinks (limit {KINK_MARGIN:g}); mistakes caught")
    print(f"{'model':<24} {'loss':<22} {'gradcheck':>10} {'swap':>7} {'largest':>7} {'modules':>7} {'summed':>7} {'naive':>7} "
          f"{'own prec.':>9}  "
          f"kinks; mistakes")
    for f in trained:
        d = f["gradient"]
        (HERE / f"{f['name']}.grad.safetensors").write_bytes(d["bytes"])
        catches = ", ".join(f"{m} {diff:.2g} ({k:.2g}x)" for m, (diff, k) in d["catches"].items())
        loss = d["loss"] + (f" ({d['ignored']} ign.)" if d["ignored"] else "")
        print(f"{f['name']:<24} {loss:<22} {d['gradcheck']:>10} {d['swap_diff']:>7.2g} {d['largest']:>7.2g} {d['stock_diff']:>7.2g} {d['summed_diff']:>7.2g} {d['naive_diff']:>7.2g} "
              f"{d['own_factor']:>8.2g}x  {'; '.join(x for x in (d['margins'], catches) if x)}")

    generating = [f for f in fixtures if f["generation"] is not None]
    if generating:
        print(f"one-to-many fixtures, float64: greedy generation vs the naive step loop (limit {NAIVE_TOLERANCE:g}, "
              f"in the table above); smallest lead of a fed-back row's top probability (limit {KINK_MARGIN:g}); "
              f"the tokens chosen (after so many steps of training to count); teacher forcing (AccumulateGradients(sequence)): teacher_forcing_loss vs the "
              f"fixture's losses and gradients (limit {GRAD_TOLERANCE:g}), gradcheck (so many elements) after autograd "
              f"through the swapped parameters matched the mirror's gradients (swap, limit {GRAD_TOLERANCE:g}), "
              f"cutting mistakes caught")
        print(f"{'model':<20} {'gap':>7} {'stop':>4}  {'choices':<51} {'trained':>7} {'tf diff':>7} {'gradcheck':>9} "
              f"{'swap':>7}  mistakes")
        for f in generating:
            d, t = f["generation"], f["gradient"]["teacher"]
            gap = f"{d['gap']:.2g}" if d["gap"] < math.inf else "-"
            stop = "-" if d["stop"] is None else str(d["stop"])
            catches = ", ".join(f"{m} {k:.2g}x" for m, k in t["catches"].items())
            trained = "-" if d["trained"] is None else str(d["trained"])
            print(f"{f['name']:<20} {gap:>7} {stop:>4}  {str(d['choices'] or '-'):<51} {trained:>7} {t['diff']:>7.2g} "
                  f"{t['gradcheck']:>9} {t['swap_diff']:>7.2g}  {catches}")

    print(f"packed fixtures (lengths, h0, c0), float64: max |diff| of the packed mirror vs each sequence "
          f"truncated and run alone, and vs the naive loop (limit {NAIVE_TOLERANCE:g}); PyTorch in the spec's precision "
          f"in units of the parity tolerance; mistakes caught (times the parity tolerance)")
    print(f"{'model':<29} {'draw':>4} {'lengths':<15} {'layers':<6} {'truncated':>9} {'naive':>7} {'own prec.':>9}  mistakes")
    for f in packed_fixtures:
        (HERE / f"{f['name']}.packed.safetensors").write_bytes(f["bytes"])
        catches = ", ".join(f"{m} {k:.2g}x" for m, (_, k) in f["catches"].items())
        print(f"{f['name']:<29} {f['draw']:>4} {str(f['lengths']):<15} {'nn' if f['stock'] else 'custom':<6} "
              f"{f['truncation_diff']:>9.2g} {f['naive_diff']:>7.2g} {f['own_factor']:>8.2g}x  {catches}")
    print(f"packed gradients, float64: max |diff| / (1 + |x|) of losses, parameter gradients, grad_h0 and grad_c0 vs "
          f"PyTorch's loss modules on each truncated sequence, vs the batch's summed loss and vs the naive loop "
          f"(limit {GRAD_TOLERANCE:g}); gradcheck w.r.t. every parameter and h0, c0 "
          f"(so many parameters + state elements; full: each element; fast: random directions, then each state "
          f"element alone) after autograd through the swapped parameters matched the "
          f"fixture's gradients (swap, limit {GRAD_TOLERANCE:g}); kinks; mistakes caught")
    print(f"{'model':<24} {'loss':<21} {'largest':>7} {'modules':>7} {'summed':>7} {'naive':>7} {'gradcheck':>22} "
          f"{'swap':>7}  kinks; mistakes")
    for f in packed_fixtures:
        d = f["gradient"]
        if d is None:
            continue
        catches = ", ".join(f"{m} {k:.2g}x" for m, k in d["catches"].items())
        print(f"{f['name']:<24} {d['loss']:<21} {d['largest']:>7.2g} {d['module_diff']:>7.2g} {d['summed_diff']:>7.2g} "
              f"{d['naive_diff']:>7.2g} {d['gradcheck']:>22} {d['swap_diff']:>7.2g}  {'; '.join(x for x in (d['margins'], catches) if x)}")
    for message in skipped:
        print(f"skipped (the mirror does not support it yet) {message}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
