#!/usr/bin/python3
"""Time PyTorch on the C# benchmark grid (docs/benchmarks.md), one thread, batch 1.

Models: one nn.LSTM or nn.GRU layer (batch_first) with H = 8 ... 256 units over H input features,
then nn.Linear(H, 1) on the last hidden state (many-to-one), float32, torch.manual_seed(0).
Trained with MSELoss and Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-8), the spec defaults of
tests/RnnGen.Benchmarks/Specs/*.rnn.yaml (docs/spec.md).

Operations, timed per call:
  Step          one time step: the module on a [1, 1, H] input with a carried state, then the head (no_grad)
  Predict       one sequence [1, 100, H] from the zero state, head on h_n (no_grad)
  PredictBatch  a batch [32, 100, H] from the zero state, head on h_n (no_grad); reported as sequences/s
  TrainStep     zero_grad, forward of one sequence [1, 100, H], MSELoss, backward, one Adam step

Each operation is warmed up, then timed in several repeats of n calls (n chosen so a repeat lasts
about --target-ms). Every repeat records the wall clock (time.perf_counter_ns) and the CPU time of
this thread (time.thread_time_ns); the tables report the median over repeats of the thread CPU time,
because the machine is shared and the wall clock also counts the time spent waiting for a core.
The JSON output (--json) holds the median and the min of both clocks.

Roofline: a step must at least read its weights once from the cache level they fit in. The script
measures the read bandwidth of this core at each working-set size it needs (a small C loop compiled
with gcc and called through ctypes; a numpy fallback without a compiler) and reports
    % of roofline = (bytes / bandwidth(bytes)) / measured time per step.
  Predict: bytes = G*H*H*4 (W_hh only: PyTorch 1.13 on the CPU computes x . W_ih^T for all T steps in
           one matrix product before the recurrence, so only W_hh is read every step).
  Step:    bytes = G*H*(In+H)*4 (W_ih and W_hh: a lone step cannot hoist the input product).
  G = 4 (LSTM), 3 (GRU); biases and the head are ignored.
FLOPs of a step (GFLOP/s columns): 2*G*H*(In+H), the two matrix-vector products; activations,
biases and the head are not counted.

Which BLAS: Debian's libtorch links libblas.so.3 (the reference BLAS by default, through
update-alternatives). Run with LD_LIBRARY_PATH pointing at an OpenBLAS libblas.so.3 directory to
time it with OpenBLAS; the script prints the library actually loaded. See README.md beside it.

Usage:
  /usr/bin/python3 time_pytorch.py --label "reference BLAS" [--json out.json]
  LD_LIBRARY_PATH=/path/to/openblas-pthread /usr/bin/python3 time_pytorch.py --label OpenBLAS
"""

import argparse
import ctypes
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

# One thread everywhere, set before torch (and the BLAS it loads) starts its thread pools.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

SIZES = (8, 16, 32, 64, 128, 256)
CELLS = ("lstm", "gru")
GATES = {"lstm": 4, "gru": 3}
T = 100          # steps per sequence (the specs' `sequence`)
BATCH = 32       # batch of PredictBatch
LEARNING_RATE = 0.001  # spec default for adam; betas and eps are torch's defaults, as in the spec

# The read bandwidth figures of shared/PERFORMANCE.md (GB/s), printed beside the measured ones.
DOC_BANDWIDTH = ((48 * 1024, 325.0, "L1"), (2 * 1024 * 1024, 138.0, "L2"), (math.inf, 30.0, "L3"))


# --------------------------------------------------------------------------------------------------
# Environment: which BLAS, how busy the machine is
# --------------------------------------------------------------------------------------------------

def loaded_blas_libraries():
    """Paths of the BLAS/LAPACK shared objects mapped into this process (what torch really calls)."""
    paths = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) >= 6:
                name = os.path.basename(fields[5]).lower()
                if ("blas" in name or "lapack" in name) and fields[5] not in paths:
                    paths.append(fields[5])
    return paths


def openblas_config(paths):
    """OpenBLAS's own description (version, kernel, threads) if an OpenBLAS is loaded, else None."""
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
            get_config = lib.openblas_get_config
        except (OSError, AttributeError):
            continue
        get_config.restype = ctypes.c_char_p
        threads = lib.openblas_get_num_threads() if hasattr(lib, "openblas_get_num_threads") else "?"
        return "%s, %s thread(s)" % (get_config().decode().strip(), threads)
    return None


def blas_summary():
    """The BLAS-related parts of torch.__config__.show() and the libraries actually loaded."""
    config = torch.__config__.show()
    settings = [s.split(":")[-1].strip() for line in config.splitlines() if "Build settings" in line
                for s in line.split(",") if "BLAS" in s or "LAPACK" in s]
    capability = [line.strip(" -") for line in config.splitlines() if "CPU capability" in line]
    libs = loaded_blas_libraries()
    return {
        "torch_config": ", ".join(settings + capability),
        "loaded": [os.path.realpath(p) for p in libs],
        "openblas": openblas_config(libs),
    }


def cpu_model():
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average():
    return "%.2f, %.2f, %.2f" % os.getloadavg()


# --------------------------------------------------------------------------------------------------
# Read bandwidth probe
# --------------------------------------------------------------------------------------------------

# Sums a float buffer `reps` times with eight independent 32-byte vector accumulators, enough
# loads in flight to reach the core's read bandwidth from L1 (two loads a cycle, 4-cycle adds).
# 32-byte vectors, not 64: without AVX-512 GCC 12 keeps 64-byte vector types on the stack, and the
# probe then read 13-17 GB/s at every size on the AVX2 EPYC (2026-12-07; 207 GB/s at 16 KiB with 32 bytes).
_PROBE_C = r"""
#include <stddef.h>
typedef float v8 __attribute__((vector_size(32)));
float read_probe(const float *a, size_t n, size_t reps)
{
    const v8 *p = (const v8 *)a;
    size_t m = n / 8;
    v8 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, s4 = {0}, s5 = {0}, s6 = {0}, s7 = {0};
    for (size_t r = 0; r < reps; r++)
        for (size_t i = 0; i < m; i += 8) {
            s0 += p[i];     s1 += p[i + 1]; s2 += p[i + 2]; s3 += p[i + 3];
            s4 += p[i + 4]; s5 += p[i + 5]; s6 += p[i + 6]; s7 += p[i + 7];
        }
    v8 s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    float t = 0;
    for (int k = 0; k < 8; k++) t += s[k];
    return t;
}

/* A dependent chain of n fused multiply-adds: 4 cycles each on a quiet core (PERFORMANCE.md). */
float fma_chain(float x, size_t n)
{
    for (size_t i = 0; i < n; i++) x = __builtin_fmaf(x, 0.999999f, 1e-7f);
    return x;
}
"""

PROBE_GRANULE = 512  # bytes: sizes are rounded to this (the C loop reads 8 vectors of 32 bytes per iteration)


class BandwidthProbe:
    """Best-of-N read bandwidth (GB/s) of one core for a buffer of a given size, by thread CPU time."""

    def __init__(self, kind, trials):
        self.trials = trials
        self.kind = kind
        self.cache = {}
        self._lib = None
        if kind == "c":
            self._lib = self._compile()
            if self._lib is None:
                self.kind = "numpy"

    def fma_ns(self):
        """ns per dependent FMA, best of the trials by thread CPU time: how busy the core is
        (1.34 ns on a quiet core, the C# harness's --calibrate); None without the C probe."""
        if self._lib is None:
            return None
        n = 20_000_000
        best = math.inf
        for _ in range(self.trials):
            t0 = time.thread_time_ns()
            self._lib.fma_chain(1.0, n)
            best = min(best, time.thread_time_ns() - t0)
        return best / n

    @staticmethod
    def _compile():
        tmp = tempfile.mkdtemp(prefix="rnngen_bw_")
        src, lib = os.path.join(tmp, "probe.c"), os.path.join(tmp, "probe.so")
        with open(src, "w") as f:
            f.write(_PROBE_C)
        try:
            subprocess.run(["gcc", "-O2", "-march=native", "-shared", "-fPIC", src, "-o", lib],
                           check=True, capture_output=True)
            shared = ctypes.CDLL(lib)
        except (OSError, subprocess.CalledProcessError) as error:
            print("warning: gcc probe unavailable (%s); using the numpy probe" % error, file=sys.stderr)
            return None
        shared.read_probe.restype = ctypes.c_float
        shared.read_probe.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t]
        shared.fma_chain.restype = ctypes.c_float
        shared.fma_chain.argtypes = [ctypes.c_float, ctypes.c_size_t]
        return shared

    @staticmethod
    def _aligned_buffer(nbytes):
        """A float32 array of nbytes, 4 KiB aligned, filled with small values."""
        raw = np.empty(nbytes + 4096, dtype=np.uint8)
        offset = (-raw.ctypes.data) % 4096
        buf = raw[offset:offset + nbytes].view(np.float32)
        buf[:] = 1e-3
        return buf

    def bandwidth(self, nbytes):
        """GB/s for reading a working set of nbytes (rounded up to the loop granule) over and over."""
        size = max(PROBE_GRANULE, -(-nbytes // PROBE_GRANULE) * PROBE_GRANULE)
        if size in self.cache:
            return self.cache[size]
        buf = self._aligned_buffer(size)
        reps = max(1, (256 << 20) // size)  # about 256 MB read per trial
        if self.kind == "c":
            def run():
                self._lib.read_probe(buf.ctypes.data, buf.size, reps)
        else:
            # numpy: one call sums `reps` rows that all alias the same buffer (stride 0).
            rows = np.lib.stride_tricks.as_strided(buf, shape=(reps, buf.size), strides=(0, 4))

            def run():
                rows.sum(axis=1)
        run()  # warm the buffer into its cache level
        best = math.inf
        for _ in range(self.trials):
            t0 = time.thread_time_ns()
            run()
            best = min(best, time.thread_time_ns() - t0)
        gbps = size * reps / best  # bytes per ns = GB/s
        self.cache[size] = gbps
        return gbps


# --------------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------------

def measure(fn, repeats, target_ns, budget_ns):
    """Time fn() per call: warm-up, then `repeats` repeats of n calls each.

    n is chosen so one repeat takes about target_ns of CPU time; when a single call is long, the
    number of repeats is cut (to no fewer than 3) so the measurement stays within budget_ns.
    Returns the median and min over repeats of the per-call wall and thread CPU times (ns).
    """
    # Warm-up: at least 3 calls and at least a quarter of a repeat's target.
    calls, t0 = 0, time.thread_time_ns()
    while calls < 3 or time.thread_time_ns() - t0 < target_ns // 4:
        fn()
        calls += 1
    per_call = max(1, (time.thread_time_ns() - t0) // calls)
    n = max(1, target_ns // per_call)
    repeats = max(3, min(repeats, budget_ns // (n * per_call)))
    wall, cpu = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        for _ in range(n):
            fn()
        c1, w1 = time.thread_time_ns(), time.perf_counter_ns()
        wall.append((w1 - w0) / n)
        cpu.append((c1 - c0) / n)
    return {
        "calls_per_repeat": n, "repeats": repeats,
        "cpu_median_ns": statistics.median(cpu), "cpu_min_ns": min(cpu),
        "wall_median_ns": statistics.median(wall), "wall_min_ns": min(wall),
    }


class Model(nn.Module):
    """nn.LSTM / nn.GRU (batch_first) + nn.Linear(H, 1) on the last hidden state."""

    def __init__(self, cell, hidden, inputs):
        super().__init__()
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = rnn(inputs, hidden, num_layers=1, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x, state=None):
        out, state = self.rnn(x, state)
        return self.head(out[:, -1]), state


def time_model(cell, hidden, args):
    """Time Step, Predict, PredictBatch and TrainStep of one model; returns a dict of results."""
    torch.manual_seed(0)
    inputs = hidden  # the grid has input = H features
    model = Model(cell, hidden, inputs)
    x_step = torch.randn(1, 1, inputs)
    x_seq = torch.randn(1, T, inputs)
    x_batch = torch.randn(BATCH, T, inputs)
    target = torch.randn(1, 1)
    zeros = torch.zeros(1, 1, hidden)
    state = [(zeros, zeros.clone()) if cell == "lstm" else zeros]  # carried by Step

    target_ns, budget_ns = args.target_ms * 1_000_000, args.budget_ms * 1_000_000

    def step():
        y, state[0] = model(x_step, state[0])
        return y

    def predict():
        return model(x_seq)[0]

    def predict_batch():
        return model(x_batch)[0]

    model.eval()
    with torch.no_grad():
        r_step = measure(step, args.repeats, target_ns, budget_ns)
        r_predict = measure(predict, args.repeats, target_ns, budget_ns)
        r_batch = measure(predict_batch, args.repeats, target_ns, budget_ns)

    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loss_fn = nn.MSELoss()

    def train_step():
        optimizer.zero_grad()  # torch 1.13 default: zero the gradients in place
        loss = loss_fn(model(x_seq)[0], target)
        loss.backward()
        optimizer.step()
        return loss

    r_train = measure(train_step, args.repeats, target_ns, budget_ns)
    return {"step": r_step, "predict": r_predict, "predict_batch": r_batch, "train_step": r_train}


# --------------------------------------------------------------------------------------------------
# Derived figures and output
# --------------------------------------------------------------------------------------------------

def derive(cell, hidden, timings, probe, clock):
    """Per-step figures, GFLOP/s and roofline percentages from one clock ("cpu" or "wall")."""
    g, inputs = GATES[cell], hidden
    key = clock + "_median_ns"
    flops_step = 2 * g * hidden * (inputs + hidden)
    bytes_predict = g * hidden * hidden * 4             # W_hh
    bytes_step = g * hidden * (inputs + hidden) * 4     # W_ih + W_hh
    bw_predict, bw_step = probe.bandwidth(bytes_predict), probe.bandwidth(bytes_step)
    step_ns = timings["step"][key]
    predict_ns = timings["predict"][key]
    batch_ns = timings["predict_batch"][key]
    train_ns = timings["train_step"][key]
    predict_step_ns = predict_ns / T
    return {
        "step_ns": step_ns,
        "predict_us": predict_ns / 1e3,
        "predict_ns_per_step": predict_step_ns,
        "predict_seq_per_s": 1e9 / predict_ns,
        "predict_batch_seq_per_s": BATCH * 1e9 / batch_ns,
        "train_step_us": train_ns / 1e3,
        "train_seq_per_s": 1e9 / train_ns,
        "predict_gflops": flops_step / predict_step_ns,
        "predict_batch_gflops": BATCH * T * flops_step / batch_ns,
        "predict_bytes_per_step": bytes_predict,
        "predict_bandwidth_gbps": bw_predict,
        "predict_roofline_ns": bytes_predict / bw_predict,
        "predict_roofline_pct": 100 * (bytes_predict / bw_predict) / predict_step_ns,
        "step_bytes": bytes_step,
        "step_bandwidth_gbps": bw_step,
        "step_roofline_ns": bytes_step / bw_step,
        "step_roofline_pct": 100 * (bytes_step / bw_step) / step_ns,
    }


def kib(nbytes):
    return ("%.2f" % (nbytes / 1024)).rstrip("0").rstrip(".") + " KiB"


def doc_level(nbytes):
    for limit, gbps, name in DOC_BANDWIDTH:
        if nbytes <= limit:
            return name, gbps
    return DOC_BANDWIDTH[-1][2], DOC_BANDWIDTH[-1][1]


def fmt(value, digits=0):
    return "{:,.{}f}".format(value, digits)


def pct(value):
    return "%.2f%%" % value if value < 1 else "%.1f%%" % value


def main_table(rows, clock):
    lines = [
        "| cell | H | Step ns | Predict µs/seq | ns/step | PredictBatch seq/s (batch %d) | TrainStep µs/seq "
        "| Predict GFLOP/s | PredictBatch GFLOP/s | Predict %% roofline | Step %% roofline |" % BATCH,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        d = row[clock]
        lines.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            row["cell"].upper(), row["hidden"], fmt(d["step_ns"]), fmt(d["predict_us"], 1),
            fmt(d["predict_ns_per_step"]), fmt(d["predict_batch_seq_per_s"]), fmt(d["train_step_us"], 1),
            fmt(d["predict_gflops"], 2), fmt(d["predict_batch_gflops"], 2),
            pct(d["predict_roofline_pct"]), pct(d["step_roofline_pct"])))
    return "\n".join(lines)


def roofline_table(rows, clock):
    lines = [
        "| cell | H | W_hh | read GB/s | Predict bound ns/step | measured ns/step | % "
        "| W_ih+W_hh | read GB/s | Step bound ns | measured ns | % |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        d = row[clock]
        lines.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            row["cell"].upper(), row["hidden"],
            kib(d["predict_bytes_per_step"]), fmt(d["predict_bandwidth_gbps"]),
            fmt(d["predict_roofline_ns"], 1), fmt(d["predict_ns_per_step"]), pct(d["predict_roofline_pct"]),
            kib(d["step_bytes"]), fmt(d["step_bandwidth_gbps"]),
            fmt(d["step_roofline_ns"], 1), fmt(d["step_ns"]), pct(d["step_roofline_pct"])))
    return "\n".join(lines)


def spread_table(rows):
    """Median and min of both clocks for the three per-sequence operations, to show the noise."""
    lines = [
        "| cell | H | Step ns cpu med / min / wall med | Predict µs cpu med / min / wall med "
        "| PredictBatch ms cpu med / min / wall med | TrainStep µs cpu med / min / wall med |",
        "|---|---:|---|---|---|---|",
    ]
    for row in rows:
        t = row["timings"]

        def triple(op, scale, digits):
            r = t[op]
            return " / ".join(fmt(r[k] / scale, digits) for k in ("cpu_median_ns", "cpu_min_ns", "wall_median_ns"))

        lines.append("| %s | %d | %s | %s | %s | %s |" % (
            row["cell"].upper(), row["hidden"], triple("step", 1, 0), triple("predict", 1e3, 1),
            triple("predict_batch", 1e6, 2), triple("train_step", 1e3, 1)))
    return "\n".join(lines)


def bandwidth_table(probe):
    lines = ["| working set | measured read GB/s | PERFORMANCE.md |", "|---:|---:|---|"]
    for size in sorted(probe.cache):
        name, gbps = doc_level(size)
        lines.append("| %s | %s | %s ≈ %s |" % (kib(size), fmt(probe.cache[size]), name, fmt(gbps)))
    return "\n".join(lines)


def summarize(paths):
    """Tables from several --json runs: per label, the best of that label's runs for each figure
    (lowest CPU-time median, highest rate: the run least disturbed by the neighbours), then, with
    two labels, how many times faster the second label is than the first."""
    higher_is_better = ("predict_batch_seq_per_s", "predict_gflops", "predict_batch_gflops",
                        "predict_roofline_pct", "step_roofline_pct")
    best, runs = {}, {}  # label -> (cell, H) -> figures; label -> run descriptions
    for path in paths:
        with open(path) as f:
            run = json.load(f)
        runs.setdefault(run["label"], []).append(
            "%s UTC, load %s, FMA %.2f ns" % (run["started_utc"][:16].replace("T", " "), run["load_before"],
                                              run.get("fma_ns_before") or float("nan")))
        table = best.setdefault(run["label"], {})
        for row in run["results"]:
            key, new = (row["cell"], row["hidden"]), dict(row["cpu"])
            old = table.get(key)
            if old:
                for k in new:
                    new[k] = (max if k in higher_is_better else min)(old[k], new[k])
            table[key] = new
    labels = list(best)
    for label in labels:
        rows = [{"cell": cell, "hidden": hidden, "cpu": figures}
                for (cell, hidden), figures in sorted(best[label].items(), key=lambda kv: (CELLS.index(kv[0][0]), kv[0][1]))]
        print("### %s: best of %d run(s)" % (label, len(runs[label])))
        print()
        for description in runs[label]:
            print("- run started %s" % description)
        print()
        print(main_table(rows, "cpu"))
        print()
    if len(labels) == 2:
        first, second = labels
        print("### %s vs %s: times faster (best of each)" % (second, first))
        print()
        print("| cell | H | Step | Predict | PredictBatch | TrainStep |")
        print("|---|---:|---:|---:|---:|---:|")
        for key in sorted(best[first], key=lambda k: (CELLS.index(k[0]), k[1])):
            a, b = best[first][key], best[second].get(key)
            if b is None:
                continue
            print("| %s | %d | %.2fx | %.2fx | %.2fx | %.2fx |" % (
                key[0].upper(), key[1], a["step_ns"] / b["step_ns"], a["predict_us"] / b["predict_us"],
                b["predict_batch_seq_per_s"] / a["predict_batch_seq_per_s"], a["train_step_us"] / b["train_step_us"]))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", default=None,
                        help='tag of this run, e.g. "reference BLAS" or "OpenBLAS" (default: guessed from the loaded library)')
    parser.add_argument("--json", metavar="PATH", help="also write every figure to this JSON file")
    parser.add_argument("--cells", default=",".join(CELLS), help="comma-separated: lstm,gru")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated hidden sizes")
    parser.add_argument("--repeats", type=int, default=9, help="timed repeats per operation (default 9)")
    parser.add_argument("--target-ms", type=int, default=60, help="CPU time of one repeat (default 60 ms)")
    parser.add_argument("--budget-ms", type=int, default=3000,
                        help="cut repeats (min 3) of slow operations to stay near this (default 3000 ms)")
    parser.add_argument("--probe", choices=("c", "numpy"), default="c",
                        help="bandwidth probe: C loop via gcc (default) or numpy (far slower than the hardware: a last resort)")
    parser.add_argument("--probe-trials", type=int, default=7, help="best of N per working set (default 7)")
    parser.add_argument("--summarize", nargs="+", metavar="JSON",
                        help="time nothing; print the best of several --json runs side by side, per label")
    return parser.parse_args()


def main():
    args = parse_args()
    if args.summarize:
        summarize(args.summarize)
        return
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    blas = blas_summary()
    label = args.label or ("OpenBLAS" if blas["openblas"] else "reference BLAS")
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = load_average()

    print("# PyTorch timings: %s" % label)
    print()
    print("- started %s UTC, load average before: %s (%d CPUs)" % (
        started.strftime("%Y-%m-%d %H:%M"), load_before, os.cpu_count()))
    print("- torch %s, numpy %s, Python %s, %s" % (
        torch.__version__, np.__version__, platform.python_version(), cpu_model()))
    print("- torch threads: %d (intra-op), %d (inter-op)" % (torch.get_num_threads(), torch.get_num_interop_threads()))
    print("- torch.__config__: %s" % blas["torch_config"])
    print("- BLAS loaded: %s" % (", ".join(blas["loaded"]) or "none found"))
    if blas["openblas"]:
        print("- OpenBLAS: %s" % blas["openblas"])
    print("- batch 1 (PredictBatch: batch %d), T = %d, float32, input = H; times are thread CPU time, "
          "median of up to %d repeats of ~%d ms" % (BATCH, T, args.repeats, args.target_ms))
    print(flush=True)

    probe = BandwidthProbe(args.probe, args.probe_trials)
    fma_before = probe.fma_ns()
    rows = []
    for cell in args.cells.split(","):
        for hidden in map(int, args.sizes.split(",")):
            t0 = time.perf_counter()
            timings = time_model(cell, hidden, args)
            row = {"cell": cell, "hidden": hidden, "timings": timings}
            row["cpu"] = derive(cell, hidden, timings, probe, "cpu")
            row["wall"] = derive(cell, hidden, timings, probe, "wall")
            rows.append(row)
            print("  %s H=%d done in %.1f s (load %s)" % (cell, hidden, time.perf_counter() - t0, load_average()),
                  file=sys.stderr, flush=True)

    finished = datetime.datetime.now(datetime.timezone.utc)
    load_after = load_average()
    fma_after = probe.fma_ns()
    print("## Thread CPU time (median)")
    print()
    print(main_table(rows, "cpu"))
    print()
    print("## Roofline (thread CPU time)")
    print()
    print(roofline_table(rows, "cpu"))
    print()
    print("## Noise: thread CPU time median / min, wall-clock median")
    print()
    print(spread_table(rows))
    print()
    print("## Read bandwidth of one core (%s probe, best of %d)" % (probe.kind, probe.trials))
    print()
    print(bandwidth_table(probe))
    print()
    print("- finished %s UTC, load average after: %s" % (finished.strftime("%Y-%m-%d %H:%M"), load_after))
    if fma_before is not None:
        print("- dependent FMA, best of %d by thread CPU time (1.34 ns on a quiet core): %.2f ns before, %.2f ns after"
              % (probe.trials, fma_before, fma_after))

    if args.json:
        with open(args.json, "w") as out:
            json.dump({
                "label": label, "started_utc": started.isoformat(), "finished_utc": finished.isoformat(),
                "load_before": load_before, "load_after": load_after, "cpus": os.cpu_count(),
                "fma_ns_before": fma_before, "fma_ns_after": fma_after,
                "cpu_model": cpu_model(), "torch": torch.__version__, "numpy": np.__version__,
                "blas": blas, "batch": BATCH, "sequence": T, "args": vars(args),
                "probe": {"kind": probe.kind, "trials": probe.trials,
                          "gbps_by_bytes": {str(k): v for k, v in sorted(probe.cache.items())}},
                "results": rows,
            }, out, indent=1)


if __name__ == "__main__":
    main()
