"""The jump task ("does the dog jump?"): synthetic frames of a walking dog, defined in docs/jump_task.md.

This is the reference implementation; src/RnnGen.Demo/JumpTask.cs is its C# port and produces bit-identical
values from the same seed (plain double arithmetic on SplitMix64 draws, in the documented order).

Run as a script to write the test fixture that checks the C# port:
    python3 src/python/jump_task.py --reference tests/RnnGen.Tests/Demo/jump_task_reference.json
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

__all__ = ["SplitMix64", "Sample", "sample", "generate", "fnv1a64", "TRAINING_SEED", "VALIDATION_SEED", "FRESH_SEED",
           "STEPS", "KEYPOINTS", "FEATURES", "DRAWS_PER_SAMPLE"]

TRAINING_SEED = 1
VALIDATION_SEED = 2
FRESH_SEED = 3

STEPS = 30
KEYPOINTS = 8
FEATURES = 2 * KEYPOINTS
DRAWS_PER_SAMPLE = 22 + 2 * STEPS * FEATURES

# head, neck, withers, back, hip, tail (body), front paw, hind paw (paws)
BASE_HEIGHT = (1.00, 0.90, 0.80, 0.72, 0.78, 0.85, 0.05, 0.05)
GAIT_OFFSET = {6: 0.0, 7: 0.5}

_MASK = (1 << 64) - 1


class SplitMix64:
    """SplitMix64 as RnnGen.InitRandom (docs/initialization.md)."""

    def __init__(self, seed: int):
        self.state = seed & _MASK

    def next_u64(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & _MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)

    def next_double(self) -> float:
        return (self.next_u64() >> 11) * 2.0 ** -53


def _wave(p: float) -> float:
    q = p - math.floor(p)
    if q < 0.5:
        return 16.0 * q * (0.5 - q)
    return -16.0 * (q - 0.5) * (1.0 - q)


def _in_bump(t: int, start: int, length: int) -> bool:
    return start <= t < start + length


def _bump(t: int, start: int, length: int, amplitude: float) -> float:
    r = (float(t - start) + 0.5) / float(length)
    return amplitude * 4.0 * r * (1.0 - r)


def _ramp(t: int, start: int) -> float:
    return min(1.0, max(0.0, float(t - start + 1) / 4.0))


class Sample:
    """One sequence: `frames` holds 30 x 16 doubles before rounding to float32, step-major; `label` is 1 for a jump."""

    def __init__(self, frames: list, label: int):
        self.frames = frames
        self.label = label


def sample(rng: SplitMix64) -> Sample:
    """Draws one sample (exactly DRAWS_PER_SAMPLE draws), as docs/jump_task.md defines it."""
    u = rng.next_double
    label = 1 if u() < 0.5 else 0
    s = 0.5 + 1.0 * u()
    f = 0.06 + 0.06 * u()
    phi = u()
    b = 0.8 + 0.4 * u()
    sigma = 0.02 + 0.04 * u()
    jump_length = 6 + math.floor(7 * u())
    jump_start = math.floor((31 - jump_length) * u())
    jump_amplitude = 0.25 + 0.5 * u()
    twitch = u() < 0.5
    twitch_keypoint = math.floor(8 * u())
    twitch_length = 2 + math.floor(4 * u())
    twitch_start = math.floor((31 - twitch_length) * u())
    twitch_amplitude = 0.3 + 0.5 * u()
    bob = u() < 0.5
    bob_length = 6 + math.floor(7 * u())
    bob_start = math.floor((31 - bob_length) * u())
    bob_amplitude = 0.25 + 0.5 * u()
    curb = u() < 0.5
    curb_start = 1 + math.floor(26 * u())
    curb_height = 0.15 + 0.25 * u()
    if u() < 0.5:
        curb_height = -curb_height

    frames = [0.0] * (STEPS * FEATURES)
    for t in range(STEPS):
        p = f * float(t) + phi
        for k in range(KEYPOINTS):
            if k < 6:
                y = b * (BASE_HEIGHT[k] + 0.03 * _wave(2.0 * p))
                v = s * (1.0 + 0.1 * _wave(2.0 * p + 0.25))
            else:
                w = _wave(p + GAIT_OFFSET[k])
                lift = w if w > 0.0 else 0.0
                y = b * (BASE_HEIGHT[k] + 0.15 * lift)
                v = 2.0 * s * lift
            if label == 1 and _in_bump(t, jump_start, jump_length):
                y = y + _bump(t, jump_start, jump_length, jump_amplitude)
            if twitch and k == twitch_keypoint and _in_bump(t, twitch_start, twitch_length):
                y = y + _bump(t, twitch_start, twitch_length, twitch_amplitude)
            if bob and k < 2 and _in_bump(t, bob_start, bob_length):
                y = y + _bump(t, bob_start, bob_length, bob_amplitude)
            if curb:
                y = y + curb_height * _ramp(t, curb_start)
            frames[t * FEATURES + 2 * k] = y
            frames[t * FEATURES + 2 * k + 1] = v
    for i in range(STEPS * FEATURES):
        u1 = u()
        u2 = u()
        frames[i] = frames[i] + sigma * (u1 + u2 - 1.0)
    return Sample(frames, label)


def generate(seed: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The first `count` samples of `seed`: (inputs float32 [count, 30, 16], labels int64 [count])."""
    rng = SplitMix64(seed)
    inputs = np.empty((count, STEPS, FEATURES), dtype=np.float32)
    labels = np.empty(count, dtype=np.int64)
    for n in range(count):
        one = sample(rng)
        inputs[n] = np.array(one.frames, dtype=np.float64).astype(np.float32).reshape(STEPS, FEATURES)
        labels[n] = one.label
    return inputs, labels


def fnv1a64(inputs: np.ndarray, labels: np.ndarray) -> str:
    """FNV-1a (64-bit) over every input's float32 bits (little-endian, in order) and then every label's byte,
    as hex: one number that pins a whole set."""
    h = 0xCBF29CE484222325
    data = inputs.astype("<f4").tobytes() + labels.astype(np.uint8).tobytes()
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) & _MASK
    return f"{h:016x}"


def _reference(path: Path) -> None:
    inputs, labels = generate(FRESH_SEED, 1000)
    header = {
        "description": "docs/jump_task.md, seed 3: the first 2 samples' float32 inputs (30 frames of 16 features) and "
                       "labels, and the FNV-1a hash of the first 1000 samples (jump_task.fnv1a64). "
                       "Written by src/python/jump_task.py --reference.",
        "seed": FRESH_SEED,
        "count": 1000,
        "jumps": int(labels.sum()),
        "fnv1a64": fnv1a64(inputs, labels),
    }
    # One frame per line: the file stays small and reviewable.
    lines = ["{"] + [f"  {json.dumps(key)}: {json.dumps(value)}," for key, value in header.items()]
    lines.append('  "sequences": [')
    for n in range(2):
        frames = ",\n".join("      " + json.dumps([float(v) for v in inputs[n, t]]) for t in range(STEPS))
        lines.append(f'    {{"label": {int(labels[n])}, "frames": [\n{frames}\n    ]}}' + ("," if n == 0 else ""))
    lines += ["  ]", "}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {path}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="The jump task's generator (docs/jump_task.md).")
    parser.add_argument("--reference", type=Path, help="write the C# port's test fixture to this json file")
    parser.add_argument("--seed", type=int, default=FRESH_SEED, help="seed to summarize (default 3)")
    parser.add_argument("--count", type=int, default=1000, help="samples to summarize (default 1000)")
    args = parser.parse_args(argv)
    if args.reference:
        _reference(args.reference)
        return 0
    inputs, labels = generate(args.seed, args.count)
    print(f"seed {args.seed}: {args.count} samples, {int(labels.sum())} jumps, fnv1a64 {fnv1a64(inputs, labels)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
