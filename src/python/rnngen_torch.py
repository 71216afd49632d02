"""PyTorch mirror of an RnnGen spec.

`RnnGenModel` is the PyTorch model that a `*.rnn.yaml` spec describes, built from
`nn.Embedding`, one single-layer recurrent module per spec layer and `nn.Linear`, so that its
`state_dict` names and shapes are exactly the parameter names of the generated C# class
(docs/python.md). The recurrent modules are PyTorch's own `nn.RNN`/`nn.LSTM`/`nn.GRU` wherever
they can express the layer (`bias: false`, `activation: relu`, `projection` included), and the
custom `LSTMLayer` (peepholes, cell clip) and `GRULayer` (`reset: before`) otherwise, with the
same parameter names. `sequence_losses` computes the training losses of DESIGN.md's loss table,
one per sequence, as the generated class's `AccumulateGradients` does. Both take per-sequence
lengths (PyTorch's packed-sequence semantics) and initial states in the flat layout of
`hidden_state_size`/`cell_state_size`, and `RnnGenModel.run` returns the final states.
A one-to-many (generative) spec is the many-to-many network underneath: `run`, `forward`,
`logits` and `sequence_losses` are that network over T steps (what teacher forcing trains), and
`generate_greedy` (what the generated `Predict` returns), `sample` and `teacher_forcing_loss`
are its generation and training (docs/python.md, "One-to-many").
An encoder-decoder spec (docs/encoder-decoder.md) is `EncoderDecoderModel` (`build_model` builds
either kind): an encoder stack, an optional bridge, a decoder stack and the head, with teacher
forcing (`forward`, `logits`, `seq2seq_losses`) and greedy inference (`predict`, `decode`).
The generated class and this module exchange weights as safetensors files, read and written here
by hand because no safetensors package is available on the project's machines.

Run as a script to inspect a spec:
    python3 src/python/rnngen_torch.py spec.rnn.yaml [--weights w.safetensors] [--init-out out.safetensors]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np
import torch
import yaml
from torch import nn

__all__ = [
    "load_spec",
    "normalize_spec",
    "output_shape",
    "network_length",
    "hidden_state_size",
    "cell_state_size",
    "check_lengths",
    "RnnGenModel",
    "EncoderDecoderModel",
    "build_model",
    "seq2seq_losses",
    "IGNORE_INDEX",
    "sequence_losses",
    "teacher_forcing_loss",
    "generate_greedy",
    "sample",
    "LSTMLayer",
    "GRULayer",
    "build_layer",
    "save_safetensors",
    "load_safetensors",
    "model_metadata",
    "save_model",
    "load_weights",
    "load_model",
]

# ---------------------------------------------------------------------------------------------
# Spec
# ---------------------------------------------------------------------------------------------

_TOP_KEYS = {"model", "namespace", "precision", "input", "sequence", "init", "layers", "output",
             "training", "unroll", "weights", "encoder", "decoder"}
_ENCODER_KEYS = {"input", "layers", "merge"}
_DECODER_KEYS = {"input", "layers", "bridge"}
MAX_OUTPUT_LENGTH = 100000  # encoder-decoder `output.length`: 1..this
_CELL_OPTIONS = {
    "rnn": {"activation"},
    "lstm": {"projection", "peepholes", "cell_clip", "forget_bias"},
    "gru": {"reset"},
}
_LAYER_KEYS = {"cell", "hidden", "direction", "bias"}
_OUTPUT_KEYS = {"mode", "head", "size", "length", "start", "stop"}
_TRAINING_KEYS = {"loss", "optimizer", "learning_rate", "clip_norm", "dropout", "seed", "momentum",
                  "nesterov", "beta1", "beta2", "epsilon", "weight_decay"}
_OPTIMIZER_KEYS = {
    "sgd": {"learning_rate", "weight_decay"},
    "momentum": {"learning_rate", "weight_decay", "momentum", "nesterov"},
    "adam": {"learning_rate", "weight_decay", "beta1", "beta2", "epsilon"},
}
_LOSS_HEADS = {
    "mse": {"none", "linear", "sigmoid", "softmax"},
    "binary_cross_entropy": {"sigmoid"},
    "cross_entropy": {"softmax"},
}


class SpecError(ValueError):
    """A spec that the mirror cannot read: names the key and the fix."""


def _check_keys(where: str, mapping: dict, allowed: set) -> None:
    unknown = sorted(set(mapping) - allowed)
    if unknown:
        raise SpecError(f"{where}: unknown key '{unknown[0]}'; expected one of {', '.join(sorted(allowed))}")


def _int(where: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f"{where}: expected an integer, got {value!r}")
    if value < minimum:
        raise SpecError(f"{where}: must be at least {minimum}, got {value}")
    return value


def _float(where: str, value) -> float:
    # PyYAML follows YAML 1.1, where '1e-3' (no dot) is a string; YamlDotNet reads it as a number.
    if isinstance(value, bool):
        raise SpecError(f"{where}: expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise SpecError(f"{where}: expected a number, got {value!r}")


def _bool(where: str, value) -> bool:
    if not isinstance(value, bool):
        raise SpecError(f"{where}: expected true or false, got {value!r}")
    return value


def _choice(where: str, value, choices: tuple) -> str:
    if value not in choices:
        raise SpecError(f"{where}: unknown value {value!r}; expected {', '.join(choices)}")
    return value


def _mapping(where: str, value) -> dict:
    if not isinstance(value, dict):
        raise SpecError(f"{where}: expected a mapping, got {value!r}")
    return value


def _normalize_layer(index: int, layer, prefix: str = "layers") -> dict:
    where = f"{prefix}[{index}]"
    layer = _mapping(where, layer)
    if "cell" not in layer:
        raise SpecError(f"{where}: missing key 'cell' (rnn, lstm or gru)")
    cell = _choice(f"{where}.cell", layer["cell"], ("rnn", "lstm", "gru"))
    for key in layer:
        for other, options in _CELL_OPTIONS.items():
            if key in options and other != cell:
                raise SpecError(f"{where}.{key}: option of a {other} cell, not of {cell}")
    _check_keys(where, layer, _LAYER_KEYS | _CELL_OPTIONS[cell])
    if "hidden" not in layer:
        raise SpecError(f"{where}: missing key 'hidden'")
    out = {
        "cell": cell,
        "hidden": _int(f"{where}.hidden", layer["hidden"]),
        "direction": _choice(f"{where}.direction", layer.get("direction", "forward"),
                             ("forward", "bidirectional")),
        "bias": _bool(f"{where}.bias", layer.get("bias", True)),
    }
    if cell == "rnn":
        out["activation"] = _choice(f"{where}.activation", layer.get("activation", "tanh"), ("tanh", "relu"))
    elif cell == "lstm":
        out["projection"] = _int(f"{where}.projection", layer.get("projection", 0), minimum=0)
        if out["projection"] >= out["hidden"]:
            raise SpecError(f"{where}.projection: must be smaller than hidden ({out['hidden']})")
        out["peepholes"] = _bool(f"{where}.peepholes", layer.get("peepholes", False))
        clip = layer.get("cell_clip")
        out["cell_clip"] = None if clip is None else _float(f"{where}.cell_clip", clip)
        if out["cell_clip"] is not None and not out["cell_clip"] > 0:
            raise SpecError(f"{where}.cell_clip: must be positive")
        bias = layer.get("forget_bias")
        out["forget_bias"] = None if bias is None else _float(f"{where}.forget_bias", bias)
        if out["forget_bias"] is not None and not out["bias"]:
            raise SpecError(f"{where}.forget_bias: needs biases; remove 'bias: false' or 'forget_bias'")
    else:
        out["reset"] = _choice(f"{where}.reset", layer.get("reset", "after"), ("after", "before"))
    return out


def _normalize_training(training, head: str) -> dict:
    where = "training"
    training = _mapping(where, training)
    _check_keys(where, training, _TRAINING_KEYS)
    for key in ("loss", "optimizer"):
        if key not in training:
            raise SpecError(f"{where}: missing key '{key}'")
    loss = _choice(f"{where}.loss", training["loss"], tuple(_LOSS_HEADS))
    if head not in _LOSS_HEADS[loss]:
        raise SpecError(f"{where}.loss: {loss} does not fit head {head}; "
                        f"use head {' or '.join(sorted(_LOSS_HEADS[loss]))}")
    optimizer = _choice(f"{where}.optimizer", training["optimizer"], tuple(_OPTIMIZER_KEYS))
    allowed = _OPTIMIZER_KEYS[optimizer]
    for key in ("learning_rate", "weight_decay", "momentum", "nesterov", "beta1", "beta2", "epsilon"):
        if key in training and key not in allowed:
            raise SpecError(f"{where}.{key}: not an option of optimizer {optimizer}")
    if optimizer != "adam" and "learning_rate" not in training:
        raise SpecError(f"{where}: optimizer {optimizer} needs 'learning_rate'")
    out = {
        "loss": loss,
        "optimizer": optimizer,
        "learning_rate": _float(f"{where}.learning_rate", training.get("learning_rate", 0.001)),
        "clip_norm": None if training.get("clip_norm") is None
        else _float(f"{where}.clip_norm", training["clip_norm"]),
        "dropout": _float(f"{where}.dropout", training.get("dropout", 0.0)),
        "seed": _int(f"{where}.seed", training.get("seed", 0), minimum=0),
        "weight_decay": _float(f"{where}.weight_decay", training.get("weight_decay", 0.0)),
    }
    if not 0.0 <= out["dropout"] < 1.0:
        raise SpecError(f"{where}.dropout: must be in [0, 1)")
    if optimizer == "momentum":
        out["momentum"] = _float(f"{where}.momentum", training.get("momentum", 0.9))
        out["nesterov"] = _bool(f"{where}.nesterov", training.get("nesterov", False))
    if optimizer == "adam":
        out["beta1"] = _float(f"{where}.beta1", training.get("beta1", 0.9))
        out["beta2"] = _float(f"{where}.beta2", training.get("beta2", 0.999))
        out["epsilon"] = _float(f"{where}.epsilon", training.get("epsilon", 1e-8))
    return out


def _normalize_generation(output: dict, model_input, layers: list, head: str, size) -> dict:
    """`length` and `stop` of a one-to-many spec, whose every output is fed back as the next input:
    so the layers run forward only, and the output lives where the input does (a token model's
    softmax over its vocabulary, a vector model's vector of input features)."""
    if output.get("start") is not None:
        raise NotImplementedError("output.start: a one-to-many model is primed with `sequence` steps; "
                                  "the mirror does not define a start token")
    if "length" not in output:
        raise SpecError("output: missing key 'length' (the number of generated steps) for one-to-many")
    length = _int("output.length", output["length"])
    for index, layer in enumerate(layers):
        if layer["direction"] != "forward":
            raise SpecError(f"layers[{index}].direction: one-to-many generates one step at a time, so every "
                            f"layer must be forward")
    if isinstance(model_input, dict):
        vocab = model_input["vocab"]
        if head != "softmax" or size != vocab:
            raise SpecError(f"output: a one-to-many token model feeds its most probable token back as the next "
                            f"input, so it needs head: softmax with size: {vocab} (the vocab)")
    elif head == "softmax":
        raise SpecError("output.head: a one-to-many model with real-valued input feeds its output back as the "
                        "next input; use head none, linear or sigmoid (softmax needs token input)")
    elif head == "none" and _layer_width(layers[-1]) != model_input:
        raise SpecError(f"output: with head: none a one-to-many model feeds the last layer's "
                        f"{_layer_width(layers[-1])} features back as the next input, which has {model_input}; "
                        f"add a linear head with size: {model_input}")
    elif head != "none" and size != model_input:
        raise SpecError(f"output.size: a one-to-many model feeds its output back as the next input, so it must "
                        f"be {model_input} (the input features), not {size}")
    stop = output.get("stop")
    if stop is not None:
        if not isinstance(model_input, dict):
            raise SpecError("output.stop: the class that ends generation needs token input and head: softmax")
        stop = _int("output.stop", stop, minimum=0)
        if stop >= size:
            raise SpecError(f"output.stop: must be a class below size ({size}), got {stop}")
    return {"length": length, "stop": stop}


def _normalize_input(where: str, raw_input):
    """A root `input` (or `encoder.input`, `decoder.input`): features (an int) or tokens
    {vocab, embedding, padding (None without it)}."""
    if isinstance(raw_input, dict):
        _check_keys(where, raw_input, {"vocab", "embedding", "padding"})
        for key in ("vocab", "embedding"):
            if key not in raw_input:
                raise SpecError(f"{where}: missing key '{key}'")
        model_input = {"vocab": _int(f"{where}.vocab", raw_input["vocab"]),
                       "embedding": _int(f"{where}.embedding", raw_input["embedding"])}
        padding = raw_input.get("padding")
        if padding is not None:
            padding = _int(f"{where}.padding", padding, minimum=0)
            if padding >= model_input["vocab"]:
                raise SpecError(f"{where}.padding: must be a token id below vocab ({model_input['vocab']}), "
                                f"got {padding}")
        model_input["padding"] = padding
        return model_input
    return _int(where, raw_input)


def _normalize_layers(where: str, layers) -> list:
    if not isinstance(layers, list) or not layers:
        raise SpecError(f"{where}: expected a non-empty list of layers")
    return [_normalize_layer(i, layer, where) for i, layer in enumerate(layers)]


def _state_width(layer: dict) -> int:
    """The width of one direction's h: P or H."""
    return layer.get("projection") or layer["hidden"]


def _normalize_encoder_decoder(spec: dict, output: dict) -> dict:
    """The encoder-decoder spec (docs/encoder-decoder.md): `encoder` {input, layers, merge} and `decoder`
    {input, layers, bridge} in place of the root `input` and `layers`; `output.length` decoder steps,
    `start` (required) and `stop` (optional) for token decoders."""
    for key in ("input", "layers"):
        if key in spec:
            raise SpecError(f"{key}: not a root key in mode encoder-decoder; it belongs under encoder: and decoder:")
    for key in ("sequence", "encoder", "decoder"):
        if key not in spec:
            raise SpecError(f"spec: missing key '{key}' (mode encoder-decoder)")
    if spec.get("weights") is not None:
        raise SpecError("weights: compiled-in weights are not available for encoder-decoder models yet; "
                        "load them with LoadSafetensors")

    encoder = _mapping("encoder", spec["encoder"])
    _check_keys("encoder", encoder, _ENCODER_KEYS)
    decoder = _mapping("decoder", spec["decoder"])
    _check_keys("decoder", decoder, _DECODER_KEYS)
    for where, section in (("encoder", encoder), ("decoder", decoder)):
        for key in ("input", "layers"):
            if key not in section:
                raise SpecError(f"{where}: missing key '{key}'")
    encoder_input = _normalize_input("encoder.input", encoder["input"])
    encoder_layers = _normalize_layers("encoder.layers", encoder["layers"])
    merge = _choice("encoder.merge", encoder.get("merge", "concat"), ("concat", "sum"))
    decoder_input = _normalize_input("decoder.input", decoder["input"])
    decoder_layers = _normalize_layers("decoder.layers", decoder["layers"])
    for index, layer in enumerate(decoder_layers):
        if layer["direction"] != "forward":
            raise SpecError(f"decoder.layers[{index}].direction: the decoder runs one step at a time, so every "
                            f"decoder layer must be forward")
    bridge = _bool("decoder.bridge", decoder.get("bridge", False))

    head = _choice("output.head", output.get("head", "none"), ("none", "linear", "sigmoid", "softmax"))
    if head == "none":
        if output.get("size") is not None:
            raise SpecError("output.size: omit it with head: none (the output is the last decoder layer's features)")
        size = None
    else:
        if "size" not in output:
            raise SpecError(f"output: missing key 'size' for head {head}")
        size = _int("output.size", output["size"])
    if "length" not in output:
        raise SpecError("output: missing key 'length' (the decoder steps L) for encoder-decoder")
    length = _int("output.length", output["length"])
    if length > MAX_OUTPUT_LENGTH:
        raise SpecError(f"output.length: at most {MAX_OUTPUT_LENGTH}, got {length}")
    start, stop = output.get("start"), output.get("stop")
    if isinstance(decoder_input, dict):
        vocab = decoder_input["vocab"]
        if head != "softmax" or size != vocab:
            raise SpecError(f"output: a token decoder reads its most probable class as the next token, so it needs "
                            f"head: softmax with size: {vocab} (decoder.input.vocab)")
        if start is None:
            raise SpecError("output: missing key 'start' (the token the first decoder step reads)")
        start = _int("output.start", start, minimum=0)
        if start >= vocab:
            raise SpecError(f"output.start: must be a token id below the decoder's vocab ({vocab}), got {start}")
        if stop is not None:
            stop = _int("output.stop", stop, minimum=0)
            if stop >= size:
                raise SpecError(f"output.stop: must be a class below size ({size}), got {stop}")
    else:
        for key, value in (("start", start), ("stop", stop)):
            if value is not None:
                raise SpecError(f"output.{key}: only for token decoders (decoder.input: {{vocab, embedding}})")
        width = size if head != "none" else _state_width(decoder_layers[-1])
        if width != decoder_input:
            raise SpecError(f"output: a feature decoder reads its previous output as the next input, so the output "
                            f"must be {decoder_input} wide (decoder.input), not {width}")

    if not bridge:
        if len(encoder_layers) != len(decoder_layers):
            raise SpecError(f"decoder.layers: without a bridge each decoder layer starts from the encoder layer of "
                            f"the same index, but the encoder has {len(encoder_layers)} layers and the decoder "
                            f"{len(decoder_layers)}; set decoder.bridge: true or match the layers")
        for index, (enc, dec) in enumerate(zip(encoder_layers, decoder_layers)):
            directions = 2 if enc["direction"] == "bidirectional" else 1
            factor = directions if merge == "concat" else 1
            merged_h = factor * _state_width(enc)
            if _state_width(dec) != merged_h:
                raise SpecError(f"decoder.layers[{index}]: its state is {_state_width(dec)} wide but encoder layer "
                                f"{index}'s merged final state is {merged_h}; set decoder.bridge: true or match "
                                f"the sizes")
            if (dec["cell"] == "lstm") != (enc["cell"] == "lstm"):
                raise SpecError(f"decoder.layers[{index}].cell: a {dec['cell']} decoder layer cannot start from a "
                                f"{enc['cell']} encoder layer (an lstm's cell state would be missing or dropped); "
                                f"set decoder.bridge: true or match the cells")
            if dec["cell"] == "lstm" and dec["hidden"] != factor * enc["hidden"]:
                raise SpecError(f"decoder.layers[{index}].hidden: an lstm decoder layer's cell ({dec['hidden']}) must "
                                f"be as wide as encoder layer {index}'s merged cell ({factor * enc['hidden']}); set "
                                f"decoder.bridge: true or match the sizes")

    training = None if spec.get("training") is None else _normalize_training(spec["training"], head)
    if training is not None:
        if isinstance(decoder_input, dict) and training["loss"] != "cross_entropy":
            raise SpecError("training.loss: a token decoder learns the target tokens it reads back; use cross_entropy")
        if not isinstance(decoder_input, dict) and training["loss"] == "cross_entropy":
            raise SpecError("training.loss: a feature decoder reads its previous target vector, which class ids "
                            "are not; use mse or binary_cross_entropy, or token decoder input")
    namespace = spec.get("namespace")
    if namespace is not None and not isinstance(namespace, str):
        raise SpecError(f"namespace: expected a dotted name, got {namespace!r}")
    return {
        "model": spec["model"],
        "namespace": namespace,
        "precision": _choice("precision", spec.get("precision", "float32"), ("float32", "float64")),
        "sequence": _int("sequence", spec["sequence"]),
        "init": _choice("init", spec.get("init", "pytorch"), ("pytorch", "orthogonal")),
        "encoder": {"input": encoder_input, "layers": encoder_layers, "merge": merge},
        "decoder": {"input": decoder_input, "layers": decoder_layers, "bridge": bridge},
        "output": {"mode": "encoder-decoder", "head": head, "size": size, "length": length, "start": start,
                   "stop": stop},
        "training": training,
        "unroll": _choice("unroll", spec.get("unroll", "auto"), ("auto", "full", "none")),
        "weights": None,
    }


def normalize_spec(spec: dict) -> dict:
    """Validates a spec mapping (as read from YAML) and returns a copy with every default filled in.

    Idempotent: a normalized spec normalizes to itself. Raises `SpecError` (a `ValueError`) naming
    the offending key, and `NotImplementedError` for what the mirror does not define yet (a
    one-to-many `output.start`). A one-to-many spec's `output` also holds `length` and `stop`
    (None when absent); the other modes' do not. An encoder-decoder spec (docs/encoder-decoder.md)
    has `encoder` {input, layers, merge} and `decoder` {input, layers, bridge} instead of the root
    `input` and `layers` (which it refuses), and its `output` holds `length`, `start` and `stop`
    (None when absent); `weights` is refused in that mode.
    """
    spec = _mapping("spec", spec)
    _check_keys("spec", spec, _TOP_KEYS)
    for key in ("model", "output"):
        if key not in spec:
            raise SpecError(f"spec: missing key '{key}'")
    if not isinstance(spec["model"], str) or not spec["model"].isidentifier():
        raise SpecError(f"model: {spec['model']!r} is not a C# identifier")
    output = _mapping("output", spec["output"])
    _check_keys("output", output, _OUTPUT_KEYS)
    if "mode" not in output:
        raise SpecError("output: missing key 'mode' (many-to-one, many-to-many, one-to-many or encoder-decoder)")
    mode = _choice("output.mode", output["mode"],
                   ("many-to-one", "many-to-many", "one-to-many", "encoder-decoder"))
    if mode == "encoder-decoder":
        return _normalize_encoder_decoder(spec, output)
    for key in ("encoder", "decoder"):
        if key in spec:
            raise SpecError(f"{key}: only for output.mode encoder-decoder, not {mode}; use the root input and layers")
    for key in ("input", "sequence", "layers"):
        if key not in spec:
            raise SpecError(f"spec: missing key '{key}'")

    model_input = _normalize_input("input", spec["input"])
    layers = _normalize_layers("layers", spec["layers"])

    if mode != "one-to-many":
        for key in ("length", "start", "stop"):
            if key in output:
                raise SpecError(f"output.{key}: only for one-to-many and encoder-decoder, not {mode}")
    head = _choice("output.head", output.get("head", "none"), ("none", "linear", "sigmoid", "softmax"))
    if head == "none":
        if output.get("size") is not None:
            raise SpecError("output.size: omit it with head: none (the output is the last layer's features)")
        size = None
    else:
        if "size" not in output:
            raise SpecError(f"output: missing key 'size' for head {head}")
        size = _int("output.size", output["size"])

    normalized_output = {"mode": mode, "head": head, "size": size}
    if mode == "one-to-many":
        normalized_output.update(_normalize_generation(output, model_input, layers, head, size))
    training = None if spec.get("training") is None else _normalize_training(spec["training"], head)
    if (mode == "one-to-many" and training is not None and isinstance(model_input, dict)
            and training["loss"] != "cross_entropy"):
        raise SpecError("training.loss: a one-to-many token model learns the next token of each sequence; "
                        "use cross_entropy")

    namespace = spec.get("namespace")
    if namespace is not None and not isinstance(namespace, str):
        raise SpecError(f"namespace: expected a dotted name, got {namespace!r}")
    weights = spec.get("weights")
    if weights is not None and not isinstance(weights, str):
        raise SpecError(f"weights: expected a file name, got {weights!r}")

    return {
        "model": spec["model"],
        "namespace": namespace,
        "precision": _choice("precision", spec.get("precision", "float32"), ("float32", "float64")),
        "input": model_input,
        "sequence": _int("sequence", spec["sequence"]),
        "init": _choice("init", spec.get("init", "pytorch"), ("pytorch", "orthogonal")),
        "layers": layers,
        "output": normalized_output,
        "training": training,
        "unroll": _choice("unroll", spec.get("unroll", "auto"), ("auto", "full", "none")),
        "weights": weights,
    }


def load_spec(path) -> dict:
    """Reads a `*.rnn.yaml` file and returns the normalized spec (see `normalize_spec`)."""
    with open(path, "r", encoding="utf-8") as f:
        raw = yaml.safe_load(f)
    try:
        return normalize_spec(raw)
    except SpecError as e:
        raise SpecError(f"{path}: {e}") from None


def _layer_width(layer: dict) -> int:
    """Width of a layer's output at one step: D * (P or H)."""
    directions = 2 if layer["direction"] == "bidirectional" else 1
    return directions * (layer.get("projection") or layer["hidden"])


def output_shape(spec: dict) -> tuple[int, int]:
    """(OutputLength, OutputSize) of a normalized spec: what `Predict` returns (for one-to-many the
    generated `length` rows, not the T steps of the network underneath; see `network_length`; for
    encoder-decoder the L decoder steps)."""
    mode = spec["output"]["mode"]
    if mode == "encoder-decoder":
        size = spec["output"]["size"] if spec["output"]["head"] != "none" \
            else _layer_width(spec["decoder"]["layers"][-1])
        return spec["output"]["length"], size
    length = 1 if mode == "many-to-one" else spec["output"]["length"] if mode == "one-to-many" else spec["sequence"]
    size = spec["output"]["size"] if spec["output"]["head"] != "none" else _layer_width(spec["layers"][-1])
    return length, size


def network_length(spec: dict) -> int:
    """The output steps of the network that `RnnGenModel.run` computes and `sequence_losses` trains:
    1 for many-to-one, T (`sequence`) otherwise. For one-to-many that is the many-to-many network
    under the generation, whose T outputs teacher forcing trains. Encoder-decoder: the L decoder steps."""
    if spec["output"]["mode"] == "encoder-decoder":
        return spec["output"]["length"]
    return 1 if spec["output"]["mode"] == "many-to-one" else spec["sequence"]


def _stack_layers(spec: dict, stack: str | None) -> list:
    if spec["output"]["mode"] == "encoder-decoder":
        if stack not in ("encoder", "decoder"):
            raise ValueError("an encoder-decoder spec has two stacks: pass stack='encoder' or stack='decoder'")
        return spec[stack]["layers"]
    if stack is not None:
        raise ValueError(f"stack={stack!r} is for encoder-decoder specs only")
    return spec["layers"]


def hidden_state_size(spec: dict, stack: str | None = None) -> int:
    """HiddenStateSize: the length of one sequence's flat `h` state, the sum over the layers of
    D * (P or H), layer after layer, direction 0 then direction 1 within a layer. For an
    encoder-decoder spec, of the stack `stack` ("encoder" or "decoder")."""
    return sum(_layer_width(layer) for layer in _stack_layers(spec, stack))


def cell_state_size(spec: dict, stack: str | None = None) -> int:
    """CellStateSize: the length of one sequence's flat `c` state, the sum over the lstm layers of
    D * H, in the same order (0 for a model without lstm layers). `stack` as in `hidden_state_size`."""
    return sum((2 if layer["direction"] == "bidirectional" else 1) * layer["hidden"]
               for layer in _stack_layers(spec, stack) if layer["cell"] == "lstm")


def check_lengths(lengths, batch: int, steps: int) -> torch.Tensor:
    """Per-sequence lengths as a CPU int64 tensor [batch], each in 1..steps; raises `ValueError`.

    Accepts a sequence of ints or an integer or floating tensor of whole numbers (the fixtures
    store them as F64)."""
    t = torch.as_tensor(lengths)
    if t.dtype == torch.bool or t.is_complex():
        raise ValueError(f"lengths must be integers, got {t.dtype}")
    if tuple(t.shape) != (batch,):
        raise ValueError(f"expected lengths [{batch}], got {list(t.shape)}")
    if t.is_floating_point() and not bool((t == t.round()).all()):
        raise ValueError("lengths must be whole numbers")
    t = t.detach().to("cpu", torch.int64)
    if bool(((t < 1) | (t > steps)).any()):
        raise ValueError(f"every length must be in [1, {steps}], got {t.tolist()}")
    return t


# ---------------------------------------------------------------------------------------------
# Custom cells: the options nn.LSTM and nn.GRU lack
# ---------------------------------------------------------------------------------------------

def _active(lengths, t: int):
    """[N, 1] bool: which sequences have step t (t < length); None (every step valid) for no lengths."""
    return None if lengths is None else (t < lengths).unsqueeze(1)


def _advance(active, new, old):
    """The state after a step: `new` where the sequence has that step, else `old`, untouched (and
    its gradient with it: the unselected branch of torch.where gets none)."""
    return new if active is None else torch.where(active, new, old)


def _emit(active, h):
    """A step's output: h, or exactly 0 past the sequence's length."""
    return h if active is None else h.masked_fill(~active, 0.0)


def _lstm_direction(x, w_ih, w_hh, b_ih, b_hh, w_hr, w_peephole, cell_clip, reverse, h0=None, c0=None,
                    lengths=None):
    """One direction of an LSTM over x [N, T, In]: (output [N, T, R], h_n [N, R], c_n [N, H]).

    Gates i, f, g, o as nn.LSTM; ONNX peepholes (i and f see P*c', o sees P*c, the new cell);
    the new cell is clamped to [-cell_clip, cell_clip] before anything reads it; with w_hr the
    state and the output are h = W_hr (o*tanh(c)), R = P wide. Absent tensors are None.
    h0 [N, R] and c0 [N, H] start the recurrence (zeros when None). With lengths [N] (int64),
    sequence n runs over its steps t < lengths[n] only, the reverse direction from lengths[n]-1
    down to 0: later steps leave the state alone and output 0, so h_n and c_n are the states at
    the sequence's own end, as nn.LSTM on a PackedSequence gives them.
    """
    batch, steps, _ = x.shape
    hidden = w_hh.shape[0] // 4
    gates_x = x @ w_ih.t()
    if b_ih is not None:
        gates_x = gates_x + b_ih
    h = x.new_zeros(batch, w_hh.shape[1]) if h0 is None else h0
    c = x.new_zeros(batch, hidden) if c0 is None else c0
    outputs = [None] * steps
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        active = _active(lengths, t)
        h_old, c_old = h, c
        a = gates_x[:, t] + h @ w_hh.t()
        if b_hh is not None:
            a = a + b_hh
        a_i, a_f, a_g, a_o = a.chunk(4, dim=1)
        if w_peephole is not None:
            a_i = a_i + w_peephole[0] * c
            a_f = a_f + w_peephole[1] * c
        c = torch.sigmoid(a_f) * c + torch.sigmoid(a_i) * torch.tanh(a_g)
        if cell_clip is not None:
            c = c.clamp(-cell_clip, cell_clip)
        if w_peephole is not None:
            a_o = a_o + w_peephole[2] * c
        h = torch.sigmoid(a_o) * torch.tanh(c)
        if w_hr is not None:
            h = h @ w_hr.t()
        outputs[t] = _emit(active, h)
        h, c = _advance(active, h, h_old), _advance(active, c, c_old)
    return torch.stack(outputs, dim=1), h, c


def _gru_direction(x, w_ih, w_hh, b_ih, b_hh, reset_after, reverse, h0=None, lengths=None):
    """One direction of a GRU over x [N, T, In]: (output [N, T, H], h_n [N, H]).

    Gates r, z, n as nn.GRU; reset after (PyTorch, cuDNN): n = tanh(W_in x + b_in + r*(W_hn h' + b_hn));
    reset before (Cho et al. 2014): n = tanh(W_in x + b_in + W_hn (r*h') + b_hn). h = (1-z)*n + z*h'.
    h0 [N, H] and lengths [N] as in `_lstm_direction`.
    """
    batch, steps, _ = x.shape
    hidden = w_hh.shape[0] // 3
    gates_x = x @ w_ih.t()
    if b_ih is not None:
        gates_x = gates_x + b_ih
    w_hrz, w_hn = w_hh[:2 * hidden], w_hh[2 * hidden:]
    b_hrz, b_hn = (None, None) if b_hh is None else (b_hh[:2 * hidden], b_hh[2 * hidden:])
    h = x.new_zeros(batch, hidden) if h0 is None else h0
    outputs = [None] * steps
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        active = _active(lengths, t)
        x_r, x_z, x_n = gates_x[:, t].chunk(3, dim=1)
        a = h @ w_hrz.t()
        if b_hrz is not None:
            a = a + b_hrz
        h_r, h_z = a.chunk(2, dim=1)
        r = torch.sigmoid(x_r + h_r)
        z = torch.sigmoid(x_z + h_z)
        recurrent = (h if reset_after else r * h) @ w_hn.t()
        if b_hn is not None:
            recurrent = recurrent + b_hn
        n = torch.tanh(x_n + (r * recurrent if reset_after else recurrent))
        h_new = (1 - z) * n + z * h
        outputs[t] = _emit(active, h_new)
        h = _advance(active, h_new, h)
    return torch.stack(outputs, dim=1), h


class _CustomRecurrent(nn.Module):
    """A single-layer, batch_first recurrent module whose parameters are named, shaped, ordered and
    initialized as those of PyTorch's own (`weight_ih_l0`, ..., then the same with `_reverse`)."""

    batch_first = True
    num_layers = 1

    def __init__(self, gates: int, input_size: int, hidden_size: int, bias: bool, bidirectional: bool,
                 extra_shapes: dict):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.bidirectional = bidirectional
        recurrent_width = extra_shapes.get("weight_hr", (hidden_size,))[0]
        for suffix in self._suffixes:
            shapes = {"weight_ih": (gates * hidden_size, input_size),
                      "weight_hh": (gates * hidden_size, recurrent_width)}
            if bias:
                shapes["bias_ih"] = (gates * hidden_size,)
                shapes["bias_hh"] = (gates * hidden_size,)
            shapes.update(extra_shapes)
            for name, shape in shapes.items():
                self.register_parameter(f"{name}_l0{suffix}", nn.Parameter(torch.empty(shape)))
        self.reset_parameters()

    @property
    def _suffixes(self) -> tuple:
        return ("", "_reverse") if self.bidirectional else ("",)

    def reset_parameters(self) -> None:
        # PyTorch's RNNBase rule, applied to every tensor of the layer (peepholes included).
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            nn.init.uniform_(param, -bound, bound)

    def _tensor(self, name: str, suffix: str):
        return getattr(self, f"{name}_l0{suffix}", None)

    @staticmethod
    def _lengths(x: torch.Tensor, lengths):
        return None if lengths is None else check_lengths(lengths, x.shape[0], x.shape[1])

    def extra_repr(self) -> str:
        return (f"{self.input_size}, {self.hidden_size}, bias={self.bias}, batch_first=True, "
                f"bidirectional={self.bidirectional}")


class LSTMLayer(_CustomRecurrent):
    """A single-layer LSTM with the options `nn.LSTM` lacks: ONNX peepholes and a cell clip.

    Parameters per direction, in this order: `weight_ih_l0` [4H, In], `weight_hh_l0` [4H, R],
    `bias_ih_l0` and `bias_hh_l0` [4H] (with bias), `weight_hr_l0` [P, H] (with proj_size P),
    `weight_peephole_l0` [3, H] (rows i, f, o; with peepholes); R = P or H. Without peepholes and
    cell_clip it computes exactly what `nn.LSTM(..., num_layers=1, batch_first=True)` does.
    `forward(x [N, T, In], hx=None, lengths=None)` returns
    `(output [N, T, D*R], (h_n [D, N, R], c_n [D, N, H]))`; `hx = (h_0 [D, N, R], c_0 [D, N, H])`
    as nn.LSTM's (zeros when None); `lengths` [N] (each in 1..T) runs each sequence over its first
    lengths[n] steps only, as nn.LSTM does on `pack_padded_sequence(x, lengths, batch_first=True,
    enforce_sorted=False)`: outputs past the length are 0, h_n and c_n the states at its own end.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, proj_size: int = 0,
                 peepholes: bool = False, cell_clip: float | None = None, bidirectional: bool = False):
        if not 0 <= proj_size < hidden_size:
            raise ValueError(f"proj_size must be in [0, {hidden_size}), got {proj_size}")
        if cell_clip is not None and not cell_clip > 0:
            raise ValueError(f"cell_clip must be positive, got {cell_clip}")
        extra = {}
        if proj_size:
            extra["weight_hr"] = (proj_size, hidden_size)
        if peepholes:
            extra["weight_peephole"] = (3, hidden_size)
        self.proj_size = proj_size
        self.peepholes = peepholes
        self.cell_clip = cell_clip
        super().__init__(4, input_size, hidden_size, bias, bidirectional, extra)

    def forward(self, x: torch.Tensor, hx=None, lengths=None):
        h_0, c_0 = (None, None) if hx is None else hx
        lengths = self._lengths(x, lengths)
        outputs, h_n, c_n = [], [], []
        for d, suffix in enumerate(self._suffixes):
            out, h, c = _lstm_direction(
                x, self._tensor("weight_ih", suffix), self._tensor("weight_hh", suffix),
                self._tensor("bias_ih", suffix), self._tensor("bias_hh", suffix),
                self._tensor("weight_hr", suffix), self._tensor("weight_peephole", suffix),
                self.cell_clip, reverse=suffix == "_reverse", h0=None if h_0 is None else h_0[d],
                c0=None if c_0 is None else c_0[d], lengths=lengths)
            outputs.append(out)
            h_n.append(h)
            c_n.append(c)
        return torch.cat(outputs, dim=2), (torch.stack(h_n), torch.stack(c_n))

    def extra_repr(self) -> str:
        return (super().extra_repr() + f", proj_size={self.proj_size}, peepholes={self.peepholes}, "
                f"cell_clip={self.cell_clip}")


class GRULayer(_CustomRecurrent):
    """A single-layer GRU whose reset gate acts after (`nn.GRU`) or before the recurrent product.

    Parameters as `nn.GRU`'s: per direction `weight_ih_l0` [3H, In], `weight_hh_l0` [3H, H],
    `bias_ih_l0` and `bias_hh_l0` [3H] (with bias), gates r, z, n. With reset "after" it computes
    exactly what `nn.GRU(..., num_layers=1, batch_first=True)` does.
    `forward(x [N, T, In], hx=None, lengths=None)` returns `(output [N, T, D*H], h_n [D, N, H])`;
    `hx` is h_0 [D, N, H] (zeros when None), `lengths` as in `LSTMLayer`.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, reset: str = "after",
                 bidirectional: bool = False):
        if reset not in ("after", "before"):
            raise ValueError(f"reset must be 'after' or 'before', got {reset!r}")
        self.reset = reset
        super().__init__(3, input_size, hidden_size, bias, bidirectional, {})

    def forward(self, x: torch.Tensor, hx=None, lengths=None):
        lengths = self._lengths(x, lengths)
        outputs, h_n = [], []
        for d, suffix in enumerate(self._suffixes):
            out, h = _gru_direction(
                x, self._tensor("weight_ih", suffix), self._tensor("weight_hh", suffix),
                self._tensor("bias_ih", suffix), self._tensor("bias_hh", suffix),
                reset_after=self.reset == "after", reverse=suffix == "_reverse",
                h0=None if hx is None else hx[d], lengths=lengths)
            outputs.append(out)
            h_n.append(h)
        return torch.cat(outputs, dim=2), torch.stack(h_n)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", reset={self.reset!r}"


# ---------------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------------

def build_layer(input_width: int, layer: dict) -> nn.Module:
    """The single-layer module of one normalized spec layer: PyTorch's own `nn.RNN`, `nn.LSTM` or
    `nn.GRU` (covering `bias: false`, `activation: relu` and `projection`) unless the layer needs
    peepholes, a cell clip or `reset: before`, which take `LSTMLayer` or `GRULayer`."""
    hidden = layer["hidden"]
    bias = layer.get("bias", True)
    bidirectional = layer.get("direction", "forward") == "bidirectional"
    cell = layer["cell"]
    if cell == "rnn":
        return nn.RNN(input_width, hidden, num_layers=1, nonlinearity=layer.get("activation", "tanh"), bias=bias,
                      batch_first=True, bidirectional=bidirectional)
    if cell == "lstm":
        projection = layer.get("projection") or 0
        if layer.get("peepholes") or layer.get("cell_clip") is not None:
            return LSTMLayer(input_width, hidden, bias=bias, proj_size=projection, peepholes=bool(layer.get("peepholes")),
                             cell_clip=layer.get("cell_clip"), bidirectional=bidirectional)
        return nn.LSTM(input_width, hidden, num_layers=1, bias=bias, batch_first=True, bidirectional=bidirectional,
                       proj_size=projection)
    if layer.get("reset", "after") == "before":
        return GRULayer(input_width, hidden, bias=bias, reset="before", bidirectional=bidirectional)
    return nn.GRU(input_width, hidden, num_layers=1, bias=bias, batch_first=True, bidirectional=bidirectional)


def _run_layer(layer: nn.Module, x: torch.Tensor, hx, lengths):
    """One spec layer over x [N, T, In] from the initial state hx (None: zeros), each sequence over
    its first lengths[n] steps (None: all T): (output [N, T, D*R] with zeros past the length, state
    as the module returns it). PyTorch's own modules take a PackedSequence for that; the custom ones
    take the lengths."""
    if lengths is None:
        return layer(x) if hx is None else layer(x, hx)
    if isinstance(layer, _CustomRecurrent):
        return layer(x, hx, lengths=lengths)
    packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    output, state = layer(packed, hx)
    output, _ = nn.utils.rnn.pad_packed_sequence(output, batch_first=True, total_length=x.shape[1])
    return output, state


def _flat_state(state: torch.Tensor) -> torch.Tensor:
    """[D, N, S] (a module's h_n or c_n) -> [N, D*S], direction 0 first."""
    return state.transpose(0, 1).reshape(state.shape[1], -1)


# A stack of spec layers (the root `layers` of a model, or an encoder-decoder's encoder or decoder):
# built, initialized, given its initial states and run by the functions below, shared by
# RnnGenModel and EncoderDecoderModel.

def _build_stack(input_width: int, spec_layers: list) -> tuple:
    """(nn.ModuleList of one `build_layer` module per spec layer, the last layer's output width)."""
    layers, width = [], input_width
    for layer in spec_layers:
        layers.append(build_layer(width, layer))
        width = _layer_width(layer)
    return nn.ModuleList(layers), width


@torch.no_grad()
def _init_orthogonal(layers: nn.ModuleList) -> None:
    # Each gate block of W_hh orthogonal ([H, P] blocks with a projection: orthonormal columns),
    # W_hr [P, H] with orthonormal rows, the whole W_ih Xavier-uniform (fan-out counts all gates,
    # Keras' recipe), biases and peepholes zero; the embedding and the head keep PyTorch's init.
    for layer in layers:
        hidden = layer.hidden_size
        for name, param in layer.named_parameters():
            if name.startswith("weight_hh"):
                for block in param.split(hidden, dim=0):
                    nn.init.orthogonal_(block)
            elif name.startswith("weight_hr"):
                nn.init.orthogonal_(param)
            elif name.startswith("weight_ih"):
                nn.init.xavier_uniform_(param)
            elif name.startswith(("bias", "weight_peephole")):
                param.zero_()


@torch.no_grad()
def _init_forget_bias(layers: nn.ModuleList, spec_layers: list) -> None:
    # forget_bias B, after either init: the forget slice (rows H..2H) of bias_ih is B, of bias_hh 0.
    for spec_layer, layer in zip(spec_layers, layers):
        value = spec_layer.get("forget_bias")
        if value is None:
            continue
        hidden = layer.hidden_size
        for name, param in layer.named_parameters():
            if name.startswith("bias_ih"):
                param[hidden:2 * hidden] = value
            elif name.startswith("bias_hh"):
                param[hidden:2 * hidden] = 0.0


def _split_states(spec_layers: list, h0, c0, batch: int, dtype: torch.dtype) -> list:
    """Per layer, the module's hx from the flat h0 [N, HiddenStateSize] and c0 [N, CellStateSize] of
    the stack: None (zeros) when both are None, else h_0 [D, N, S] or (h_0 [D, N, S], c_0 [D, N, H])."""
    if h0 is None and c0 is None:
        return [None] * len(spec_layers)
    hidden_size = sum(_layer_width(layer) for layer in spec_layers)
    cell_size = sum((2 if layer["direction"] == "bidirectional" else 1) * layer["hidden"]
                    for layer in spec_layers if layer["cell"] == "lstm")
    states = []
    for name, value, size in (("h0", h0, hidden_size), ("c0", c0, cell_size)):
        if value is None:
            value = torch.zeros(batch, size, dtype=dtype)
        elif tuple(value.shape) != (batch, size):
            raise ValueError(f"expected {name} [{batch}, {size}], got {list(value.shape)}")
        states.append(value.to(dtype))
    h0, c0 = states
    result, h_at, c_at = [], 0, 0
    for spec_layer in spec_layers:
        directions = 2 if spec_layer["direction"] == "bidirectional" else 1
        width = spec_layer.get("projection") or spec_layer["hidden"]
        h_l = h0[:, h_at:h_at + directions * width].reshape(batch, directions, width).transpose(0, 1)
        h_at += directions * width
        if spec_layer["cell"] != "lstm":
            result.append(h_l.contiguous())
            continue
        hidden = spec_layer["hidden"]
        c_l = c0[:, c_at:c_at + directions * hidden].reshape(batch, directions, hidden).transpose(0, 1)
        c_at += directions * hidden
        result.append((h_l.contiguous(), c_l.contiguous()))
    return result


def _run_stack(layers: nn.ModuleList, h: torch.Tensor, initial: list, lengths, dropout: float,
               training: bool) -> tuple:
    """The layers over h [N, steps, In], each from its hx of `initial` (None: zeros), each sequence over
    its first lengths[n] steps (None: all), dropout between layers in training mode: (the last layer's
    output [N, steps, D*R], per layer (h_n [D, N, S], c_n [D, N, H] or None))."""
    states = []
    for index, layer in enumerate(layers):
        if index > 0 and dropout > 0.0:
            h = nn.functional.dropout(h, dropout, training)
        h, state = _run_layer(layer, h, initial[index], lengths)
        states.append(state if isinstance(state, tuple) else (state, None))
    return h, states


def _flat_states(states: list, batch: int, like: torch.Tensor) -> tuple:
    """The per-layer states of `_run_stack` as the flat (h [N, HiddenStateSize], c [N, CellStateSize])."""
    h_n = torch.cat([_flat_state(h) for h, _ in states], dim=1)
    cells = [_flat_state(c) for _, c in states if c is not None]
    c_n = torch.cat(cells, dim=1) if cells else like.new_zeros(batch, 0)
    return h_n, c_n


def _embed_input(module: nn.Module, model_input, input_width: int, x: torch.Tensor, steps: int,
                 dtype: torch.dtype, what: str = "input") -> torch.Tensor:
    """x [N, steps] tokens (through module.embedding) or [N, steps, InputSize] reals -> [N, steps, In]."""
    if isinstance(model_input, dict):
        if x.dim() != 2 or x.shape[1] != steps:
            raise ValueError(f"expected {what} tokens [N, {steps}], got {list(x.shape)}")
        if x.is_floating_point():
            raise ValueError(f"token {what} must be an integer tensor")
        return module.embedding(x.long())
    if x.dim() != 3 or x.shape[1] != steps or x.shape[2] != input_width:
        raise ValueError(f"expected {what} [N, {steps}, {input_width}], got {list(x.shape)}")
    return x.to(dtype)


class RnnGenModel(nn.Module):
    """The PyTorch model a spec describes; `state_dict` names match the generated C# class.

    `forward(x)` takes `[N, T, I]` reals (or `[N, T]` integer tokens) and returns
    `[N, OutputLength, OutputSize]`, probabilities for sigmoid and softmax heads, exactly as the
    generated `Predict` does for each sequence. `forward`, `logits` and `run` also take per-sequence
    `lengths` and initial states `h0`, `c0`; `run` returns the final states too (docs/python.md,
    "Lengths and states"). `step` is one time step, as the generated `Step`.

    A one-to-many spec is the many-to-many network underneath: `forward`, `logits` and `run` return
    its T per-step outputs `[N, T, OutputSize]` (what teacher forcing trains), while its `Predict`,
    the `OutputLength` generated rows, is `generate_greedy(model, prime)`.
    """

    def __init__(self, spec: dict):
        super().__init__()
        spec = normalize_spec(spec)
        if spec["output"]["mode"] == "encoder-decoder":
            raise NotImplementedError(f"{spec['model']}: an encoder-decoder spec's mirror is EncoderDecoderModel "
                                      f"(rt.build_model builds either); its fixtures come from "
                                      f"make_seq2seq_fixtures.py")
        self.spec = spec
        if isinstance(spec["input"], dict):
            self.embedding = nn.Embedding(spec["input"]["vocab"], spec["input"]["embedding"],
                                          padding_idx=spec["input"]["padding"])
            width = spec["input"]["embedding"]
        else:
            width = spec["input"]
        self.input_width = width
        self.layers, width = _build_stack(width, spec["layers"])
        head = spec["output"]["head"]
        if head != "none":
            self.head = nn.Linear(width, spec["output"]["size"])
        self.output_length, self.output_size = output_shape(spec)
        self.network_length = network_length(spec)
        self.hidden_state_size = hidden_state_size(spec)
        self.cell_state_size = cell_state_size(spec)
        dropout = spec["training"]["dropout"] if spec["training"] else 0.0
        self.dropout = dropout
        if spec["init"] == "orthogonal":
            _init_orthogonal(self.layers)
        _init_forget_bias(self.layers, spec["layers"])
        if spec["precision"] == "float64":
            self.double()

    @property
    def is_tokens(self) -> bool:
        return isinstance(self.spec["input"], dict)

    def forward(self, x: torch.Tensor, lengths=None, h0=None, c0=None) -> torch.Tensor:
        """[N, OutputLength, OutputSize]: what the generated `Predict` returns (probabilities for
        sigmoid and softmax heads); arguments as in `run`. For one-to-many, the network's T per-step
        outputs; `Predict` is `generate_greedy`."""
        return self.run(x, lengths, h0, c0)[0]

    def logits(self, x: torch.Tensor, lengths=None, h0=None, c0=None) -> torch.Tensor:
        """The head's input to its sigmoid or softmax (for the losses that take logits); the same as
        `forward` for heads none and linear. Arguments as in `run`."""
        return self.run(x, lengths, h0, c0, logits=True)[0]

    def run(self, x: torch.Tensor, lengths=None, h0=None, c0=None, logits: bool = False) -> tuple:
        """(output [N, L, OutputSize], h_n [N, HiddenStateSize], c_n [N, CellStateSize]), where L is
        `network_length`: OutputLength, except for one-to-many, whose network gives T rows.

        `lengths` [N] (each 1..T; None: all T): sequence n is its first lengths[n] steps, the rest
        of x is ignored (PyTorch's packed-sequence semantics: the reverse direction starts at step
        lengths[n]-1, many-to-one reads the states at the sequence's own end, many-to-many outputs
        are exactly 0 at steps >= lengths[n]). `h0` [N, HiddenStateSize] and `c0` [N, CellStateSize]
        are the initial states (None: zeros) in the flat layout of `hidden_state_size` and
        `cell_state_size`; the returned h_n and c_n use the same layout (a direction's final state:
        forward at step lengths[n]-1, reverse at step 0). `logits` returns the head's input to its
        sigmoid or softmax instead of the probabilities.
        """
        T = self.spec["sequence"]
        return self._network(self._embed(x, T), lengths, h0, c0, logits,
                             per_step=self.spec["output"]["mode"] != "many-to-one")

    def step(self, x: torch.Tensor, h=None, c=None, logits: bool = False) -> tuple:
        """One time step of a unidirectional model, what the generated `Step` computes:
        (y [N, OutputSize], h [N, HiddenStateSize], c [N, CellStateSize]).

        `x` is [N] integer tokens or [N, InputSize] reals; `h`, `c` the state before the step in the
        layout of `run` (None: zeros), the returned ones the state after it. `y` is the head's output
        for this step (probabilities for sigmoid and softmax heads; with `logits`, the head's input to
        them), for many-to-one the prediction as if the sequence ended here. T steps from the zero
        state give `run`'s outputs and final states.
        """
        if any(layer["direction"] != "forward" for layer in self.spec["layers"]):
            raise ValueError("step needs a unidirectional model (a reverse direction reads the sequence from its end)")
        y, h, c = self._network(self._embed(x.unsqueeze(1), 1), None, h, c, logits, per_step=True)
        return y[:, 0], h, c

    def _embed(self, x: torch.Tensor, steps: int) -> torch.Tensor:
        """x [N, steps] tokens or [N, steps, InputSize] reals -> the first layer's input [N, steps, In]."""
        return _embed_input(self, self.spec["input"], self.input_width, x, steps, self.layers[0].weight_ih_l0.dtype)

    def _network(self, h: torch.Tensor, lengths, h0, c0, logits: bool, per_step: bool) -> tuple:
        """The layers and the head over the embedded input h [N, steps, In]; `per_step`: the head reads
        every step (else the last layer's final states, many-to-one). Returns what `run` returns."""
        batch, T = h.shape[0], h.shape[1]
        if lengths is not None:
            lengths = check_lengths(lengths, batch, T)
        initial = _split_states(self.spec["layers"], h0, c0, batch, h.dtype)
        h, states = _run_stack(self.layers, h, initial, lengths, self.dropout, self.training)
        final = states[-1][0]  # the last layer's h_n: [D, N, S]
        h_n, c_n = _flat_states(states, batch, h)

        valid = None
        if not per_step:
            # PyTorch h_n, [h_fwd(T-1), h_bwd(0)]: the reverse direction ends at step 0.
            features = final.permute(1, 0, 2).reshape(final.shape[1], 1, -1)
        else:
            features = h
            if lengths is not None:
                valid = (torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)).unsqueeze(2)  # [N, T, 1]
        head = self.spec["output"]["head"]
        y = features if head == "none" else self.head(features)
        if not logits and head == "sigmoid":
            y = torch.sigmoid(y)
        elif not logits and head == "softmax":
            y = torch.softmax(y, dim=-1)
        if valid is not None:
            y = y.masked_fill(~valid, 0.0)  # 0 past the length, not the head of a zero feature vector
        return y, h_n, c_n


# ---------------------------------------------------------------------------------------------
# Encoder-decoder (docs/encoder-decoder.md)
# ---------------------------------------------------------------------------------------------

class _Stack(nn.Module):
    """An encoder or a decoder: `embedding` (token input) and `layers`, named as the root model's."""

    def __init__(self, model_input, spec_layers: list):
        super().__init__()
        if isinstance(model_input, dict):
            self.embedding = nn.Embedding(model_input["vocab"], model_input["embedding"],
                                          padding_idx=model_input["padding"])
            width = model_input["embedding"]
        else:
            width = model_input
        self.model_input = model_input
        self.input_width = width
        self.spec_layers = spec_layers
        self.layers, self.output_width = _build_stack(width, spec_layers)

    @property
    def is_tokens(self) -> bool:
        return isinstance(self.model_input, dict)

    def embed(self, x: torch.Tensor, steps: int, what: str) -> torch.Tensor:
        return _embed_input(self, self.model_input, self.input_width, x, steps, self.layers[0].weight_ih_l0.dtype,
                            what)


class _Bridge(nn.Module):
    """`hidden` = nn.Linear(E, HiddenStateSize_dec) and, with lstm decoder layers, `cell` =
    nn.Linear(E, CellStateSize_dec): h0 = tanh(hidden(e)), c0 = tanh(cell(e))."""

    def __init__(self, encoder_width: int, hidden_size: int, cell_size: int):
        super().__init__()
        self.hidden = nn.Linear(encoder_width, hidden_size)
        if cell_size > 0:
            self.cell = nn.Linear(encoder_width, cell_size)


class EncoderDecoderModel(nn.Module):
    """The PyTorch mirror of an encoder-decoder spec (docs/encoder-decoder.md); `state_dict` names
    match the generated C# class: `encoder.embedding.weight`, `encoder.layers.K.*`, `bridge.hidden.*`,
    `bridge.cell.*`, `decoder.embedding.weight`, `decoder.layers.K.*`, `head.*`, in that order.

    The encoder reads x ([N, T] tokens or [N, T, I] reals; `lengths` [N] in 1..T, PyTorch's
    packed-sequence semantics) and its final states `h_n` (`c_n`) start the decoder: merged per layer
    without a bridge (`encoder.merge`: concat `[h_fwd, h_bwd]` or sum), through `tanh(Linear(e))` with
    one. The decoder runs L = `output.length` steps, forward only:
    - teacher forcing (`forward`, `logits`, `run`; what training computes): step 0 reads `start`
      (token decoders) or zeros (feature decoders), step t > 0 the target of step t-1, a -100 target
      read as `stop` (or `start` without a stop);
    - greedy inference (`predict`, what the class's `Predict` returns; `decode` the tokens of
      `Decode`): step t > 0 reads step t-1's most probable class, or its output vector.
    """

    def __init__(self, spec: dict):
        super().__init__()
        spec = normalize_spec(spec)
        if spec["output"]["mode"] != "encoder-decoder":
            raise ValueError(f"EncoderDecoderModel needs output.mode encoder-decoder, not {spec['output']['mode']}; "
                             f"use RnnGenModel (or build_model)")
        self.spec = spec
        encoder, decoder = spec["encoder"], spec["decoder"]
        self.encoder = _Stack(encoder["input"], encoder["layers"])
        self.encoder_hidden_size = hidden_state_size(spec, "encoder")
        self.encoder_cell_size = cell_state_size(spec, "encoder")
        self.decoder_hidden_size = hidden_state_size(spec, "decoder")
        self.decoder_cell_size = cell_state_size(spec, "decoder")
        if decoder["bridge"]:
            self.bridge = _Bridge(self.encoder_hidden_size, self.decoder_hidden_size, self.decoder_cell_size)
        self.decoder = _Stack(decoder["input"], decoder["layers"])
        if spec["output"]["head"] != "none":
            self.head = nn.Linear(self.decoder.output_width, spec["output"]["size"])
        self.output_length, self.output_size = output_shape(spec)
        self.network_length = self.output_length
        self.dropout = spec["training"]["dropout"] if spec["training"] else 0.0
        for stack in (self.encoder, self.decoder):
            if spec["init"] == "orthogonal":
                _init_orthogonal(stack.layers)
            _init_forget_bias(stack.layers, stack.spec_layers)
        if spec["precision"] == "float64":
            self.double()

    @property
    def is_tokens(self) -> bool:
        """Whether the decoder reads tokens (its output is a softmax over its vocabulary)."""
        return self.decoder.is_tokens

    @property
    def has_bridge(self) -> bool:
        return self.spec["decoder"]["bridge"]

    @property
    def dtype(self) -> torch.dtype:
        return self.encoder.layers[0].weight_ih_l0.dtype

    # -- encoder and initial decoder states ------------------------------------------------------

    def encoder_states(self, x: torch.Tensor, lengths=None) -> list:
        """Per encoder layer (h_n [D, N, S], c_n [D, N, H] or None): PyTorch's final states of each
        layer, a forward direction's at step lengths[n]-1, a reverse direction's at step 0."""
        T = self.spec["sequence"]
        h = self.encoder.embed(x, T, "encoder input")
        if lengths is not None:
            lengths = check_lengths(lengths, h.shape[0], T)
        _, states = _run_stack(self.encoder.layers, h, [None] * len(self.encoder.layers), lengths, self.dropout,
                               self.training)
        return states

    def encode(self, x: torch.Tensor, lengths=None) -> tuple:
        """The encoder's final states, flat: (h [N, HiddenStateSize_enc], c [N, CellStateSize_enc]),
        layer after layer, direction 0 then 1 (the layout of `RnnGenModel.run`'s h_n, c_n)."""
        states = self.encoder_states(x, lengths)
        return _flat_states(states, x.shape[0], states[0][0])

    def initial_states(self, x: torch.Tensor, lengths=None) -> tuple:
        """The decoder's initial states, flat: (h0 [N, HiddenStateSize_dec], c0 [N, CellStateSize_dec]),
        decoder layer after layer (HiddenStateSize_dec = sum of P or H, CellStateSize_dec = sum of the
        lstm layers' H).

        Without a bridge decoder layer K starts from encoder layer K's h_n (and c_n), merged over its
        directions: concat [h_fwd, h_bwd] or sum h_fwd + h_bwd (`encoder.merge`); one direction: its
        own. With a bridge, e = every encoder layer's h_n flattened (layer after layer, forward first),
        h0 = tanh(bridge.hidden(e)), c0 = tanh(bridge.cell(e)) (zeros [N, 0] without lstm layers)."""
        states = self.encoder_states(x, lengths)
        batch = x.shape[0]
        if self.has_bridge:
            e = torch.cat([_flat_state(h) for h, _ in states], dim=1)
            h0 = torch.tanh(self.bridge.hidden(e))
            c0 = torch.tanh(self.bridge.cell(e)) if self.decoder_cell_size > 0 else e.new_zeros(batch, 0)
            return h0, c0
        merge = (lambda s: _flat_state(s)) if self.spec["encoder"]["merge"] == "concat" else (lambda s: s.sum(dim=0))
        hs = [merge(h) for h, _ in states]
        cs = [merge(c) for (_, c), layer in zip(states, self.spec["decoder"]["layers"]) if layer["cell"] == "lstm"]
        h0 = torch.cat(hs, dim=1)
        return h0, torch.cat(cs, dim=1) if cs else h0.new_zeros(batch, 0)

    # -- decoder ---------------------------------------------------------------------------------

    def start_input(self, batch: int) -> torch.Tensor:
        """What decoder step 0 reads: [N] `start` tokens, or [N, InputSize_dec] zeros."""
        if self.is_tokens:
            return torch.full((batch,), self.spec["output"]["start"], dtype=torch.int64)
        return torch.zeros(batch, self.decoder.input_width, dtype=self.dtype)

    def decoder_inputs(self, target: torch.Tensor) -> torch.Tensor:
        """What teacher forcing feeds the decoder: [N, L] tokens (`start`, then target[:, :-1] with -100
        read as `stop`, or `start` without one) or [N, L, InputSize_dec] vectors (zeros, then
        target[:, :-1])."""
        self._check_target(target, for_inputs=True)
        batch = target.shape[0]
        first = self.start_input(batch).unsqueeze(1)
        if self.is_tokens:
            previous = target[:, :-1].long()
            output = self.spec["output"]
            skipped = output["stop"] if output["stop"] is not None else output["start"]
            previous = previous.masked_fill(previous == IGNORE_INDEX, skipped)
            return torch.cat([first, previous], dim=1)
        return torch.cat([first, target[:, :-1].to(self.dtype)], dim=1)

    def _check_target(self, target: torch.Tensor, for_inputs: bool = False) -> None:
        L, size = self.output_length, self.output_size
        if self.is_tokens:
            if target.dim() != 2 or target.shape[1] != L:
                raise ValueError(f"expected target tokens [N, {L}], got {list(target.shape)}")
            if target.is_floating_point() or target.is_complex() or target.dtype == torch.bool:
                raise ValueError(f"token targets must be integer class ids, got {target.dtype}")
            valid = target != IGNORE_INDEX
            if bool(((target[valid] < 0) | (target[valid] >= size)).any()):
                raise ValueError(f"class ids must be in [0, {size}) or {IGNORE_INDEX}")
        elif target.dim() != 3 or target.shape[1] != L or target.shape[2] != size:
            raise ValueError(f"expected target vectors [N, {L}, {size}], got {list(target.shape)}")

    def _decoder_run(self, inputs: torch.Tensor, h0, c0, logits: bool) -> tuple:
        """The decoder stack and the head over inputs [N, steps] tokens or [N, steps, In] vectors from the
        flat states (h0, c0): (y [N, steps, OutputSize], h [N, HiddenStateSize_dec], c [N, CellStateSize_dec])."""
        steps = inputs.shape[1]
        h = self.decoder.embed(inputs, steps, "decoder input")
        batch = h.shape[0]
        initial = _split_states(self.spec["decoder"]["layers"], h0, c0, batch, h.dtype)
        h, states = _run_stack(self.decoder.layers, h, initial, None, self.dropout, self.training)
        h_n, c_n = _flat_states(states, batch, h)
        head = self.spec["output"]["head"]
        y = h if head == "none" else self.head(h)
        if not logits and head == "sigmoid":
            y = torch.sigmoid(y)
        elif not logits and head == "softmax":
            y = torch.softmax(y, dim=-1)
        return y, h_n, c_n

    def step(self, x: torch.Tensor, h, c, logits: bool = False) -> tuple:
        """One decoder step: (y [N, OutputSize], h, c) from the flat decoder state (h, c) and the input
        x ([N] tokens or [N, InputSize_dec] vectors); y holds probabilities for sigmoid and softmax heads
        (with `logits`, the head's input to them)."""
        y, h, c = self._decoder_run(x.unsqueeze(1), h, c, logits)
        return y[:, 0], h, c

    def run(self, x: torch.Tensor, target: torch.Tensor, lengths=None, logits: bool = False) -> tuple:
        """Teacher forcing: (y [N, L, OutputSize], h [N, HiddenStateSize_dec], c [N, CellStateSize_dec])
        the decoder's outputs and final states when step t > 0 reads target[:, t-1]
        (`decoder_inputs`). `lengths` are the encoder's; `logits` as in `step`."""
        h0, c0 = self.initial_states(x, lengths)
        if target.shape[0] != h0.shape[0]:
            raise ValueError(f"{target.shape[0]} targets for {h0.shape[0]} inputs")
        return self._decoder_run(self.decoder_inputs(target), h0, c0, logits)

    def forward(self, x: torch.Tensor, target: torch.Tensor, lengths=None) -> torch.Tensor:
        """[N, L, OutputSize]: the head's outputs under teacher forcing (probabilities for sigmoid and
        softmax heads), see `run`."""
        return self.run(x, target, lengths)[0]

    def logits(self, x: torch.Tensor, target: torch.Tensor, lengths=None) -> torch.Tensor:
        """The head's input to its sigmoid or softmax under teacher forcing (what the losses take)."""
        return self.run(x, target, lengths, logits=True)[0]

    def predict(self, x: torch.Tensor, lengths=None, length: int | None = None) -> torch.Tensor:
        """[N, length, OutputSize] (default L rows): greedy inference, what the generated `Predict`
        returns. Step 0 reads `start` or zeros; step t > 0 the previous row's most probable class
        (`argmax`, the first maximum) as a token, or the previous row itself (the head's output:
        probabilities for sigmoid and softmax heads). Every row is written; `stop` does not end it.
        Runs in eval mode (no dropout) and keeps autograd's graph unless the caller disables it."""
        length = self.output_length if length is None else _positive("length", length)
        with _evaluating(self):
            h, c = self.initial_states(x, lengths)
            feed = self.start_input(h.shape[0])
            rows = []
            for _ in range(length):
                row, h, c = self.step(feed, h, c)
                rows.append(row)
                feed = row.argmax(dim=1) if self.is_tokens else row
        return torch.stack(rows, dim=1)

    def decode(self, x: torch.Tensor, lengths=None) -> tuple:
        """(tokens [N, L] int64, count [N] int64): the greedy tokens (`predict(x).argmax(-1)`, every
        one of the L steps) and how many of them the class's `Decode` writes: up to and including the
        first `stop`, else L."""
        if not self.is_tokens:
            raise ValueError("decode needs a token decoder; a feature decoder's Predict is `predict`")
        with torch.no_grad():
            tokens = self.predict(x, lengths).argmax(dim=2)
        return tokens, _counts(tokens, self.spec["output"]["stop"])

    def generate(self, x: torch.Tensor, temperature: float = 1.0, generator: torch.Generator | None = None,
                 lengths=None) -> torch.Tensor:
        """[N, L] int64 tokens drawn one at a time from softmax(logits / temperature) and fed back, as
        the class's `Generate` draws them (other random numbers, the same distributions); temperature 0
        is greedy (`decode`'s tokens). After a sequence's `stop` token (kept) its entries are -1, so
        `(tokens >= 0).sum(1)` is the count `Generate` returns."""
        if not self.is_tokens:
            raise ValueError("generate draws tokens; it needs a token decoder")
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) \
                or not math.isfinite(temperature) or temperature < 0:
            raise ValueError(f"temperature must be 0 (greedy) or positive and finite, got {temperature!r}")
        stop = self.spec["output"]["stop"]
        tokens = []
        with torch.no_grad(), _evaluating(self):
            h, c = self.initial_states(x, lengths)
            feed = self.start_input(h.shape[0])
            done = torch.zeros(h.shape[0], dtype=torch.bool)
            for _ in range(self.output_length):
                logits, h, c = self.step(feed, h, c, logits=True)
                if temperature == 0:
                    feed = torch.softmax(logits, dim=1).argmax(dim=1)
                else:
                    probabilities = torch.softmax(logits.double() / temperature, dim=1)
                    feed = torch.multinomial(probabilities, 1, generator=generator)[:, 0]
                tokens.append(feed.masked_fill(done, -1))
                if stop is not None:
                    done = done | (feed == stop)
        return torch.stack(tokens, dim=1)


def _counts(tokens: torch.Tensor, stop) -> torch.Tensor:
    """[N] int64: per row of tokens [N, L], the position of the first `stop` plus one, else L."""
    batch, length = tokens.shape
    if stop is None:
        return torch.full((batch,), length, dtype=torch.int64)
    hit = tokens == stop
    first = torch.where(hit.any(dim=1), hit.long().argmax(dim=1) + 1, torch.full((batch,), length))
    return first.to(torch.int64)


def seq2seq_losses(model: EncoderDecoderModel, x: torch.Tensor, target: torch.Tensor, lengths=None,
                   loss: str | None = None) -> torch.Tensor:
    """[N]: each sequence's teacher-forcing loss, what the generated `AccumulateGradients(input, target
    [, length])` of an encoder-decoder spec returns (its gradient is what it adds to `Gradients`).

    `lengths` [N] are the encoder's. Targets: cross_entropy (token decoders) `[N, L]` class ids,
    -100 for a step to leave out (and read back as `stop`, or `start`), the mean over the valid steps
    of `CrossEntropyLoss` on the logits (0, with no gradient, for a sequence without one); mse
    `[N, L, OutputSize]` reals, `MSELoss` (mean over all L*OutputSize values) on the outputs
    (probabilities for sigmoid and softmax heads); binary_cross_entropy, reals in [0, 1],
    `BCEWithLogitsLoss` (mean) on the logits. `loss` defaults to the spec's `training.loss`."""
    spec = model.spec
    if loss is None:
        if spec["training"] is None:
            raise ValueError("the spec has no training section; pass loss='mse', 'binary_cross_entropy' "
                             "or 'cross_entropy'")
        loss = spec["training"]["loss"]
    head = spec["output"]["head"]
    if loss not in _LOSS_HEADS:
        raise ValueError(f"unknown loss {loss!r}; expected {', '.join(_LOSS_HEADS)}")
    if head not in _LOSS_HEADS[loss]:
        raise ValueError(f"loss {loss} does not fit head {head}")
    if (loss == "cross_entropy") != model.is_tokens:
        raise ValueError("cross_entropy goes with a token decoder, and a token decoder trains with cross_entropy")
    if loss == "cross_entropy":
        target = target.long() if not target.is_floating_point() else target
        logits = model.logits(x, target, lengths)  # [N, L, C]
        per_step = nn.functional.cross_entropy(logits.transpose(1, 2), target, ignore_index=IGNORE_INDEX,
                                               reduction="none")  # [N, L], 0 where ignored
        valid = target != IGNORE_INDEX
        return per_step.sum(dim=1) / valid.sum(dim=1).clamp(min=1).to(per_step.dtype)
    if loss == "binary_cross_entropy":
        logits = model.logits(x, target, lengths)
        return nn.functional.binary_cross_entropy_with_logits(logits, target.to(logits.dtype),
                                                              reduction="none").mean(dim=(1, 2))
    y = model(x, target, lengths)
    return nn.functional.mse_loss(y, target.to(y.dtype), reduction="none").mean(dim=(1, 2))


# ---------------------------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------------------------

IGNORE_INDEX = -100  # a cross_entropy target step with this class is left out of the loss


def sequence_losses(model: RnnGenModel, x: torch.Tensor, target: torch.Tensor, loss: str | None = None,
                    lengths=None, h0=None, c0=None) -> torch.Tensor:
    """[N]: each sequence's loss as DESIGN.md's loss table defines it, what the generated
    `AccumulateGradients` returns for that sequence; its gradient is what it adds to `Gradients`.

    `loss` defaults to the spec's `training.loss`. Targets, per sequence:
    - mse: reals `[N, OutputLength, OutputSize]`; `MSELoss` (the mean over the sequence's elements)
      on `model(x)`, i.e. on probabilities for sigmoid and softmax heads, as `Predict` returns them;
    - binary_cross_entropy (sigmoid head): reals in [0, 1], same shape; `BCEWithLogitsLoss` (mean)
      on `model.logits(x)`;
    - cross_entropy (softmax head): integer class ids `[N, OutputLength]`, `IGNORE_INDEX` (-100) for
      steps to leave out; `CrossEntropyLoss(ignore_index=-100)` on the logits, the mean over the
      sequence's valid steps. A sequence with no valid step has loss 0 and gradient 0 (PyTorch
      gives NaN: 0/0), so one fully masked sequence does not poison a batch.

    With `lengths` (and `h0`, `c0`, as in `RnnGenModel.run`), a many-to-many sequence's loss only
    counts its steps < lengths[n]: mse and binary_cross_entropy are the mean over its
    lengths[n]*OutputSize valid elements, cross_entropy the mean over its valid steps whose target
    is not -100; the targets past the length are ignored, whatever they hold. Many-to-one losses
    are as without lengths (the one output reads the states at the sequence's end).

    `sequence_losses(...).mean()` is the loss of a batch as the C# class trains it (N calls of
    `AccumulateGradients`, then `ApplyGradients(N)`). For cross_entropy that is the mean of the
    sequences' means, not PyTorch's mean over every valid step of the batch.

    A one-to-many spec trains its many-to-many network: x holds T steps and the targets T rows
    (`network_length`), as a many-to-many spec's; `teacher_forcing_loss` cuts both from sequences.
    An `EncoderDecoderModel` takes `seq2seq_losses(model, x, target, lengths, loss)` (teacher forcing;
    `lengths` are the encoder's; no h0, c0).
    """
    if isinstance(model, EncoderDecoderModel):
        if h0 is not None or c0 is not None:
            raise ValueError("an encoder-decoder model starts its decoder from the encoder: no h0 or c0")
        return seq2seq_losses(model, x, target, lengths, loss)
    spec = model.spec
    if loss is None:
        if spec["training"] is None:
            raise ValueError("the spec has no training section; pass loss='mse', 'binary_cross_entropy' "
                             "or 'cross_entropy'")
        loss = spec["training"]["loss"]
    head = spec["output"]["head"]
    if loss not in _LOSS_HEADS:
        raise ValueError(f"unknown loss {loss!r}; expected {', '.join(_LOSS_HEADS)}")
    if head not in _LOSS_HEADS[loss]:
        raise ValueError(f"loss {loss} does not fit head {head}")
    batch = x.shape[0]
    length, size = model.network_length, model.output_size
    steps = None  # [N, length] bool: the output steps that count, when lengths cut some off
    if lengths is not None:
        lengths = check_lengths(lengths, batch, spec["sequence"])
        if spec["output"]["mode"] != "many-to-one":
            steps = torch.arange(length).unsqueeze(0) < lengths.unsqueeze(1)

    if loss == "cross_entropy":
        if target.is_floating_point() or target.is_complex() or target.dtype == torch.bool:
            raise ValueError(f"cross_entropy targets must be integer class ids, got {target.dtype}")
        if tuple(target.shape) != (batch, length):
            raise ValueError(f"expected cross_entropy targets [{batch}, {length}], got {list(target.shape)}")
        target = target.long()
        if steps is not None:
            target = target.masked_fill(~steps, IGNORE_INDEX)
        valid = target != IGNORE_INDEX
        if bool(((target[valid] < 0) | (target[valid] >= size)).any()):
            raise ValueError(f"class ids must be in [0, {size}) or {IGNORE_INDEX}")
        logits = model.logits(x, lengths, h0, c0)  # [N, L, C]; cross_entropy wants the classes in dimension 1
        per_step = nn.functional.cross_entropy(logits.transpose(1, 2), target, ignore_index=IGNORE_INDEX,
                                               reduction="none")  # [N, L], 0 where ignored
        return per_step.sum(dim=1) / valid.sum(dim=1).clamp(min=1).to(per_step.dtype)

    if tuple(target.shape) != (batch, length, size):
        raise ValueError(f"expected {loss} targets [{batch}, {length}, {size}], got {list(target.shape)}")
    if steps is not None:
        # The targets past the length become 0 before they meet the outputs (themselves 0 there),
        # so that not even a NaN or infinite one there reaches the loss or its gradient.
        target = target.masked_fill(~steps.unsqueeze(2), 0.0)
    if loss == "binary_cross_entropy":
        logits = model.logits(x, lengths, h0, c0)
        per_element = nn.functional.binary_cross_entropy_with_logits(logits, target.to(logits.dtype),
                                                                     reduction="none")
    else:
        y = model(x, lengths, h0, c0)
        per_element = nn.functional.mse_loss(y, target.to(y.dtype), reduction="none")
    if steps is None:
        return per_element.mean(dim=(1, 2))
    per_element = per_element.masked_fill(~steps.unsqueeze(2), 0.0)
    return per_element.sum(dim=(1, 2)) / (lengths * size).to(per_element.dtype)


# ---------------------------------------------------------------------------------------------
# One-to-many: generation and teacher forcing
# ---------------------------------------------------------------------------------------------

def _check_generative(model: RnnGenModel, what: str) -> None:
    mode = model.spec["output"]["mode"]
    if mode != "one-to-many":
        raise ValueError(f"{what} needs a one-to-many spec, not {mode}")


@contextlib.contextmanager
def _evaluating(model: RnnGenModel):
    """Generation is inference: no dropout while it runs; the model's mode is restored after."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)


def _run_prime(model: RnnGenModel, prime: torch.Tensor, logits: bool) -> tuple:
    """The prime [N, P] (tokens) or [N, P, InputSize] (reals), P >= 1 steps, run from the zero state:
    (the head's output at its last step [N, OutputSize], h, c)."""
    if prime.dim() < 2 or prime.shape[1] < 1:
        raise ValueError(f"expected a prime of one step or more, [N, P{'' if model.is_tokens else ', InputSize'}], "
                         f"got {list(prime.shape)}")
    y, h, c = model._network(model._embed(prime, prime.shape[1]), None, None, None, logits, per_step=True)
    return y[:, -1], h, c


def _positive(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def generate_greedy(model: RnnGenModel, prime: torch.Tensor, length: int | None = None) -> torch.Tensor:
    """[N, length, OutputSize]: greedy generation, what the generated `Predict` of a one-to-many spec
    returns for a prime of T (`sequence`) steps.

    `prime` is [N, P] integer tokens or [N, P, InputSize] reals, P >= 1 (`Predict` takes exactly T;
    the vector class's `Generate` any P). The prime runs from the zero state and the head's output
    at its last step is row 0; then each row k >= 1 is one `step` fed with row k-1's choice: the
    most probable token (`argmax`, the first maximum on ties) for token models, the row itself (the
    values of heads none and linear, the probabilities of a sigmoid head) for vector models. Rows
    are probabilities for softmax and sigmoid heads. `length` defaults to the spec's
    `output.length`; the spec's `stop` does not end it (it ends `sample`, as it ends the class's
    token `Generate`). Runs in eval mode (no dropout) and keeps autograd's graph unless the caller
    disables it.
    """
    _check_generative(model, "generate_greedy")
    length = model.output_length if length is None else _positive("length", length)
    with _evaluating(model):
        row, h, c = _run_prime(model, prime, logits=False)
        rows = [row]
        for _ in range(1, length):
            row, h, c = model.step(row.argmax(dim=1) if model.is_tokens else row, h, c)
            rows.append(row)
    return torch.stack(rows, dim=1)


def sample(model: RnnGenModel, prime: torch.Tensor, steps: int, temperature: float = 1.0,
           generator: torch.Generator | None = None) -> torch.Tensor:
    """[N, steps] int64 token ids drawn one at a time from a one-to-many token model, as the generated
    `Generate(prime, output, temperature, seed)` draws them (from PyTorch's generator, not the class's,
    so the values differ; the distributions are the same).

    `prime` is [N, P] tokens, P >= 1, run from the zero state. Token 0 is drawn from the head's
    distribution at the last prime step, each next one after feeding the previous one back:
    from `softmax(logits / temperature)` (the class's `p^(1/temperature)` normalized is the same
    distribution). Temperature 0 takes the most probable token (the first on ties) and draws
    nothing, so `sample(model, prime, L, 0.0)` is `generate_greedy(model, prime, L).argmax(-1)`.
    With the spec's `stop`, a sequence ends after its stop token, which it keeps, and its later
    entries are -1: `(tokens >= 0).sum(1)` is the count the class's `Generate` returns.
    `generator` (a CPU `torch.Generator`; None: PyTorch's global one) makes the draws repeatable.
    """
    _check_generative(model, "sample")
    if not model.is_tokens:
        raise ValueError("sample draws tokens; a vector model generates with generate_greedy (the class's Generate)")
    steps = _positive("steps", steps)
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) \
            or not math.isfinite(temperature) or temperature < 0:
        raise ValueError(f"temperature must be 0 (greedy) or positive and finite, got {temperature!r}")
    stop = model.spec["output"]["stop"]
    tokens = []
    with torch.no_grad(), _evaluating(model):
        logits, h, c = _run_prime(model, prime, logits=True)
        done = torch.zeros(logits.shape[0], dtype=torch.bool)
        for k in range(steps):
            if k > 0:
                logits, h, c = model.step(choice, h, c, logits=True)
            if temperature == 0:
                choice = torch.softmax(logits, dim=1).argmax(dim=1)
            else:
                probabilities = torch.softmax(logits.double() / temperature, dim=1)
                choice = torch.multinomial(probabilities, 1, generator=generator)[:, 0]
            tokens.append(choice.masked_fill(done, -1))
            if stop is not None:
                done = done | (choice == stop)
    return torch.stack(tokens, dim=1)


def teacher_forcing_loss(model: RnnGenModel, sequences: torch.Tensor, loss: str | None = None) -> torch.Tensor:
    """[N]: each sequence's teacher-forcing loss, what the generated `AccumulateGradients(sequence)`
    of a one-to-many spec returns (and its gradient what it adds to `Gradients`).

    `sequences` is [N, T+1] integer tokens or [N, T+1, InputSize] reals (T = `sequence`). The
    network reads the first T steps and learns each next one, PyTorch-style `x = seq[:, :-1]`,
    `y = seq[:, 1:]`: `sequence_losses(model, x, y)`, the many-to-many loss over the T steps
    (cross_entropy on the logits against the next tokens for token models; mse on the outputs, or
    binary_cross_entropy on the logits with a sigmoid head, against the next vectors).
    `loss` defaults to the spec's `training.loss`.
    """
    _check_generative(model, "teacher_forcing_loss")
    T = model.spec["sequence"]
    if model.is_tokens:
        if sequences.dim() != 2 or sequences.shape[1] != T + 1:
            raise ValueError(f"expected token sequences [N, {T + 1}] (T + 1 steps), got {list(sequences.shape)}")
        if sequences.is_floating_point():
            raise ValueError("token sequences must be an integer tensor")
        sequences = sequences.long()
    elif sequences.dim() != 3 or sequences.shape[1] != T + 1 or sequences.shape[2] != model.input_width:
        raise ValueError(f"expected sequences [N, {T + 1}, {model.input_width}] (T + 1 steps), "
                         f"got {list(sequences.shape)}")
    return sequence_losses(model, sequences[:, :-1], sequences[:, 1:], loss)


# ---------------------------------------------------------------------------------------------
# safetensors, by hand
# ---------------------------------------------------------------------------------------------

_TORCH_TO_ST = {torch.float16: "F16", torch.bfloat16: "BF16", torch.float32: "F32", torch.float64: "F64"}
_ST_ITEMSIZE = {"F16": 2, "BF16": 2, "F32": 4, "F64": 8}
_ST_NUMPY = {"F16": "<f2", "F32": "<f4", "F64": "<f8"}
_MAX_HEADER = 100 * 1024 * 1024


def _tensor_bytes(tensor: torch.Tensor) -> tuple[str, bytes]:
    dtype = _TORCH_TO_ST.get(tensor.dtype)
    if dtype is None:
        raise ValueError(f"cannot write dtype {tensor.dtype}; expected float16, bfloat16, float32 or float64")
    t = tensor.detach().cpu().contiguous()
    if dtype == "BF16":
        return dtype, t.view(torch.int16).numpy().astype("<i2").tobytes()
    return dtype, t.numpy().astype(_ST_NUMPY[dtype]).tobytes()


def safetensors_bytes(tensors: dict, metadata: dict | None = None) -> bytes:
    """The bytes of a safetensors file holding `tensors` in their order (see `save_safetensors`)."""
    header: dict = {}
    if metadata:
        for key, value in metadata.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise ValueError(f"metadata must map strings to strings, got {key!r}: {value!r}")
        header["__metadata__"] = dict(metadata)
    blobs = []
    offset = 0
    for name, tensor in tensors.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise ValueError(f"invalid tensor name {name!r}")
        dtype, blob = _tensor_bytes(tensor)
        header[name] = {"dtype": dtype, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def save_safetensors(path, tensors: dict, metadata: dict | None = None) -> None:
    """Writes `tensors` (name -> float16/bfloat16/float32/float64 tensor) to a safetensors file.

    Tensors are stored contiguous, in the dict's order, little-endian; the JSON header (with
    `__metadata__` first when given) is padded with spaces to a multiple of 8 bytes. The same
    input always gives the same bytes.
    """
    Path(path).write_bytes(safetensors_bytes(tensors, metadata))


def parse_safetensors(data: bytes) -> tuple[dict, dict]:
    """Parses the bytes of a safetensors file; see `load_safetensors`."""
    if len(data) < 8:
        raise ValueError("not a safetensors file: shorter than its 8-byte header length")
    (n,) = struct.unpack_from("<Q", data, 0)
    if n > _MAX_HEADER or 8 + n > len(data):
        raise ValueError(f"header length {n} does not fit a file of {len(data)} bytes")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"header is not UTF-8 JSON: {e}") from None
    if not isinstance(header, dict):
        raise ValueError("header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ValueError("__metadata__ must map strings to strings")
    body = memoryview(data)[8 + n:]
    entries = []
    for name, info in header.items():
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise ValueError(f"tensor '{name}': expected dtype, shape and data_offsets")
        dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in _ST_ITEMSIZE:
            raise ValueError(f"tensor '{name}': unsupported dtype {dtype!r}; expected F16, BF16, F32 or F64")
        if (not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0
                                                     for d in shape)):
            raise ValueError(f"tensor '{name}': bad shape {shape!r}")
        if (not isinstance(offsets, list) or len(offsets) != 2
                or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)):
            raise ValueError(f"tensor '{name}': bad data_offsets {offsets!r}")
        begin, end = offsets
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if not 0 <= begin <= end <= len(body) or end - begin != count * _ST_ITEMSIZE[dtype]:
            raise ValueError(f"tensor '{name}': data_offsets {offsets} do not match dtype {dtype}, shape {shape} "
                             f"and a data section of {len(body)} bytes")
        entries.append((begin, end, name, dtype, shape))
    # The data must be covered exactly, with no gap or overlap (the format's own rule).
    position = 0
    for begin, end, name, _, _ in sorted(entries):
        if begin != position:
            raise ValueError(f"tensor '{name}': data starts at {begin}, expected {position} (gap or overlap)")
        position = end
    if position != len(body):
        raise ValueError(f"{len(body) - position} trailing bytes after the last tensor")

    tensors = {}
    for begin, end, name, dtype, shape in entries:
        raw = bytes(body[begin:end])
        if dtype == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            t = torch.from_numpy(bits.view(np.float32).copy()).to(torch.bfloat16)
        else:
            t = torch.from_numpy(np.frombuffer(raw, dtype=_ST_NUMPY[dtype]).astype(_ST_NUMPY[dtype][1:]).copy())
        tensors[name] = t.reshape(shape)
    return tensors, metadata


def load_safetensors(path) -> tuple[dict, dict]:
    """Reads a safetensors file: (name -> tensor in the file's dtype, in header order; metadata).

    Accepts F16, BF16, F32 and F64; raises `ValueError` naming the tensor for a malformed file.
    """
    return parse_safetensors(Path(path).read_bytes())


def model_metadata(name: str) -> dict:
    """The `__metadata__` the generated class's `SaveSafetensors` writes, so that both sides write the
    same bytes for the same weights ("format": "pt" is what Hugging Face tools expect)."""
    return {"format": "pt", "model": name}


def save_model(model: RnnGenModel, path, name: str | None = None) -> None:
    """Writes the model's state_dict (in its own precision) with metadata {"format": "pt", "model": name}."""
    name = name or model.spec["model"]
    save_safetensors(path, dict(model.state_dict()), model_metadata(name))


@torch.no_grad()
def load_weights(model: RnnGenModel, path) -> dict:
    """Loads a safetensors file into `model` as the generated class does; returns its metadata.

    Every parameter must be present with its exact shape and no other tensor may be there;
    values are converted to the model's precision. On any failure raises `ValueError` naming the
    tensor and leaves the model unchanged.
    """
    tensors, metadata = load_safetensors(path)
    state = model.state_dict()
    for name in tensors:
        if name not in state:
            raise ValueError(f"{path}: unknown tensor '{name}' (the model has {', '.join(state)})")
    for name, param in state.items():
        if name not in tensors:
            raise ValueError(f"{path}: missing tensor '{name}'")
        if list(tensors[name].shape) != list(param.shape):
            raise ValueError(f"{path}: tensor '{name}' has shape {list(tensors[name].shape)}, "
                             f"expected {list(param.shape)}")
    for name, param in state.items():
        param.copy_(tensors[name].to(param.dtype))
    return metadata


def build_model(spec: dict) -> nn.Module:
    """The mirror of a spec (a mapping, normalized or not): `EncoderDecoderModel` for mode
    encoder-decoder, `RnnGenModel` for the others."""
    spec = normalize_spec(spec)
    return EncoderDecoderModel(spec) if spec["output"]["mode"] == "encoder-decoder" else RnnGenModel(spec)


def load_model(spec_path, weights_path=None) -> nn.Module:
    """Builds the mirror of a spec file (`build_model`) and, when given, loads its weights."""
    model = build_model(load_spec(spec_path))
    if weights_path is not None:
        load_weights(model, weights_path)
    return model


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Build the PyTorch mirror of an RnnGen spec.")
    parser.add_argument("spec", help="a *.rnn.yaml file")
    parser.add_argument("--weights", help="load these safetensors weights into the mirror")
    parser.add_argument("--init-out", help="write the mirror's weights to this safetensors file")
    parser.add_argument("--seed", type=int, default=0, help="torch seed for the initial weights (default 0)")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    try:
        model = load_model(args.spec, args.weights)
    except (ValueError, NotImplementedError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    length, size = model.output_length, model.output_size
    print(f"{model.spec['model']}: {model.spec['precision']}, output [{length}, {size}], "
          f"{sum(p.numel() for p in model.parameters())} parameters")
    state = model.state_dict()
    width = max(len(name) for name in state)
    for name, param in state.items():
        print(f"  {name:<{width}}  {list(param.shape)}")
    if args.init_out:
        save_model(model, args.init_out)
        print(f"wrote {args.init_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
