"""Regenerates the PyTorch parity fixtures of the numeric tests (docs/fixtures.md).

    /usr/bin/python3 tests/RnnGen.Tests/Fixtures/make_fixtures.py

For every `*.rnn.yaml` here and in `specs/` it writes `<Model>.safetensors` (the weights the
generated class loads) and `<Model>.expected.safetensors` (inputs and PyTorch's outputs) beside
this script. The output is deterministic: running it twice gives the same bytes. Before writing
anything it checks the safetensors code and checks the mirror against a naive step loop.
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "src" / "python"))

import rnngen_torch as rt  # noqa: E402

BATCH = 3
WEIGHT_RANGE = 0.8
NAIVE_TOLERANCE = 1e-12  # float64 mirror vs float64 naive loop: only summation order differs.


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
# Self-check 2: the mirror against a naive step loop written from DESIGN.md's equations
# ---------------------------------------------------------------------------------------------

def sigmoid(v: torch.Tensor) -> torch.Tensor:
    return 1.0 / (1.0 + torch.exp(-v))


def naive_step(cell: str, p: dict, suffix: str, x, h, c):
    """One step of one direction; p holds the layer's tensors, x and h are vectors."""
    w_ih, w_hh = p["weight_ih_l0" + suffix], p["weight_hh_l0" + suffix]
    b_ih, b_hh = p["bias_ih_l0" + suffix], p["bias_hh_l0" + suffix]
    H = w_hh.shape[1]
    if cell == "rnn":
        return torch.tanh(w_ih @ x + b_ih + w_hh @ h + b_hh), c
    if cell == "lstm":
        a = w_ih @ x + b_ih + w_hh @ h + b_hh
        i, f, g, o = sigmoid(a[:H]), sigmoid(a[H:2 * H]), torch.tanh(a[2 * H:3 * H]), sigmoid(a[3 * H:])
        c = f * c + i * g
        return o * torch.tanh(c), c
    gi, gh = w_ih @ x + b_ih, w_hh @ h + b_hh
    r = sigmoid(gi[:H] + gh[:H])
    z = sigmoid(gi[H:2 * H] + gh[H:2 * H])
    n = torch.tanh(gi[2 * H:] + r * gh[2 * H:])
    return (1 - z) * n + z * h, c


def naive_forward(spec: dict, params: dict, x: torch.Tensor, use_last_output: bool = False) -> torch.Tensor:
    """[N, OutputLength, OutputSize] by explicit loops; `use_last_output` reads output[T-1] instead
    of h_n for many-to-one (the mistake the bidirectional fixtures must catch)."""
    T = spec["sequence"]
    results = []
    for sample in x:
        if isinstance(spec["input"], dict):
            steps = [params["embedding.weight"][int(token)] for token in sample]
        else:
            steps = list(sample)
        final = None
        for k, layer in enumerate(spec["layers"]):
            p = {name[len(f"layers.{k}."):]: t for name, t in params.items() if name.startswith(f"layers.{k}.")}
            H = layer["hidden"]
            directions = [("", range(T))]
            if layer["direction"] == "bidirectional":
                directions.append(("_reverse", range(T - 1, -1, -1)))
            outs, finals = [], []
            for suffix, order in directions:
                h = torch.zeros(H, dtype=torch.float64)
                c = torch.zeros(H, dtype=torch.float64)
                out = [None] * T
                for t in order:
                    h, c = naive_step(layer["cell"], p, suffix, steps[t], h, c)
                    out[t] = h
                outs.append(out)
                finals.append(h)  # forward ends at T-1, reverse at 0
            steps = [torch.cat([out[t] for out in outs]) for t in range(T)]
            final = torch.cat(finals)
        if spec["output"]["mode"] == "many-to-one":
            features = [steps[T - 1] if use_last_output else final]
        else:
            features = steps
        head = spec["output"]["head"]
        rows = []
        for v in features:
            if head != "none":
                v = params["head.weight"] @ v + params["head.bias"]
            if head == "sigmoid":
                v = sigmoid(v)
            elif head == "softmax":
                e = torch.exp(v - v.max())
                v = e / e.sum()
            rows.append(v)
        results.append(torch.stack(rows))
    return torch.stack(results)


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------

def build_fixture(spec_path: Path) -> dict:
    spec = rt.load_spec(spec_path)
    name = spec["model"]
    seed = zlib.crc32(name.encode("utf-8"))
    torch.manual_seed(seed)
    model = rt.RnnGenModel(spec).eval()  # PyTorch's default init, in the spec's precision...
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in model.state_dict().values():  # ...then larger values, so that tests see saturation
            param.uniform_(-WEIGHT_RANGE, WEIGHT_RANGE, generator=g)

    weight_bytes = rt.safetensors_bytes(dict(model.state_dict()), rt.model_metadata(name))
    stored, metadata = rt.parse_safetensors(weight_bytes)
    assert metadata == rt.model_metadata(name)

    T = spec["sequence"]
    if isinstance(spec["input"], dict):
        x = torch.randint(0, spec["input"]["vocab"], (BATCH, T), generator=g)
    else:
        dtype = torch.float32 if spec["precision"] == "float32" else torch.float64
        x = torch.randn(BATCH, T, spec["input"], generator=g, dtype=dtype).double()

    # The expected output comes from the stored weights (exactly the file's values) in float64.
    reference = rt.RnnGenModel(spec).double().eval()  # eval: no training dropout
    with torch.no_grad():
        for key, param in reference.state_dict().items():
            param.copy_(stored[key].double())
        expected = reference(x).detach()
        in_precision = model(x).double()

    length, size = rt.output_shape(spec)
    assert expected.shape == (BATCH, length, size), expected.shape
    float64_params = {key: t.double() for key, t in stored.items()}
    naive = naive_forward(spec, float64_params, x)
    naive_diff = (naive - expected).abs().max().item()
    assert naive_diff <= NAIVE_TOLERANCE, f"{name}: mirror and naive loop differ by {naive_diff:.3g}"

    # Where the last layer is bidirectional, reading output[T-1] instead of h_n must be caught.
    last = spec["layers"][-1]
    catch_diff = None
    if spec["output"]["mode"] == "many-to-one" and last["direction"] == "bidirectional":
        catch_diff = (naive_forward(spec, float64_params, x, use_last_output=True) - expected).abs().max().item()
        assert catch_diff > 1e-3, f"{name}: the fixture cannot tell h_n from output[T-1]"

    expected_bytes = rt.safetensors_bytes({"input": x.double(), "output": expected}, rt.model_metadata(name))
    return {
        "name": name, "seed": seed, "weights": weight_bytes, "expected": expected_bytes,
        "naive_diff": naive_diff, "precision_diff": (in_precision - expected).abs().max().item(),
        "catch_diff": catch_diff, "shape": list(expected.shape), "precision": spec["precision"],
    }


def main() -> int:
    torch.set_num_threads(1)  # one summation order, so reruns give identical bytes
    check_safetensors()
    print("safetensors: writer matches the format's bytes, round trip exact for F16/BF16/F32/F64, "
          "malformed files rejected")

    spec_paths = sorted(HERE.glob("*.rnn.yaml")) + sorted((ROOT / "specs").glob("*.rnn.yaml"))
    fixtures, skipped = [], []
    for path in spec_paths:
        try:
            fixtures.append(build_fixture(path))
        except NotImplementedError as e:
            skipped.append(f"{path.relative_to(ROOT)}: {e}")
    names = [f["name"] for f in fixtures]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SystemExit(f"two specs define model {duplicates[0]}; fixture files would collide")

    print(f"{'model':<32} {'precision':<9} {'output':<11} {'naive':>9} {'own prec.':>9} {'h_n vs out[T-1]':>15}")
    for f in fixtures:
        (HERE / f"{f['name']}.safetensors").write_bytes(f["weights"])
        (HERE / f"{f['name']}.expected.safetensors").write_bytes(f["expected"])
        catch = "" if f["catch_diff"] is None else f"{f['catch_diff']:.3g}"
        print(f"{f['name']:<32} {f['precision']:<9} {str(f['shape']):<11} {f['naive_diff']:>9.2g} "
              f"{f['precision_diff']:>9.2g} {catch:>15}")
    for message in skipped:
        print(f"skipped (the mirror does not support it yet) {message}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
