"""Trains the walkthrough's TrendDetector (docs/walkthrough.md) in PyTorch with the RnnGen mirror
and saves its weights as safetensors for the generated C# class.

    /usr/bin/python3 docs/walkthrough/train.py --mirror mirror --out trend.safetensors

--mirror is the folder `rnngen mirror SPEC --out DIR` wrote (it holds rnngen_torch.py and
trend_detector.py); without it the spec beside this script is built with src/python/rnngen_torch.py
of this checkout. Needs Python 3 with PyTorch 1.13 and PyYAML.
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import torch

HERE = pathlib.Path(__file__).resolve().parent
T, FEATURES = 20, 2  # the spec's sequence and input


def make_batch(n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """n series of T steps: feature 0 is a noisy line whose slope is up or down, feature 1 pure
    noise. The label is 1 when the slope is positive."""
    slope = torch.rand(n, 1, generator=generator) * 2 - 1                 # in [-1, 1)
    steps = torch.linspace(-1, 1, T).unsqueeze(0)                          # [1, T]
    trend = slope * steps + 0.3 * torch.randn(n, T, generator=generator)
    noise = torch.randn(n, T, generator=generator)
    x = torch.stack([trend, noise], dim=2)                                 # [n, T, FEATURES]
    y = (slope > 0).float().view(n, 1, 1)                                  # [n, OutputLength, OutputSize]
    return x, y


def build(mirror: str | None):
    if mirror:
        sys.path.insert(0, mirror)
        import rnngen_torch as rt
        from trend_detector import build_model       # the script `rnngen mirror` wrote
        return rt, build_model(seed=0)
    sys.path.insert(0, str(HERE.parent.parent / "src" / "python"))
    import rnngen_torch as rt
    torch.manual_seed(0)
    return rt, rt.RnnGenModel(rt.load_spec(HERE / "trend_detector.rnn.yaml"))


def main() -> int:
    parser = argparse.ArgumentParser(description="Train the walkthrough's TrendDetector in PyTorch.")
    parser.add_argument("--mirror", help="folder written by `rnngen mirror` (default: this checkout's src/python)")
    parser.add_argument("--out", default="trend.safetensors", help="weights file to write")
    parser.add_argument("--steps", type=int, default=60, help="optimizer steps (default 60)")
    args = parser.parse_args()

    rt, model = build(args.mirror)
    data = torch.Generator().manual_seed(1)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    model.train()
    for step in range(1, args.steps + 1):
        x, y = make_batch(32, data)
        optimizer.zero_grad()
        loss = loss_fn(model.logits(x), y)           # logits: the head before its sigmoid
        loss.backward()
        optimizer.step()
        if step % 20 == 0:
            print(f"step {step:3d}  loss {loss.item():.4f}")

    model.eval()
    with torch.no_grad():
        x, y = make_batch(1000, torch.Generator().manual_seed(2))
        p = model(x)                                 # probabilities, what C#'s Predict returns
        accuracy = ((p > 0.5).float() == y).float().mean().item()
        print(f"held-out accuracy {accuracy:.3f}")
        probe = torch.linspace(-1, 1, T * FEATURES).view(1, T, FEATURES)  # a fixed input to compare with C#
        print(f"probe prediction {model(probe).item():.6f}")

    rt.save_model(model, args.out)                   # state_dict names = the C# class's ParameterLayout
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
