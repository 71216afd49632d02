"""Regenerates the encoder-decoder parity fixtures (docs/fixtures.md, "Encoder-decoder fixtures").

    /usr/bin/python3 tests/RnnGen.Tests/Fixtures/make_seq2seq_fixtures.py

For every spec of FIXTURES below it writes, beside this script, `<Model>.rnn.yaml` (the spec, with a
first-line comment saying what it covers), `<Model>.safetensors` (random weights in the spec's
precision, named as the mirror's state_dict) and `<Model>.seq2seq.safetensors` (three input
sequences with their encoder lengths, targets, per-sequence losses, the gradients summed over the
three, the teacher-forced outputs and the greedy outputs, plus the greedy tokens and Decode's count
for token decoders), every value computed in float64 from the stored weights
(docs/encoder-decoder.md gives the semantics). It is deterministic: running it twice gives the same
bytes. Before writing anything it checks, for every fixture (limits below, the observed values are
printed):

- the state_dict names, shapes and order against the list built from docs/encoder-decoder.md alone;
- the mirror (`rt.EncoderDecoderModel`, float64) against a naive step loop written here from the
  cell equations (encoder over each sequence's own steps, merge or bridge, decoder step by step,
  head, losses written out): the initial decoder states, teacher-forced outputs, losses, gradients
  (autograd through the naive loop) and greedy outputs, greedy by a loop that picks the first
  maximum by hand and feeds it (or the output row) back;
- the merge or bridge semantics against the encoder's per-step outputs: h_fwd at the sequence's
  own step length-1, h_bwd at step 0, concatenated, summed or fed through tanh(W e + b);
- each sequence truncated to its length and run alone (a model of T = length) gives the same
  outputs, losses and gradients (packed-sequence semantics);
- the losses against PyTorch's own loss modules per sequence, the summed per-sequence gradients
  against the batch's summed loss in one pass, and `torch.autograd.gradcheck` of the three losses
  with respect to every parameter (float64, eps 1e-6, atol 1e-7, rtol 1e-5);
- teacher forcing fed the greedy choices gives the greedy outputs;
- greedy decoding has no near-tie (top two probabilities at least GAP_MARGIN apart, so float32
  cannot pick another token), with a stop token some sequence stops before L and some does not,
  and each mistake of MISTAKES that concerns the spec moves some value by more than CATCH_FACTOR
  times the C# parity tolerance. A draw that fails these is replaced by the next
  (seed crc32("<Model>#k")).
"""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

import torch
import yaml
from torch import nn

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "src" / "python"))

import rnngen_torch as rt  # noqa: E402

BATCH = 3
WEIGHT_RANGE = 0.8
NAIVE_TOLERANCE = 1e-12   # float64 mirror vs float64 naive loop: only the summation order differs
GRAD_TOLERANCE = 1e-12    # float64 losses and gradients, |a - b| <= this * (1 + |b|)
PARITY_TOLERANCE = {"float32": (1e-5, 1e-4), "float64": (1e-10, 1e-9)}  # Tolerance.cs
CATCH_FACTOR = 10.0
GAP_MARGIN = 1e-3         # greedy: a chosen token's probability leads the next one by at least this
MAX_DRAWS = 20
TRAIN_LEARNING_RATE = 0.05
TRAIN_MAX_STEPS = 1000
TRAIN_LEAD = 0.1          # training stops once every step's chosen token leads the others by this much probability

# The fixture specs. The model name's "64" suffix means float64.
FIXTURES = {
    "Seq2SeqGru": """\
# Encoder-decoder, token to token: gru encoder, gru decoder started from its h_n (no bridge), start 4, stop 5, -100 read as stop.
model: Seq2SeqGru
namespace: RnnGen.Tests.Models
precision: float32
sequence: 5
encoder:
  input: { vocab: 7, embedding: 3 }
  layers:
    - cell: gru
      hidden: 4
decoder:
  input: { vocab: 6, embedding: 3 }
  layers:
    - cell: gru
      hidden: 4
output:
  mode: encoder-decoder
  head: softmax
  size: 6
  length: 4
  start: 4
  stop: 5
training:
  loss: cross_entropy
  optimizer: adam
  learning_rate: 0.01
""",
    "Seq2SeqBidiConcatLstm64": """\
# Encoder-decoder, features to tokens: bidirectional projected lstm encoder, merge concat (h 2+2, c 3+3) into a projected lstm decoder; float64.
model: Seq2SeqBidiConcatLstm64
namespace: RnnGen.Tests.Models
precision: float64
sequence: 4
encoder:
  input: 3
  layers:
    - cell: lstm
      hidden: 3
      projection: 2
      direction: bidirectional
  merge: concat
decoder:
  input: { vocab: 5, embedding: 2 }
  layers:
    - cell: lstm
      hidden: 6
      projection: 4
output:
  mode: encoder-decoder
  head: softmax
  size: 5
  length: 4
  start: 3
  stop: 4
training:
  loss: cross_entropy
  optimizer: adam
  learning_rate: 0.01
""",
    "Seq2SeqBidiSum": """\
# Encoder-decoder: two bidirectional gru encoder layers merged by sum into two gru decoder layers, layer by layer.
model: Seq2SeqBidiSum
namespace: RnnGen.Tests.Models
precision: float32
sequence: 5
encoder:
  input: { vocab: 6, embedding: 3 }
  layers:
    - cell: gru
      hidden: 4
      direction: bidirectional
    - cell: gru
      hidden: 3
      direction: bidirectional
  merge: sum
decoder:
  input: { vocab: 5, embedding: 3 }
  layers:
    - cell: gru
      hidden: 4
    - cell: gru
      hidden: 3
output:
  mode: encoder-decoder
  head: softmax
  size: 5
  length: 4
  start: 0
  stop: 4
training:
  loss: cross_entropy
  optimizer: adam
  learning_rate: 0.01
""",
    "Seq2SeqBridge": """\
# Encoder-decoder with a bridge: bidirectional lstm + rnn encoder, tanh(W e + b) into lstm + gru decoder states (bridge.cell for the lstm); no stop, so -100 is read as start.
model: Seq2SeqBridge
namespace: RnnGen.Tests.Models
precision: float32
sequence: 5
encoder:
  input: { vocab: 6, embedding: 3 }
  layers:
    - cell: lstm
      hidden: 3
      direction: bidirectional
    - cell: rnn
      hidden: 2
decoder:
  input: { vocab: 5, embedding: 2 }
  layers:
    - cell: lstm
      hidden: 4
    - cell: gru
      hidden: 3
  bridge: true
output:
  mode: encoder-decoder
  head: softmax
  size: 5
  length: 5
  start: 2
training:
  loss: cross_entropy
  optimizer: adam
  learning_rate: 0.01
""",
    "Seq2SeqVectors": """\
# Encoder-decoder, vectors to vectors: rnn encoder, bridge, gru decoder reading its previous output (zeros first), linear head, mse.
model: Seq2SeqVectors
namespace: RnnGen.Tests.Models
precision: float32
sequence: 4
encoder:
  input: 3
  layers:
    - cell: rnn
      hidden: 4
decoder:
  input: 2
  layers:
    - cell: gru
      hidden: 4
  bridge: true
output:
  mode: encoder-decoder
  head: linear
  size: 2
  length: 4
training:
  loss: mse
  optimizer: adam
  learning_rate: 0.01
""",
    "Seq2SeqVectorsSigmoid": """\
# Encoder-decoder, vectors to probabilities: bidirectional gru encoder, merge concat (3+3) into a gru 6 decoder fed its previous probabilities, binary_cross_entropy.
model: Seq2SeqVectorsSigmoid
namespace: RnnGen.Tests.Models
precision: float32
sequence: 4
encoder:
  input: 3
  layers:
    - cell: gru
      hidden: 3
      direction: bidirectional
  merge: concat
decoder:
  input: 2
  layers:
    - cell: gru
      hidden: 6
output:
  mode: encoder-decoder
  head: sigmoid
  size: 2
  length: 4
training:
  loss: binary_cross_entropy
  optimizer: adam
  learning_rate: 0.01
""",
}


def _float64_twin(name: str, text: str) -> tuple:
    twin = name + "64"
    text = text.replace(f"model: {name}\n", f"model: {twin}\n").replace("precision: float32", "precision: float64")
    first, rest = text.split("\n", 1)
    return twin, first.rstrip(".") + "; float64.\n" + rest


for _name in ("Seq2SeqBridge", "Seq2SeqVectors"):
    _twin, _text = _float64_twin(_name, FIXTURES[_name])
    FIXTURES[_twin] = _text
FIXTURES = dict(sorted(FIXTURES.items()))


class Unsuitable(Exception):
    """The draw cannot test what the spec covers: draw again."""


def require(condition: bool, message: str) -> None:
    if not condition:
        raise Unsuitable(message)


# ---------------------------------------------------------------------------------------------
# The parameter list of docs/encoder-decoder.md ("Parameter names"), built from the spec alone
# ---------------------------------------------------------------------------------------------

def _layer_names(prefix: str, layers: list, width: int) -> tuple:
    names = []
    gates = {"rnn": 1, "lstm": 4, "gru": 3}
    for k, layer in enumerate(layers):
        H = layer["hidden"]
        P = layer.get("projection") or 0
        R = P or H
        G = gates[layer["cell"]] * H
        directions = ["", "_reverse"] if layer["direction"] == "bidirectional" else [""]
        for suffix in directions:
            names += [(f"{prefix}.layers.{k}.weight_ih_l0{suffix}", [G, width]),
                      (f"{prefix}.layers.{k}.weight_hh_l0{suffix}", [G, R])]
            if layer["bias"]:
                names += [(f"{prefix}.layers.{k}.bias_ih_l0{suffix}", [G]),
                          (f"{prefix}.layers.{k}.bias_hh_l0{suffix}", [G])]
            if P:
                names.append((f"{prefix}.layers.{k}.weight_hr_l0{suffix}", [P, H]))
        width = len(directions) * R
    return names, width


def expected_parameters(spec: dict) -> list:
    names = []
    enc, dec = spec["encoder"], spec["decoder"]
    width = enc["input"]
    if isinstance(width, dict):
        names.append(("encoder.embedding.weight", [width["vocab"], width["embedding"]]))
        width = width["embedding"]
    layer_names, _ = _layer_names("encoder", enc["layers"], width)
    names += layer_names
    if dec["bridge"]:
        E = sum((2 if l["direction"] == "bidirectional" else 1) * (l.get("projection") or l["hidden"])
                for l in enc["layers"])
        hidden = sum(l.get("projection") or l["hidden"] for l in dec["layers"])
        cell = sum(l["hidden"] for l in dec["layers"] if l["cell"] == "lstm")
        names += [("bridge.hidden.weight", [hidden, E]), ("bridge.hidden.bias", [hidden])]
        if cell:
            names += [("bridge.cell.weight", [cell, E]), ("bridge.cell.bias", [cell])]
    width = dec["input"]
    if isinstance(width, dict):
        names.append(("decoder.embedding.weight", [width["vocab"], width["embedding"]]))
        width = width["embedding"]
    layer_names, width = _layer_names("decoder", dec["layers"], width)
    names += layer_names
    if spec["output"]["head"] != "none":
        names += [("head.weight", [spec["output"]["size"], width]), ("head.bias", [spec["output"]["size"]])]
    return names


# ---------------------------------------------------------------------------------------------
# The naive reference: one sequence, one step, one vector at a time, from the cell equations
# ---------------------------------------------------------------------------------------------

MISTAKES = {
    "zero_initial": "the decoder starts from zero states, not the encoder's",
    "ignore_lengths": "the encoder runs all T steps, not the sequence's length",
    "reverse_from_T": "the reverse direction starts at step T-1, not length-1",
    "merge_swapped": "concat merges [h_bwd, h_fwd]",
    "bridge_no_tanh": "the bridge without its tanh",
    "bridge_swapped": "the bridge's e puts the reverse direction first",
    "c0_zero": "lstm decoder layers start from c = 0",
    "step0_token0": "step 0 reads token 0, not start",
    "ignored_as_start": "a -100 target is read back as start, not stop",
    "ignored_as_token0": "a -100 target is read back as token 0",
    "teacher_current": "teacher step t reads target[t], not target[t-1]",
    "ce_all_steps": "cross_entropy divides by all L steps, not the valid ones",
    "greedy_restarts": "each greedy step reads start (or zeros), not the previous choice",
    "greedy_logits": "greedy feeds back the logits, not the sigmoid's probabilities",
}


def applicable_mistakes(spec: dict) -> list:
    enc, dec, out = spec["encoder"], spec["decoder"], spec["output"]
    bidi = any(l["direction"] == "bidirectional" for l in enc["layers"])
    tokens = isinstance(dec["input"], dict)
    read_back = None if not tokens else (out["stop"] if out["stop"] is not None else out["start"])
    result = ["zero_initial", "ignore_lengths", "teacher_current", "greedy_restarts"]
    if bidi:
        result.append("reverse_from_T")
    if bidi and not dec["bridge"] and enc["merge"] == "concat":
        result.append("merge_swapped")
    if dec["bridge"]:
        result.append("bridge_no_tanh")
        if bidi:
            result.append("bridge_swapped")
    if any(l["cell"] == "lstm" for l in dec["layers"]):
        result.append("c0_zero")
    if tokens and out["start"] != 0:
        result.append("step0_token0")
    if tokens and out["stop"] is not None:
        result.append("ignored_as_start")
    if tokens and read_back != 0:
        result.append("ignored_as_token0")
    if tokens:
        result.append("ce_all_steps")
    if out["head"] == "sigmoid":
        result.append("greedy_logits")
    return result


def sigmoid(v):
    return 1.0 / (1.0 + torch.exp(-v))


def naive_cell(layer: dict, p: dict, prefix: str, x, h, c):
    """One step of one direction: (h, c) from the input vector x and the previous h, c (c None for rnn/gru)."""
    W_ih, W_hh = p[prefix + "weight_ih"], p[prefix + "weight_hh"]
    G = W_ih.shape[0]
    b_ih = p.get(prefix + "bias_ih", torch.zeros(G, dtype=x.dtype))
    b_hh = p.get(prefix + "bias_hh", torch.zeros(G, dtype=x.dtype))
    gx = torch.mv(W_ih, x) + b_ih
    gh = torch.mv(W_hh, h) + b_hh
    if layer["cell"] == "rnn":
        a = gx + gh
        return (torch.tanh(a) if layer["activation"] == "tanh" else torch.clamp(a, min=0.0)), None
    H = layer["hidden"]
    if layer["cell"] == "lstm":
        assert not layer["peepholes"] and layer["cell_clip"] is None, "the naive loop has no peepholes or clip"
        a = gx + gh
        i, f, g, o = sigmoid(a[:H]), sigmoid(a[H:2 * H]), torch.tanh(a[2 * H:3 * H]), sigmoid(a[3 * H:])
        c = f * c + i * g
        h = o * torch.tanh(c)
        if prefix + "weight_hr" in p:
            h = torch.mv(p[prefix + "weight_hr"], h)
        return h, c
    r = sigmoid(gx[:H] + gh[:H])
    z = sigmoid(gx[H:2 * H] + gh[H:2 * H])
    if layer["reset"] == "after":
        n = torch.tanh(gx[2 * H:] + r * gh[2 * H:])
    else:
        n = torch.tanh(gx[2 * H:] + torch.mv(W_hh[2 * H:], r * h) + b_hh[2 * H:])
    return (1 - z) * n + z * h, None


def _pfx(p: dict, stack: str, k: int, suffix: str) -> dict:
    """The layer's tensors under short names (weight_ih, ...) for naive_cell."""
    head = f"{stack}.layers.{k}."
    short = {}
    for name, t in p.items():
        if name.startswith(head) and name.endswith("_l0" + suffix) and "_l0" + suffix == name[name.rindex("_l0"):]:
            short["L." + name[len(head):name.rindex("_l0")]] = t
    return short


def naive_encoder(spec: dict, p: dict, xs: list, length: int, mistakes: set) -> list:
    """Per encoder layer, per direction, the final (h, c) for one sequence xs (T input vectors)."""
    T = len(xs)
    steps = T if "ignore_lengths" in mistakes else length
    inputs = list(xs)
    finals = []
    for k, layer in enumerate(spec["encoder"]["layers"]):
        R = layer.get("projection") or layer["hidden"]
        suffixes = ["", "_reverse"] if layer["direction"] == "bidirectional" else [""]
        outputs, layer_finals = [], []
        for suffix in suffixes:
            p_l = _pfx(p, "encoder", k, suffix)
            h = torch.zeros(R, dtype=torch.float64)
            c = torch.zeros(layer["hidden"], dtype=torch.float64) if layer["cell"] == "lstm" else None
            out = [torch.zeros(R, dtype=torch.float64) for _ in range(T)]
            if suffix == "":
                order = range(steps)
            else:
                order = range((T if "reverse_from_T" in mistakes else steps) - 1, -1, -1)
            for t in order:
                h, c = naive_cell(layer, p_l, "L.", inputs[t], h, c)
                out[t] = h
            outputs.append(out)
            layer_finals.append((h, c))
        inputs = [torch.cat([o[t] for o in outputs]) for t in range(T)]
        finals.append(layer_finals)
    return finals


def naive_initial(spec: dict, p: dict, finals: list, mistakes: set) -> list:
    """Per decoder layer (h0, c0 or None)."""
    dec_layers = spec["decoder"]["layers"]
    if "zero_initial" in mistakes:
        return [(torch.zeros(l.get("projection") or l["hidden"], dtype=torch.float64),
                 torch.zeros(l["hidden"], dtype=torch.float64) if l["cell"] == "lstm" else None) for l in dec_layers]
    result = []
    if spec["decoder"]["bridge"]:
        parts = []
        for layer_finals in finals:
            hs = [h for h, _ in layer_finals]
            parts += hs[::-1] if "bridge_swapped" in mistakes else hs
        e = torch.cat(parts)
        act = (lambda v: v) if "bridge_no_tanh" in mistakes else torch.tanh
        h_all = act(torch.mv(p["bridge.hidden.weight"], e) + p["bridge.hidden.bias"])
        c_all = act(torch.mv(p["bridge.cell.weight"], e) + p["bridge.cell.bias"]) if "bridge.cell.weight" in p else None
        h_at = c_at = 0
        for l in dec_layers:
            R = l.get("projection") or l["hidden"]
            h0 = h_all[h_at:h_at + R]
            h_at += R
            c0 = None
            if l["cell"] == "lstm":
                c0 = c_all[c_at:c_at + l["hidden"]]
                c_at += l["hidden"]
            result.append((h0, c0))
        assert h_at == len(h_all) and (c_all is None or c_at == len(c_all))
    else:
        for layer_finals, l in zip(finals, dec_layers):
            hs = [h for h, _ in layer_finals]
            cs = [c for _, c in layer_finals]
            if spec["encoder"]["merge"] == "sum":
                h0 = sum(hs[1:], hs[0])
                c0 = sum(cs[1:], cs[0]) if l["cell"] == "lstm" else None
            else:
                if "merge_swapped" in mistakes:
                    hs, cs = hs[::-1], cs[::-1]
                h0 = torch.cat(hs)
                c0 = torch.cat(cs) if l["cell"] == "lstm" else None
            result.append((h0, c0))
    if "c0_zero" in mistakes:
        result = [(h, None if c is None else torch.zeros_like(c)) for h, c in result]
    return result


def naive_decoder_step(spec: dict, p: dict, states: list, x):
    """One decoder step from the input vector x: (logits, output row, new states)."""
    new = []
    for k, layer in enumerate(spec["decoder"]["layers"]):
        h, c = naive_cell(layer, _pfx(p, "decoder", k, ""), "L.", x, *states[k])
        new.append((h, c))
        x = h
    head = spec["output"]["head"]
    z = x if head == "none" else torch.mv(p["head.weight"], x) + p["head.bias"]
    if head == "sigmoid":
        y = sigmoid(z)
    elif head == "softmax":
        e = torch.exp(z - z.max())
        y = e / e.sum()
    else:
        y = z
    return z, y, new


def first_max(values) -> int:
    best = 0
    for i in range(1, len(values)):
        if values[i] > values[best]:
            best = i
    return best


def _encoder_vectors(spec: dict, p: dict, x_n) -> list:
    inp = spec["encoder"]["input"]
    if isinstance(inp, dict):
        return [p["encoder.embedding.weight"][int(tok)] for tok in x_n]
    return [x_n[t] for t in range(x_n.shape[0])]


def _decoder_vector(spec: dict, p: dict, item):
    if isinstance(spec["decoder"]["input"], dict):
        return p["decoder.embedding.weight"][int(item)]
    return item


def naive_sequence(spec: dict, p: dict, x_n, length: int, target_n, mistakes: set = frozenset()) -> dict:
    """One sequence: initial states, teacher-forced rows and logits, loss, greedy rows."""
    out = spec["output"]
    tokens = isinstance(spec["decoder"]["input"], dict)
    L = out["length"]
    finals = naive_encoder(spec, p, _encoder_vectors(spec, p, x_n), length, mistakes)
    initial = naive_initial(spec, p, finals, mistakes)
    start = (0 if "step0_token0" in mistakes else out["start"]) if tokens else \
        torch.zeros(spec["decoder"]["input"], dtype=torch.float64)

    # Teacher forcing.
    states, rows, logits = initial, [], []
    for t in range(L):
        if t == 0:
            item = start
        else:
            source = t if "teacher_current" in mistakes else t - 1
            if tokens:
                item = int(target_n[source])
                if item == rt.IGNORE_INDEX:
                    if "ignored_as_token0" in mistakes:
                        item = 0
                    elif "ignored_as_start" in mistakes or out["stop"] is None:
                        item = out["start"]
                    else:
                        item = out["stop"]
            else:
                item = target_n[source]
        z, y, states = naive_decoder_step(spec, p, states, _decoder_vector(spec, p, item))
        rows.append(y)
        logits.append(z)

    loss_name = spec["training"]["loss"]
    if loss_name == "cross_entropy":
        terms = []
        for t in range(L):
            k = int(target_n[t])
            if k != rt.IGNORE_INDEX:
                z = logits[t]
                terms.append(z.max() + torch.log(torch.exp(z - z.max()).sum()) - z[k])
        loss = sum(terms[1:], terms[0]) / (L if "ce_all_steps" in mistakes else len(terms))
    elif loss_name == "binary_cross_entropy":
        z, t_ = torch.stack(logits), target_n
        loss = (torch.clamp(z, min=0.0) - z * t_ + torch.log(1 + torch.exp(-z.abs()))).mean()
    else:
        loss = ((torch.stack(rows) - target_n) ** 2).mean()

    # Greedy: the first maximum picked by hand, or the row itself, fed back.
    states, greedy, gaps = initial, [], []
    item = start
    for t in range(L):
        z, y, states = naive_decoder_step(spec, p, states, _decoder_vector(spec, p, item))
        greedy.append(y)
        if "greedy_restarts" in mistakes:
            item = start
        elif tokens:
            values = [float(v) for v in y]
            item = first_max(values)
            ordered = sorted(values, reverse=True)
            gaps.append(ordered[0] - ordered[1])
        else:
            item = z if "greedy_logits" in mistakes else y
    initial_h = torch.cat([h for h, _ in initial])
    cells = [c for _, c in initial if c is not None]
    return {"teacher": torch.stack(rows), "loss": loss, "greedy": torch.stack(greedy), "gaps": gaps,
            "h0": initial_h, "c0": torch.cat(cells) if cells else torch.zeros(0, dtype=torch.float64),
            "finals": finals}


def naive_all(spec: dict, params: dict, x, lengths, target, mistakes: set = frozenset(), grads: bool = True) -> dict:
    """The naive reference over the batch: teacher [N, L, O], greedy, losses [N], initial states and
    (with `grads`) the gradient of the summed losses for every parameter (autograd through the loop)."""
    p = {k: v.detach().clone().requires_grad_(grads) for k, v in params.items()}
    results = [naive_sequence(spec, p, x[n], int(lengths[n]), target[n], mistakes) for n in range(x.shape[0])]
    losses = torch.stack([r["loss"] for r in results])
    gradients = {}
    if grads:
        g = torch.autograd.grad(losses.sum(), list(p.values()), allow_unused=True)
        gradients = {k: (torch.zeros_like(v) if gv is None else gv) for (k, v), gv in zip(p.items(), g)}
    return {"teacher": torch.stack([r["teacher"] for r in results]).detach(),
            "greedy": torch.stack([r["greedy"] for r in results]).detach(),
            "loss": losses.detach(), "grad": gradients,
            "h0": torch.stack([r["h0"] for r in results]).detach(),
            "c0": torch.stack([r["c0"] for r in results]).detach(),
            "gaps": [gap for r in results for gap in r["gaps"]],
            "finals": [r["finals"] for r in results]}


# ---------------------------------------------------------------------------------------------
# The mirror's side
# ---------------------------------------------------------------------------------------------

def model_with(spec: dict, stored: dict, dtype=torch.float64, sequence: int | None = None) -> rt.EncoderDecoderModel:
    if sequence is not None:
        spec = {**spec, "sequence": sequence}
    model = rt.EncoderDecoderModel(spec).to(dtype).eval()
    with torch.no_grad():
        for key, param in model.state_dict().items():
            param.copy_(stored[key].to(dtype))
    return model


def mirror_results(model: rt.EncoderDecoderModel, x, lengths, target) -> dict:
    """Teacher outputs, losses, the per-sequence gradients summed (one backward pass per sequence, as
    AccumulateGradients), greedy outputs and initial states."""
    model.zero_grad()
    losses = []
    for n in range(x.shape[0]):
        loss = rt.seq2seq_losses(model, x[n:n + 1], target[n:n + 1], lengths[n:n + 1])[0]
        loss.backward()
        losses.append(loss.detach())
    grads = {k: p.grad.detach().clone() for k, p in model.named_parameters()}
    with torch.no_grad():
        teacher = model(x, target, lengths)
        greedy = model.predict(x, lengths)
        h0, c0 = model.initial_states(x, lengths)
    return {"teacher": teacher, "greedy": greedy, "loss": torch.stack(losses), "grad": grads, "h0": h0, "c0": c0}


def _functional_losses(model, params: dict, x, lengths, target):
    """seq2seq_losses with every parameter replaced by the tensor of `params` (for gradcheck).

    torch.nn.utils.stateless.functional_call does not reach the weights of PyTorch's own nn.RNN,
    nn.LSTM and nn.GRU in 1.13 (they run on the `_flat_weights` list they cached), so the tensors are
    swapped by hand and each stock module's `_flat_weights` rebuilt from them, then restored."""
    modules = dict(model.named_modules())
    originals = {}
    recurrent = [m for m in model.modules() if isinstance(m, nn.RNNBase)]
    flat = [m._flat_weights for m in recurrent]
    try:
        for name, value in params.items():
            owner, attr = name.rsplit(".", 1)
            originals[name] = modules[owner]._parameters[attr]
            modules[owner]._parameters[attr] = value
        for m in recurrent:
            m._flat_weights = [getattr(m, n) for n in m._flat_weights_names]
        return rt.seq2seq_losses(model, x, target, lengths)
    finally:
        for name, original in originals.items():
            owner, attr = name.rsplit(".", 1)
            modules[owner]._parameters[attr] = original
        for m, weights in zip(recurrent, flat):
            m._flat_weights = weights


def run_gradcheck(model, x, lengths, target, expected: dict) -> int:
    """gradcheck of the N losses w.r.t. every parameter; first makes sure the swapped tensors are the
    ones used: autograd through the swap gives the mirror's summed gradients."""
    names = [k for k, _ in model.named_parameters()]
    values = tuple(p.detach().clone().requires_grad_(True) for _, p in model.named_parameters())

    def f(*vals):
        return _functional_losses(model, dict(zip(names, vals)), x, lengths, target)

    grads = torch.autograd.grad(f(*values).sum(), values)
    for name, g in zip(names, grads):
        assert _rel(g, expected[name]) <= GRAD_TOLERANCE, f"gradcheck's function does not use {name}"
    assert torch.autograd.gradcheck(f, values, eps=1e-6, atol=1e-7, rtol=1e-5), "gradcheck failed"
    return sum(v.numel() for v in values)


def loss_modules(model, x, lengths, target) -> torch.Tensor:
    """Each sequence's loss by PyTorch's own loss module on the mirror's logits or outputs."""
    loss = model.spec["training"]["loss"]
    with torch.no_grad():
        logits = model.logits(x, target, lengths)
        outputs = model(x, target, lengths)
    values = []
    for n in range(x.shape[0]):
        if loss == "cross_entropy":
            values.append(nn.CrossEntropyLoss(ignore_index=rt.IGNORE_INDEX)(logits[n], target[n]))
        elif loss == "binary_cross_entropy":
            values.append(nn.BCEWithLogitsLoss()(logits[n], target[n]))
        else:
            values.append(nn.MSELoss()(outputs[n], target[n]))
    return torch.stack(values)


def semantics_from_outputs(spec: dict, stored: dict, x, lengths) -> tuple:
    """The decoder's initial states from the encoder's per-step outputs (stock modules run on each
    sequence truncated to its length, no packing): h_fwd at step length-1, h_bwd at step 0, merged or
    bridged by hand. Compares with `initial_states` without going through h_n."""
    hs, cs = [], []
    for n in range(x.shape[0]):
        length = int(lengths[n])
        model = model_with(spec, stored, sequence=length)
        h = model.encoder.embed(x[n:n + 1, :length], length, "encoder input")
        per_layer = []
        for layer, spec_layer in zip(model.encoder.layers, spec["encoder"]["layers"]):
            out, state = layer(h)
            R = spec_layer.get("projection") or spec_layer["hidden"]
            directions = [out[0, length - 1, :R]]
            if spec_layer["direction"] == "bidirectional":
                directions.append(out[0, 0, R:])
            cell = None
            if isinstance(state, tuple):  # c has no per-step output: c_n of the unpacked truncated run
                cell = [state[1][d, 0] for d in range(len(directions))]
            per_layer.append((directions, cell))
            h = out
        if spec["decoder"]["bridge"]:
            e = torch.cat([v for directions, _ in per_layer for v in directions])
            h0 = torch.tanh(stored["bridge.hidden.weight"].double() @ e + stored["bridge.hidden.bias"].double())
            c0 = torch.tanh(stored["bridge.cell.weight"].double() @ e + stored["bridge.cell.bias"].double()) \
                if "bridge.cell.weight" in stored else torch.zeros(0, dtype=torch.float64)
        else:
            merge = (lambda vs: torch.cat(vs)) if spec["encoder"]["merge"] == "concat" else (lambda vs: sum(vs[1:], vs[0]))
            h0 = torch.cat([merge(directions) for directions, _ in per_layer])
            cells = [merge(cell) for (_, cell), l in zip(per_layer, spec["decoder"]["layers"]) if l["cell"] == "lstm"]
            c0 = torch.cat(cells) if cells else torch.zeros(0, dtype=torch.float64)
        hs.append(h0)
        cs.append(c0)
    return torch.stack(hs).detach(), torch.stack(cs).detach()


def truncated_results(spec: dict, stored: dict, x, lengths, target) -> dict:
    """Each sequence cut to its length and run alone by a model of T = length (no lengths at all)."""
    teacher, greedy, losses, grads = [], [], [], None
    for n in range(x.shape[0]):
        length = int(lengths[n])
        model = model_with(spec, stored, sequence=length)
        xn = x[n:n + 1, :length]
        loss = rt.seq2seq_losses(model, xn, target[n:n + 1])[0]
        loss.backward()
        losses.append(loss.detach())
        g = {k: p.grad.detach() for k, p in model.named_parameters()}
        grads = g if grads is None else {k: grads[k] + g[k] for k in g}
        with torch.no_grad():
            teacher.append(model(xn, target[n:n + 1])[0])
            greedy.append(model.predict(xn)[0])
    return {"teacher": torch.stack(teacher), "greedy": torch.stack(greedy), "loss": torch.stack(losses), "grad": grads}


def _diff(a, b) -> float:
    return (a - b).abs().max().item() if a.numel() else 0.0


def _rel(a, b) -> float:
    return ((a - b).abs() / (1 + b.abs())).max().item() if a.numel() else 0.0


def _compare(a: dict, b: dict, keys=("teacher", "greedy", "loss")) -> tuple:
    forward = max(_diff(a[k], b[k]) for k in keys)
    grads = max([_rel(a["grad"][k], b["grad"][k]) for k in b["grad"]] + [_rel(a["loss"], b["loss"])])
    return forward, grads


def _factor(wrong: dict, right: dict, precision: str) -> float:
    absolute, relative = PARITY_TOLERANCE[precision]
    worst = 0.0
    pairs = [(wrong[k], right[k]) for k in ("teacher", "greedy", "loss")]
    pairs += [(wrong["grad"][k], right["grad"][k]) for k in right["grad"]]
    for w, r in pairs:
        if r.numel():
            worst = max(worst, ((w - r).abs() / (absolute + relative * r.abs())).max().item())
    return worst


# ---------------------------------------------------------------------------------------------
# Drawing a fixture
# ---------------------------------------------------------------------------------------------

def draw_seed(name: str, draw: int) -> int:
    return zlib.crc32((name if draw == 0 else f"{name}#{draw}").encode("utf-8"))


def fixture_lengths(T: int) -> torch.Tensor:
    middle = T - 2 if T - 2 != 2 else 3
    return torch.tensor([T, middle, 2], dtype=torch.int64)


def draw_input(spec: dict, g: torch.Generator, dtype) -> torch.Tensor:
    T = spec["sequence"]
    inp = spec["encoder"]["input"]
    if isinstance(inp, dict):
        return torch.randint(0, inp["vocab"], (BATCH, T), generator=g)
    return torch.randn(BATCH, T, inp, generator=g, dtype=dtype).double()


def draw_target(spec: dict, g: torch.Generator, dtype) -> torch.Tensor:
    """cross_entropy: sequence 0 all L steps valid; sequence 1 a -100 at step 1 followed by valid steps
    (so the decoder reads back stop, or start, where it matters); sequence 2 ends with stop (when
    the spec has one) and then -100. Others: N(0, 1) for a linear head, U(0, 1) for sigmoid with a
    third rounded to exactly 0 or 1."""
    out = spec["output"]
    L, size = out["length"], out["size"]
    loss = spec["training"]["loss"]
    if loss == "cross_entropy":
        target = torch.randint(0, size, (BATCH, L), generator=g)
        target[1, 1] = rt.IGNORE_INDEX
        if out["stop"] is not None:
            target[2, L - 2] = out["stop"]
        target[2, L - 1] = rt.IGNORE_INDEX
        return target
    shape = (BATCH, L, size)
    if loss == "binary_cross_entropy":
        target = torch.rand(shape, generator=g, dtype=dtype).flatten()
        exact = torch.randperm(target.numel(), generator=g)[:max(1, target.numel() // 3)]
        target[exact] = target[exact].round()
        return target.reshape(shape).double()
    return torch.randn(shape, generator=g, dtype=dtype).double()


def decode_patterns(spec: dict, g: torch.Generator) -> torch.Tensor:
    """[N, L] the tokens a token decoder is trained to decode greedily from the fixture's inputs (random
    weights decode one token over and over): random classes other than start and stop, not all one
    token; with a stop token, sequence 0 never writes it (Decode's count L), sequence 1 writes it at
    step L-2 and sequence 2 at step 1 (counts L-1 and 2), each then going on with other tokens, as
    Predict does."""
    out = spec["output"]
    L, V, stop = out["length"], out["size"], out["stop"]
    free = [t for t in range(V) if t not in (out["start"], stop)]
    rows = []
    for n in range(BATCH):
        row = [free[i] for i in torch.randint(0, len(free), (L,), generator=g).tolist()]
        if len(set(row)) == 1:
            row[-1] = free[(free.index(row[-1]) + 1) % len(free)]
        if stop is not None and n > 0:
            row[L - 2 if n == 1 else 1] = stop
        rows.append(row)
    require(len({tuple(r) for r in rows}) == BATCH, f"two decode patterns are the same: {rows}")
    return torch.tensor(rows, dtype=torch.int64)


def train_to_decode(spec: dict, model: rt.EncoderDecoderModel, x, lengths, patterns) -> int:
    """Trains the drawn weights of a token decoder until greedy decoding of the fixture's inputs writes
    `patterns`, every chosen token leading the others by more than TRAIN_LEAD: Adam (TRAIN_LEARNING_RATE)
    on the mean teacher-forcing loss of the three sequences with the patterns as targets, in float64
    (teacher forcing on the patterns is greedy decoding once it writes them); then the weights are
    rounded to the spec's precision. Returns the steps taken."""
    twin = model_with(spec, dict(model.state_dict()))
    optimizer = torch.optim.Adam(twin.parameters(), lr=TRAIN_LEARNING_RATE)
    for step in range(TRAIN_MAX_STEPS + 1):
        with torch.no_grad():
            probabilities = twin(x, patterns, lengths)
            right = probabilities.gather(2, patterns.unsqueeze(2))[..., 0]
            others = probabilities.scatter(2, patterns.unsqueeze(2), -1.0).max(dim=2).values
        if bool((right - others > TRAIN_LEAD).all()):
            break
        require(step < TRAIN_MAX_STEPS, f"{TRAIN_MAX_STEPS} steps of training did not teach the decode patterns")
        optimizer.zero_grad()
        rt.seq2seq_losses(twin, x, patterns, lengths).mean().backward()
        optimizer.step()
    with torch.no_grad():
        for key, param in model.state_dict().items():
            param.copy_(twin.state_dict()[key].to(param.dtype))
    return step


def build_fixture(name: str, text: str, draw: int) -> dict:
    spec = rt.normalize_spec(yaml.safe_load(text))
    assert spec["model"] == name
    assert text.startswith("# "), f"{name}: the spec's first line must say what it covers"
    precision = spec["precision"]
    dtype = torch.float32 if precision == "float32" else torch.float64
    seed = draw_seed(name, draw)
    torch.manual_seed(seed)
    model = rt.EncoderDecoderModel(spec).eval()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in model.state_dict().values():
            param.uniform_(-WEIGHT_RANGE, WEIGHT_RANGE, generator=g)
    names = [(k, list(t.shape)) for k, t in model.state_dict().items()]
    assert names == expected_parameters(spec), f"{name}: {names} is not the doc's {expected_parameters(spec)}"
    assert all(t.dtype == dtype for t in model.state_dict().values())

    x = draw_input(spec, g, dtype)
    lengths = fixture_lengths(spec["sequence"])
    tokens = isinstance(spec["decoder"]["input"], dict)
    x_model = x.long() if isinstance(spec["encoder"]["input"], dict) else x
    patterns, trained = None, None
    if tokens:
        patterns = decode_patterns(spec, g)
        trained = train_to_decode(spec, model, x_model, lengths, patterns)
    target = draw_target(spec, g, dtype)
    weight_bytes = rt.safetensors_bytes(dict(model.state_dict()), rt.model_metadata(name))
    stored, metadata = rt.parse_safetensors(weight_bytes)
    assert metadata == rt.model_metadata(name)

    reference = model_with(spec, stored)
    mirror = mirror_results(reference, x_model, lengths, target)
    float64_params = {k: t.double() for k, t in stored.items()}
    naive = naive_all(spec, float64_params, x, lengths, target)

    report = {"name": name, "draw": draw, "precision": precision, "trained": trained,
              "max_weight": max(t.abs().max().item() for t in stored.values())}
    report["naive"] = _compare(mirror, naive)
    report["states"] = max(_diff(mirror["h0"], naive["h0"]), _diff(mirror["c0"], naive["c0"]))
    assert report["naive"][0] <= NAIVE_TOLERANCE and report["states"] <= NAIVE_TOLERANCE, \
        f"{name}: mirror vs naive loop {report['naive']} {report['states']}"
    assert report["naive"][1] <= GRAD_TOLERANCE, f"{name}: gradients vs naive loop {report['naive'][1]}"

    h0, c0 = semantics_from_outputs(spec, stored, x_model, lengths)
    report["semantics"] = max(_diff(mirror["h0"], h0), _diff(mirror["c0"], c0))
    assert report["semantics"] <= NAIVE_TOLERANCE, f"{name}: merge/bridge from outputs {report['semantics']}"

    truncated = truncated_results(spec, stored, x_model, lengths, target)
    report["truncated"] = _compare(mirror, truncated)
    assert max(report["truncated"]) <= GRAD_TOLERANCE, f"{name}: truncated runs differ {report['truncated']}"

    modules = loss_modules(reference, x_model, lengths, target)
    report["modules"] = _rel(mirror["loss"], modules)
    assert report["modules"] <= GRAD_TOLERANCE, f"{name}: losses vs PyTorch's loss modules {report['modules']}"

    reference.zero_grad()
    rt.seq2seq_losses(reference, x_model, target, lengths).sum().backward()
    report["summed"] = max(_rel(mirror["grad"][k], p.grad) for k, p in reference.named_parameters())
    assert report["summed"] <= GRAD_TOLERANCE, f"{name}: per-sequence vs batch gradients {report['summed']}"
    reference.zero_grad()

    report["gradcheck"] = run_gradcheck(reference, x_model, lengths, target, mirror["grad"])

    # Teacher forcing fed the greedy choices is greedy decoding.
    greedy = mirror["greedy"]
    with torch.no_grad():
        fed = greedy.argmax(dim=2) if tokens else greedy
        report["teacher_greedy"] = _diff(reference(x_model, fed, lengths), greedy)
    assert report["teacher_greedy"] <= NAIVE_TOLERANCE, f"{name}: teacher forcing on greedy choices differs"

    # What the draw must exercise.
    count = None
    if tokens:
        gap = min(naive["gaps"])
        report["gap"] = gap
        require(gap > GAP_MARGIN, f"a greedy step's top two probabilities are {gap:.3g} apart")
        choices, count = reference.decode(x_model, lengths)
        report["tokens"] = choices.tolist()
        report["count"] = count.tolist()
        require(torch.equal(choices, patterns), f"greedy decodes {choices.tolist()}, not {patterns.tolist()}")
        require(all(len(set(row)) > 1 for row in choices.tolist()), f"a sequence decodes one token only: {choices.tolist()}")
        require(len({tuple(r) for r in choices.tolist()}) == BATCH, f"two sequences decode the same tokens")
        if spec["output"]["stop"] is not None:
            L = spec["output"]["length"]
            require(any(c < L for c in count.tolist()), f"no sequence decodes stop before step L: {choices.tolist()}")
            require(any(c == L for c in count.tolist()), f"every sequence decodes stop: {choices.tolist()}")
        expected_count = []
        for row in choices.tolist():  # Decode's count written out
            stop = spec["output"]["stop"]
            expected_count.append(row.index(stop) + 1 if stop is not None and stop in row else len(row))
        assert count.tolist() == expected_count

    catches = {}
    for mistake in applicable_mistakes(spec):
        wrong = naive_all(spec, float64_params, x, lengths, target, {mistake})
        factor = _factor(wrong, naive, precision)
        require(factor > CATCH_FACTOR, f"the fixture cannot tell ({MISTAKES[mistake]}): {factor:.3g}x the tolerance")
        catches[mistake] = factor
    report["catches"] = catches

    # PyTorch in the spec's own precision, in units of the parity tolerance (for scale only).
    if precision == "float32":
        own = model_with(spec, stored, torch.float32)
        own_results = mirror_results(own, x_model, lengths, target)
        own_results = {k: ({n: g.double() for n, g in v.items()} if isinstance(v, dict) else v.double())
                       for k, v in own_results.items()}
        report["own"] = _factor(own_results, mirror, precision)
    else:
        report["own"] = None

    tensors = {"input": x.double(), "length": lengths.double(), "target": target.double(), "loss": mirror["loss"]}
    for key in stored:
        tensors["grad." + key] = mirror["grad"][key]
    tensors["teacher"] = mirror["teacher"]
    tensors["greedy"] = greedy
    if tokens:
        tensors["tokens"] = greedy.argmax(dim=2).double()
        tensors["count"] = count.double()
    assert all(t.dtype == torch.float64 for t in tensors.values())
    data_bytes = rt.safetensors_bytes({k: v.detach().contiguous() for k, v in tensors.items()},
                                      rt.model_metadata(name))
    back, _ = rt.parse_safetensors(data_bytes)
    assert all(torch.equal(back[k], v.detach()) for k, v in tensors.items())
    assert rt.safetensors_bytes(back, rt.model_metadata(name)) == data_bytes
    report.update({"text": text, "weights": weight_bytes, "data": data_bytes,
                   "largest": max(t.abs().max().item() for k, t in tensors.items() if k.startswith("grad."))})
    return report


def main() -> int:
    torch.set_num_threads(1)  # one summation order, so reruns give identical bytes
    reports = []
    for name, text in FIXTURES.items():
        rejected, report = [], None
        for draw in range(MAX_DRAWS):
            try:
                report = build_fixture(name, text, draw)
                break
            except Unsuitable as e:
                rejected.append(f"draw {draw}: {e}")
        if report is None:
            raise SystemExit(f"{name}: no usable draw in {MAX_DRAWS}:\n  " + "\n  ".join(rejected))
        for reason in rejected:
            print(f"{name}: drawn again after {reason}")
        reports.append(report)

    for r in reports:  # every check passed: write
        (HERE / f"{r['name']}.rnn.yaml").write_text(r["text"], encoding="utf-8", newline="\n")
        (HERE / f"{r['name']}.safetensors").write_bytes(r["weights"])
        (HERE / f"{r['name']}.seq2seq.safetensors").write_bytes(r["data"])

    print(f"encoder-decoder fixtures, float64 (limits: forward {NAIVE_TOLERANCE:g} absolute, losses and gradients "
          f"{GRAD_TOLERANCE:g} of 1 + |x|): mirror vs naive loop (forward: teacher, greedy, losses; gradients), "
          f"initial states vs the naive loop and vs the encoder's outputs merged or bridged by hand, each sequence "
          f"truncated and run alone, losses vs PyTorch's loss modules, per-sequence vs batch gradients, teacher "
          f"forcing on the greedy choices vs greedy; gradcheck over so many parameters; PyTorch float32 in units of "
          f"the parity tolerance")
    print(f"{'model':<24} {'draw':>4} {'naive fwd':>9} {'grad':>8} {'states':>8} {'merge':>8} {'trunc':>8} "
          f"{'modules':>8} {'summed':>8} {'t=greedy':>8} {'gradcheck':>9} {'own prec.':>9} {'max|grad|':>9}")
    for r in reports:
        own = "-" if r["own"] is None else f"{r['own']:.2g}x"
        print(f"{r['name']:<24} {r['draw']:>4} {r['naive'][0]:>9.2g} {r['naive'][1]:>8.2g} {r['states']:>8.2g} "
              f"{r['semantics']:>8.2g} {max(r['truncated']):>8.2g} {r['modules']:>8.2g} {r['summed']:>8.2g} "
              f"{r['teacher_greedy']:>8.2g} {r['gradcheck']:>9} {own:>9} {r['largest']:>9.2g}")
    print("greedy decoding (token decoders): Adam steps to learn the decode patterns; largest |weight|; smallest "
          "lead of a chosen token (float64); tokens; Decode's count")
    for r in reports:
        if "gap" in r:
            print(f"  {r['name']:<24} trained {r['trained']:>4}  max|w| {r['max_weight']:.3g}  gap {r['gap']:.3g}  "
                  f"tokens {r['tokens']}  count {r['count']}")
    print(f"mistakes caught (times the parity tolerance, limit {CATCH_FACTOR:g}x):")
    for r in reports:
        print(f"  {r['name']:<24} " + ", ".join(f"{m} {k:.2g}x" for m, k in r["catches"].items()))
    worst = {
        "naive forward": max(r["naive"][0] for r in reports),
        "naive gradients": max(r["naive"][1] for r in reports),
        "initial states": max(r["states"] for r in reports),
        "merge/bridge from outputs": max(r["semantics"] for r in reports),
        "truncated": max(max(r["truncated"]) for r in reports),
        "loss modules": max(r["modules"] for r in reports),
        "summed gradients": max(r["summed"] for r in reports),
        "teacher on greedy": max(r["teacher_greedy"] for r in reports),
    }
    print("worst: " + ", ".join(f"{k} {v:.2g}" for k, v in worst.items()) +
          f"; smallest catch {min(k for r in reports for k in r['catches'].values()):.3g}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
