"""PyTorch mirror of the RnnGen model $MODEL$, written by `rnngen mirror` from $SPEC_FILE$.

The spec is embedded below (SPEC_YAML), so this file needs only rnngen_torch.py beside it
(`rnngen mirror SPEC --out DIR` writes both). Run `rnngen mirror` again when the spec changes.

From the command line (Python 3 with PyTorch 1.13 and PyYAML):

    python3 $SCRIPT_FILE$ [--weights W.safetensors] [--init-out OUT.safetensors] [--seed N]

From Python, with this file's folder on the path:

    from $SCRIPT_MODULE$ import build_model
    model = build_model()   # rnngen_torch's mirror of the spec: state_dict names and shapes are the C# class's
"""

from __future__ import annotations

import argparse
import sys

import torch
import yaml

import rnngen_torch

SPEC_YAML = """\
$SPEC_YAML$"""


def build_model(seed: int = 0, weights=None) -> torch.nn.Module:
    """The mirror of the spec, initialized after `torch.manual_seed(seed)`; loads `weights` (a
    safetensors file) when given, failing with ValueError, naming the tensor, if they do not fit."""
    torch.manual_seed(seed)
    model = rnngen_torch.build_model(yaml.safe_load(SPEC_YAML))  # RnnGenModel, or EncoderDecoderModel
    if weights is not None:
        rnngen_torch.load_weights(model, weights)
    return model


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Build the PyTorch mirror of $MODEL$ and list its parameters.")
    parser.add_argument("--weights", help="load these safetensors weights into the mirror")
    parser.add_argument("--init-out", help="write the mirror's weights to this safetensors file")
    parser.add_argument("--seed", type=int, default=0, help="torch seed for the initial weights (default 0)")
    args = parser.parse_args(argv)

    try:
        model = build_model(args.seed, args.weights)
    except (ValueError, NotImplementedError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"{model.spec['model']}: {model.spec['precision']}, output [{model.output_length}, {model.output_size}], "
          f"{sum(p.numel() for p in model.parameters())} parameters")
    state = model.state_dict()
    width = max(len(name) for name in state)
    for name, param in state.items():
        print(f"  {name:<{width}}  {list(param.shape)}")
    if args.init_out:
        rnngen_torch.save_model(model, args.init_out)
        print(f"wrote {args.init_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
