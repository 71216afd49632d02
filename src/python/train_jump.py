"""Trains the jump detector (specs/jump_detector.rnn.yaml) on the jump task (docs/jump_task.md) in PyTorch.

Writes, next to the demo that loads them:
  src/RnnGen.Demo/jump_detector.safetensors      the trained weights (rnngen_torch.save_model: the C# class's names)
  src/RnnGen.Demo/jump_detector.reference.json   PyTorch's accuracy on the fresh set and its first probabilities

Deterministic: one thread, fixed seeds, so two runs write the same bytes. Run from anywhere:
    /usr/bin/python3 src/python/train_jump.py
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))

import jump_task  # noqa: E402
import rnngen_torch as rt  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "specs" / "jump_detector.rnn.yaml"
DEMO = REPO / "src" / "RnnGen.Demo"

TRAINING_SIZE = 4000
VALIDATION_SIZE = 1000
FRESH_SIZE = 1000
REFERENCE_PROBABILITIES = 5

TORCH_SEED = 0
EPOCHS = 10
SLOW_DOWN_AFTER = 7  # epochs at LEARNING_RATE, then LEARNING_RATE / 5 to settle
BATCH = 50
LEARNING_RATE = 0.005
CLIP_NORM = 1.0


@torch.no_grad()
def accuracy(model: rt.RnnGenModel, inputs: torch.Tensor, labels: torch.Tensor) -> tuple[float, int]:
    """(accuracy, correct count): a sequence counts as a jump when P(jump) > 0.5, as the demo decides."""
    probabilities = model(inputs).reshape(-1)
    correct = int(((probabilities > 0.5).long() == labels).sum())
    return correct / len(labels), correct


def train(model: rt.RnnGenModel, inputs: torch.Tensor, labels: torch.Tensor,
          validation: tuple[torch.Tensor, torch.Tensor]) -> None:
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loss_function = nn.BCEWithLogitsLoss()
    targets = labels.to(torch.float32).reshape(-1, 1, 1)
    schedule = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[SLOW_DOWN_AFTER], gamma=0.2)
    order_generator = torch.Generator().manual_seed(TORCH_SEED)
    for epoch in range(1, EPOCHS + 1):
        started = time.perf_counter()
        model.train()
        order = torch.randperm(len(inputs), generator=order_generator)
        total = 0.0
        for first in range(0, len(inputs), BATCH):
            batch = order[first:first + BATCH]
            optimizer.zero_grad()
            loss = loss_function(model.logits(inputs[batch]), targets[batch])
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), CLIP_NORM)
            optimizer.step()
            total += float(loss) * len(batch)
        schedule.step()
        model.eval()
        train_accuracy, _ = accuracy(model, inputs, labels)
        validation_accuracy, _ = accuracy(model, *validation)
        print(f"epoch {epoch:2d}/{EPOCHS}  loss {total / len(inputs):.4f}  "
              f"train {train_accuracy:.2%}  validation {validation_accuracy:.2%}  "
              f"({time.perf_counter() - started:.1f} s)", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Train the jump detector and write its weights for the C# demo.")
    parser.add_argument("--out", type=Path, default=DEMO, help=f"output folder (default {DEMO.relative_to(REPO)})")
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(TORCH_SEED)

    started = time.perf_counter()
    data = {}
    for name, seed, size in (("training", jump_task.TRAINING_SEED, TRAINING_SIZE),
                             ("validation", jump_task.VALIDATION_SEED, VALIDATION_SIZE),
                             ("fresh", jump_task.FRESH_SEED, FRESH_SIZE)):
        inputs, labels = jump_task.generate(seed, size)
        data[name] = (torch.from_numpy(inputs), torch.from_numpy(labels))
        print(f"{name}: seed {seed}, {size} sequences, {int(labels.sum())} jumps")
    print(f"generated in {time.perf_counter() - started:.1f} s")

    spec = rt.load_spec(SPEC)
    model = rt.RnnGenModel(spec)
    print(f"{spec['model']}: {sum(p.numel() for p in model.parameters())} parameters; "
          f"Adam lr {LEARNING_RATE} "
          f"(/5 after epoch {SLOW_DOWN_AFTER}), batch {BATCH}, {EPOCHS} epochs, BCE with logits, clip {CLIP_NORM}")
    started = time.perf_counter()
    train(model, *data["training"], validation=data["validation"])
    print(f"trained in {time.perf_counter() - started:.1f} s")

    model.eval()
    validation_accuracy, _ = accuracy(model, *data["validation"])
    fresh_accuracy, fresh_correct = accuracy(model, *data["fresh"])
    print(f"validation accuracy {validation_accuracy:.2%}, fresh accuracy {fresh_accuracy:.2%} "
          f"({fresh_correct}/{FRESH_SIZE})")

    # The reference probabilities are the float32 weights evaluated in float64: the exact answer that the C#
    # class's float32 arithmetic approximates, independent of PyTorch's float32 summation order.
    exact = rt.RnnGenModel(spec).double()
    exact.load_state_dict(model.state_dict())
    exact.eval()
    fresh_inputs, fresh_labels = data["fresh"]
    with torch.no_grad():
        probabilities = exact(fresh_inputs[:REFERENCE_PROBABILITIES].double()).reshape(-1)

    args.out.mkdir(parents=True, exist_ok=True)
    weights = args.out / "jump_detector.safetensors"
    rt.save_model(model, weights)
    reference = {
        "description": "PyTorch's results for src/RnnGen.Demo/jump_detector.safetensors on the fresh set "
                       "(docs/jump_task.md, seed 3). Probabilities: the float32 weights evaluated in float64. "
                       "Written by src/python/train_jump.py.",
        "seed": jump_task.FRESH_SEED,
        "count": FRESH_SIZE,
        "correct": fresh_correct,
        "accuracy": fresh_accuracy,
        "validation_accuracy": validation_accuracy,
        "probabilities": [float(p) for p in probabilities],
        "labels": [int(v) for v in fresh_labels[:REFERENCE_PROBABILITIES]],
    }
    reference_path = args.out / "jump_detector.reference.json"
    reference_path.write_text(json.dumps(reference, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {weights} and {reference_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
