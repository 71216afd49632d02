"""Turns one BenchmarkDotNet run of this project (its CSV reports) and PyTorch runs of pytorch/time_pytorch.py
(their JSON) into the markdown tables of docs/benchmarks.md.

    python3 tests/RnnGen.Benchmarks/tables.py \
        tests/RnnGen.Benchmarks/bin/Release/net10.0/BenchmarkDotNet.Artifacts/results \
        --reference tests/RnnGen.Benchmarks/pytorch/results/reference-blas-run3.json \
        --openblas tests/RnnGen.Benchmarks/pytorch/results/openblas-run3.json

With --train-step, only the TrainStep table, from a run of the two TrainStep classes alone.

Only the standard library: it runs with any python3.
"""

import argparse
import csv
import json
import pathlib

UNITS = {"ns": 1.0, "μs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}
SIZES = [8, 16, 32, 64, 128, 256]
T = 100
BATCH = 32


def nanoseconds(text):
    value, unit = text.replace(",", "").split()
    return float(value) * UNITS[unit]


def read(results, name):
    rows = {}
    path = pathlib.Path(results) / f"RnnGen.Benchmarks.{name}-report.csv"
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            cell = row.get("Cell", "Lstm" if "Lstm" in name else "Gru").lower()
            rows[(row["Method"], cell, int(row["Hidden"]))] = nanoseconds(row["Mean"])
    return rows


def torch_times(path):
    if path is None:
        return {}
    data = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    out = {}
    for r in data["results"]:
        t = r["timings"]
        out[(r["cell"], r["hidden"])] = {k: t[k]["cpu_median_ns"] for k in t}
    return out


def x(a, b):
    return f"{a / b:,.1f}x" if a and b else "-"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--reference")
    parser.add_argument("--openblas")
    parser.add_argument("--train-step", action="store_true",
                        help="only the TrainStep table, from a run of the two TrainStep classes")
    args = parser.parse_args()
    if args.train_step:
        train_step_table(args)
        return
    step = read(args.results, "StepBenchmarks")
    predict = read(args.results, "PredictBenchmarks")
    batch = read(args.results, "PredictBatchBenchmarks")
    train = {**read(args.results, "LstmTrainStepBenchmarks"), **read(args.results, "GruTrainStepBenchmarks")}
    ref = torch_times(args.reference)
    ob = torch_times(args.openblas)

    for cell in ("lstm", "gru"):
        print(f"\n#### {cell.upper()}\n")
        print("| H | Step ns | vs naive | vs PyTorch ref / OpenBLAS | Predict µs (ns/step) | vs naive | vs PyTorch ref / OpenBLAS "
              "| PredictBatch seq/s, 1 thread / 2 | vs naive | vs PyTorch ref / OpenBLAS (batch 32) "
              "| TrainStep µs | vs naive | vs PyTorch ref / OpenBLAS |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for h in SIZES:
            s = step.get(("GeneratedStep", cell, h))
            sn = step.get(("NaiveStep", cell, h))
            p = predict.get(("GeneratedPredict", cell, h))
            pn = predict.get(("NaivePredict", cell, h))
            b1 = batch.get(("GeneratedPredictBatch", cell, h))
            b2 = batch.get(("GeneratedPredictBatch2Threads", cell, h))
            bn = batch.get(("NaivePredictBatch", cell, h))
            tr = train.get(("GeneratedTrainStep", cell, h))
            tn = train.get(("NaiveTrainStep", cell, h))
            r = ref.get((cell, h), {})
            o = ob.get((cell, h), {})

            def pair(key, ours):
                return f"{x(r.get(key), ours)} / {x(o.get(key), ours)}"

            print(
                f"| {h} | {s:,.0f} | {x(sn, s)} | {pair('step', s)} "
                f"| {p / 1e3:,.1f} ({p / T:,.0f}) | {x(pn, p)} | {pair('predict', p)} "
                f"| {BATCH * 1e9 / b1:,.0f} / {BATCH * 1e9 / b2:,.0f} | {x(bn, b1)} | {pair('predict_batch', b1)} "
                f"| {tr / 1e3:,.1f} | {x(tn, tr)} | {pair('train_step', tr)} |")


def train_step_table(args):
    train = {**read(args.results, "LstmTrainStepBenchmarks"), **read(args.results, "GruTrainStepBenchmarks")}
    ref = torch_times(args.reference)
    ob = torch_times(args.openblas)
    print("| cell | H | TrainStep µs | ns/step | vs naive | vs PyTorch ref / OpenBLAS |")
    print("|---|---:|---:|---:|---:|---:|")
    for cell in ("lstm", "gru"):
        for h in SIZES:
            tr = train.get(("GeneratedTrainStep", cell, h))
            tn = train.get(("NaiveTrainStep", cell, h))
            r = ref.get((cell, h), {})
            o = ob.get((cell, h), {})
            print(f"| {cell.upper()} | {h} | {tr / 1e3:,.1f} | {tr / T:,.0f} | {x(tn, tr)} "
                  f"| {x(r.get('train_step'), tr)} / {x(o.get('train_step'), tr)} |")


if __name__ == "__main__":
    main()
