"""Unit tests of the PyTorch mirror: cell options, parameter names, initialization, weights I/O,
lengths and states, one-to-many generation and teacher forcing, encoder-decoder models.

    /usr/bin/python3 src/python/test_rnngen_torch.py

The numeric parity of every fixture spec is checked by tests/RnnGen.Tests/Fixtures/make_fixtures.py;
these tests cover the module's own promises (docs/python.md).
"""

from __future__ import annotations

import contextlib
import io
import math
import sys
import tempfile
import unittest
from pathlib import Path

import torch
import yaml
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))

import rnngen_torch as rt  # noqa: E402


def make_spec(layers: list, input_size=3, head="linear", size=2, mode="many-to-one", **top) -> dict:
    output = {"mode": mode, "head": head}
    if head != "none":
        output["size"] = size
    return {"model": "M", "input": input_size, "sequence": 3, "layers": layers, "output": output, **top}


def names_and_shapes(model: nn.Module) -> list:
    return [(name, list(t.shape)) for name, t in model.state_dict().items()]


class ParameterNames(unittest.TestCase):
    def test_all_lstm_options_bidirectional(self):
        model = rt.RnnGenModel(make_spec([{"cell": "lstm", "hidden": 4, "projection": 3, "peepholes": True,
                                           "cell_clip": 0.5, "direction": "bidirectional"}], head="softmax", size=3))
        per_direction = [("weight_ih_l0", [16, 3]), ("weight_hh_l0", [16, 3]), ("bias_ih_l0", [16]),
                         ("bias_hh_l0", [16]), ("weight_hr_l0", [3, 4]), ("weight_peephole_l0", [3, 4])]
        expected = [(f"layers.0.{n}", s) for n, s in per_direction]
        expected += [(f"layers.0.{n}_reverse", s) for n, s in per_direction]
        expected += [("head.weight", [3, 6]), ("head.bias", [3])]
        self.assertEqual(names_and_shapes(model), expected)

    def test_bias_false_removes_both_biases(self):
        layers = [{"cell": "rnn"}, {"cell": "rnn", "activation": "relu"}, {"cell": "lstm"},
                  {"cell": "lstm", "peepholes": True}, {"cell": "gru"}, {"cell": "gru", "reset": "before"}]
        for layer in layers:
            model = rt.RnnGenModel(make_spec([{**layer, "hidden": 2, "bias": False}], head="none"))
            self.assertFalse(any("bias" in name for name, _ in names_and_shapes(model)), layer)

    def test_projection_without_bias(self):
        model = rt.RnnGenModel(make_spec([{"cell": "lstm", "hidden": 3, "projection": 2, "bias": False}],
                                         head="none", mode="many-to-many"))
        self.assertEqual(names_and_shapes(model), [("layers.0.weight_ih_l0", [12, 3]), ("layers.0.weight_hh_l0", [12, 2]),
                                                   ("layers.0.weight_hr_l0", [2, 3])])
        self.assertEqual(model(torch.randn(2, 3, 3)).shape, (2, 3, 2))

    def test_token_input_comes_first(self):
        model = rt.RnnGenModel(make_spec([{"cell": "gru", "hidden": 2}], input_size={"vocab": 5, "embedding": 3}))
        self.assertEqual(names_and_shapes(model)[0], ("embedding.weight", [5, 3]))
        self.assertEqual(model(torch.tensor([[0, 4, 2]])).shape, (1, 1, 2))
        with self.assertRaises(ValueError):
            model(torch.zeros(1, 3))


class ModuleChoice(unittest.TestCase):
    def test_stock_modules_where_pytorch_has_the_option(self):
        cases = [({"cell": "rnn", "hidden": 2, "activation": "relu", "bias": False}, nn.RNN),
                 ({"cell": "lstm", "hidden": 3, "projection": 2, "bias": False}, nn.LSTM),
                 ({"cell": "lstm", "hidden": 3, "forget_bias": 1.0}, nn.LSTM),
                 ({"cell": "gru", "hidden": 2, "bias": False}, nn.GRU),
                 ({"cell": "lstm", "hidden": 3, "peepholes": True}, rt.LSTMLayer),
                 ({"cell": "lstm", "hidden": 3, "cell_clip": 1.0}, rt.LSTMLayer),
                 ({"cell": "gru", "hidden": 2, "reset": "before"}, rt.GRULayer)]
        for layer, kind in cases:
            model = rt.RnnGenModel(make_spec([layer]))
            self.assertIs(type(model.layers[0]), kind, layer)
        relu = rt.RnnGenModel(make_spec([{"cell": "rnn", "hidden": 2, "activation": "relu"}])).layers[0]
        self.assertEqual(relu.nonlinearity, "relu")


class CustomCellMath(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)

    def test_cell_clip_bounds_the_cell_and_is_active(self):
        layer = rt.LSTMLayer(2, 3, cell_clip=0.05).double()
        _, (_, c_n) = layer(torch.randn(4, 6, 2, dtype=torch.float64) * 3)
        self.assertLessEqual(c_n.abs().max().item(), 0.05)
        self.assertTrue(torch.isclose(c_n.abs(), torch.tensor(0.05, dtype=torch.float64)).any())

    def test_one_step_by_hand(self):
        # T = 1 from a zero state: i = s(a_i), f irrelevant (c' = 0), c = clip(i*g), o = s(a_o + P_o*c).
        layer = rt.LSTMLayer(2, 2, proj_size=1, peepholes=True, cell_clip=0.2).double()
        x = torch.randn(1, 1, 2, dtype=torch.float64)
        a = layer.weight_ih_l0 @ x[0, 0] + layer.bias_ih_l0 + layer.bias_hh_l0
        c = (torch.sigmoid(a[0:2]) * torch.tanh(a[4:6])).clamp(-0.2, 0.2)
        h = layer.weight_hr_l0 @ (torch.sigmoid(a[6:8] + layer.weight_peephole_l0[2] * c) * torch.tanh(c))
        out, (h_n, c_n) = layer(x)
        torch.testing.assert_close(out[0, 0], h)
        torch.testing.assert_close(c_n[0, 0], c)

    def test_gru_reset_before_by_hand(self):
        layer = rt.GRULayer(2, 2, reset="before").double()
        x = torch.randn(1, 2, 2, dtype=torch.float64)
        h = torch.zeros(2, dtype=torch.float64)
        w, u, b, c = layer.weight_ih_l0, layer.weight_hh_l0, layer.bias_ih_l0, layer.bias_hh_l0
        for t in range(2):
            r = torch.sigmoid(w[0:2] @ x[0, t] + b[0:2] + u[0:2] @ h + c[0:2])
            z = torch.sigmoid(w[2:4] @ x[0, t] + b[2:4] + u[2:4] @ h + c[2:4])
            n = torch.tanh(w[4:6] @ x[0, t] + b[4:6] + u[4:6] @ (r * h) + c[4:6])
            h = (1 - z) * n + z * h
        out, h_n = layer(x)
        torch.testing.assert_close(out[0, 1], h)
        torch.testing.assert_close(h_n[0, 0], h)

    def test_without_options_the_custom_cells_are_pytorch(self):
        for custom, stock in ((rt.LSTMLayer(3, 4, proj_size=2, bidirectional=True),
                               nn.LSTM(3, 4, batch_first=True, proj_size=2, bidirectional=True)),
                              (rt.GRULayer(3, 4, bias=False), nn.GRU(3, 4, batch_first=True, bias=False))):
            custom.load_state_dict(stock.state_dict())
            x = torch.randn(2, 5, 3)
            torch.testing.assert_close(custom(x)[0], stock(x)[0])

    def test_float64_spec_runs_in_float64(self):
        model = rt.RnnGenModel(make_spec([{"cell": "lstm", "hidden": 3, "peepholes": True}], precision="float64"))
        self.assertTrue(all(p.dtype == torch.float64 for p in model.parameters()))
        self.assertEqual(model(torch.randn(1, 3, 3)).dtype, torch.float64)


class Initialization(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)

    def test_pytorch_init_bounds_every_layer_tensor_by_one_over_sqrt_h(self):
        layer = rt.RnnGenModel(make_spec([{"cell": "lstm", "hidden": 4, "projection": 2, "peepholes": True}])).layers[0]
        for name, param in layer.named_parameters():
            self.assertLessEqual(param.abs().max().item(), 0.5, name)
            self.assertGreater(param.abs().max().item(), 0.2, name)

    def test_orthogonal(self):
        spec = make_spec([{"cell": "lstm", "hidden": 4, "projection": 2, "peepholes": True, "direction": "bidirectional"},
                          {"cell": "gru", "hidden": 3}], init="orthogonal")
        model = rt.RnnGenModel(spec)
        lstm, gru = model.layers
        for suffix in ("", "_reverse"):
            for block in getattr(lstm, "weight_hh_l0" + suffix).split(4):  # [H, P]: orthonormal columns
                torch.testing.assert_close(block.t() @ block, torch.eye(2))
            w_hr = getattr(lstm, "weight_hr_l0" + suffix)  # [P, H]: orthonormal rows
            torch.testing.assert_close(w_hr @ w_hr.t(), torch.eye(2))
            self.assertEqual(getattr(lstm, "weight_peephole_l0" + suffix).abs().max().item(), 0.0)
            self.assertEqual(getattr(lstm, "bias_ih_l0" + suffix).abs().max().item(), 0.0)
            # Xavier-uniform over the whole W_ih [4H, In]: fan_in = In = 3, fan_out = 4H = 16.
            self.assertLessEqual(getattr(lstm, "weight_ih_l0" + suffix).abs().max().item(), math.sqrt(6 / (3 + 16)))
        for block in gru.weight_hh_l0.split(3):
            torch.testing.assert_close(block @ block.t(), torch.eye(3))

    def test_forget_bias_after_either_init(self):
        for init in ("pytorch", "orthogonal"):
            spec = make_spec([{"cell": "lstm", "hidden": 3, "forget_bias": 1.5, "direction": "bidirectional",
                               "peepholes": True}], init=init)
            layer = rt.RnnGenModel(spec).layers[0]
            for suffix in ("", "_reverse"):
                torch.testing.assert_close(getattr(layer, "bias_ih_l0" + suffix)[3:6], torch.full((3,), 1.5))
                torch.testing.assert_close(getattr(layer, "bias_hh_l0" + suffix)[3:6], torch.zeros(3))
            if init == "orthogonal":
                self.assertEqual(layer.bias_ih_l0[:3].abs().max().item(), 0.0)


def with_weights_of(model: rt.RnnGenModel, spec: dict) -> rt.RnnGenModel:
    """A mirror of spec (another sequence length, say) holding model's weights."""
    other = rt.RnnGenModel(spec)
    other.load_state_dict(model.state_dict())
    return other


class LengthsAndStates(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)

    def test_state_sizes_and_layout(self):
        spec = rt.normalize_spec(make_spec([{"cell": "lstm", "hidden": 4, "projection": 2, "direction": "bidirectional"},
                                            {"cell": "gru", "hidden": 3},
                                            {"cell": "lstm", "hidden": 2, "peepholes": True}], precision="float64"))
        self.assertEqual((rt.hidden_state_size(spec), rt.cell_state_size(spec)), (2 * 2 + 3 + 2, 2 * 4 + 2))
        model = rt.RnnGenModel(spec)
        x = torch.randn(2, 3, 3, dtype=torch.float64)
        _, hn, cn = model.run(x)
        # Layer after layer, direction 0 then 1: each module's own h_n [D, N, S] for one sequence.
        h = x
        expected_h, expected_c = [], []
        for layer in model.layers:
            h, state = layer(h)
            h_n, c_n = state if isinstance(state, tuple) else (state, None)
            expected_h.append(h_n.transpose(0, 1).reshape(2, -1))
            if c_n is not None:
                expected_c.append(c_n.transpose(0, 1).reshape(2, -1))
        torch.testing.assert_close(hn, torch.cat(expected_h, dim=1))
        torch.testing.assert_close(cn, torch.cat(expected_c, dim=1))
        self.assertEqual(rt.RnnGenModel(make_spec([{"cell": "gru", "hidden": 2}])).run(torch.randn(1, 3, 3))[2].shape,
                         (1, 0))

    def test_carried_state_continues_the_sequence(self):
        # Unidirectional: the first 2 steps, then the last 3 from (hn, cn), are the 5 steps at once.
        layers = [{"cell": "lstm", "hidden": 3, "peepholes": True, "cell_clip": 0.5}, {"cell": "gru", "hidden": 2},
                  {"cell": "lstm", "hidden": 3, "projection": 2}]
        spec = make_spec(layers, mode="many-to-many", precision="float64")
        whole = rt.RnnGenModel({**spec, "sequence": 5})
        x = torch.randn(2, 5, 3, dtype=torch.float64)
        y, hn, cn = whole.run(x)
        first, rest = with_weights_of(whole, {**spec, "sequence": 2}), with_weights_of(whole, {**spec, "sequence": 3})
        y1, h1, c1 = first.run(x[:, :2])
        y2, h2, c2 = rest.run(x[:, 2:], h0=h1, c0=c1)
        torch.testing.assert_close(torch.cat([y1, y2], dim=1), y)
        torch.testing.assert_close((h2, c2), (hn, cn))

    def test_lengths_equal_each_sequence_truncated(self):
        for layer in ({"cell": "lstm", "hidden": 3, "direction": "bidirectional"},
                      {"cell": "lstm", "hidden": 3, "peepholes": True, "direction": "bidirectional"},
                      {"cell": "gru", "hidden": 3, "reset": "before", "direction": "bidirectional"},
                      {"cell": "rnn", "hidden": 3, "direction": "bidirectional"}):
            for mode in ("many-to-one", "many-to-many"):
                spec = {**make_spec([layer, {"cell": "gru", "hidden": 2}], mode=mode, head="softmax", size=3,
                                    precision="float64"), "sequence": 4}
                model = rt.RnnGenModel(spec)
                x = torch.randn(3, 4, 3, dtype=torch.float64)
                h0 = torch.randn(3, model.hidden_state_size, dtype=torch.float64)
                c0 = torch.randn(3, model.cell_state_size, dtype=torch.float64)
                lengths = torch.tensor([2, 4, 1])
                y, hn, cn = model.run(x, lengths, h0, c0)
                for n, steps in enumerate(lengths.tolist()):
                    alone = with_weights_of(model, {**spec, "sequence": steps})
                    y_n, h_n, c_n = alone.run(x[n:n + 1, :steps], h0=h0[n:n + 1], c0=c0[n:n + 1])
                    torch.testing.assert_close(y[n, :steps] if mode == "many-to-many" else y[n], y_n[0])
                    torch.testing.assert_close((hn[n], cn[n]), (h_n[0], c_n[0]))
                    if mode == "many-to-many":  # exactly 0 past the length, not softmax(head(0))
                        self.assertTrue(torch.equal(y[n, steps:], torch.zeros(4 - steps, 3, dtype=torch.float64)))

    def test_losses_count_only_the_valid_steps(self):
        spec = {**make_spec([{"cell": "gru", "hidden": 2}], mode="many-to-many", precision="float64",
                            training={"loss": "mse", "optimizer": "sgd", "learning_rate": 0.1}), "sequence": 4}
        model = rt.RnnGenModel(spec)
        x = torch.randn(2, 4, 3, dtype=torch.float64)
        target = torch.randn(2, 4, 2, dtype=torch.float64)
        target[0, 2:] = float("nan")  # past sequence 0's length: ignored, whatever it holds
        lengths = torch.tensor([2, 4])
        losses = rt.sequence_losses(model, x, target, lengths=lengths)
        short = with_weights_of(model, {**spec, "sequence": 2})
        torch.testing.assert_close(losses[0], nn.MSELoss()(short(x[:1, :2])[0], target[0, :2]))
        torch.testing.assert_close(losses[1], rt.sequence_losses(model, x[1:], target[1:])[0])
        losses.sum().backward()
        self.assertTrue(all(torch.isfinite(p.grad).all() for p in model.parameters()))

        ce = {**spec, "output": {"mode": "many-to-many", "head": "softmax", "size": 3},
              "training": {"loss": "cross_entropy", "optimizer": "sgd", "learning_rate": 0.1}}
        model = rt.RnnGenModel(ce)
        classes = torch.tensor([[2, -100, 0, 1], [0, 1, 2, 1]])
        loss = rt.sequence_losses(model, x, classes, lengths=torch.tensor([3, 1]))
        logits = model.logits(x, lengths=torch.tensor([3, 1]))
        torch.testing.assert_close(loss[0], nn.CrossEntropyLoss()(logits[0, [0, 2]], classes[0, [0, 2]]))
        torch.testing.assert_close(loss[1], nn.CrossEntropyLoss()(logits[1, :1], classes[1, :1]))

    def test_bad_lengths_and_states_are_rejected(self):
        model = rt.RnnGenModel(make_spec([{"cell": "lstm", "hidden": 2}]))
        x = torch.randn(2, 3, 3)
        for lengths in ([0, 3], [1, 4], [1], [1.5, 2], torch.tensor([True, True])):
            with self.assertRaises(ValueError, msg=str(lengths)):
                model(x, lengths=lengths)
        model(x, lengths=torch.tensor([1.0, 3.0]))  # whole numbers in a float tensor are fine
        with self.assertRaisesRegex(ValueError, "h0"):
            model(x, h0=torch.zeros(2, 3))
        with self.assertRaisesRegex(ValueError, "c0"):
            model(x, c0=torch.zeros(1, 2))


class Padding(unittest.TestCase):
    def test_spec_key(self):
        spec = make_spec([{"cell": "gru", "hidden": 2}], input_size={"vocab": 5, "embedding": 3, "padding": 4})
        self.assertEqual(rt.normalize_spec(spec)["input"], {"vocab": 5, "embedding": 3, "padding": 4})
        self.assertIsNone(rt.normalize_spec(make_spec([{"cell": "gru", "hidden": 2}],
                                                      input_size={"vocab": 5, "embedding": 3}))["input"]["padding"])
        self.assertEqual(rt.normalize_spec(rt.normalize_spec(spec)), rt.normalize_spec(spec))
        for bad in (5, -1, True, "0"):
            with self.assertRaisesRegex(rt.SpecError, "input.padding"):
                rt.normalize_spec(make_spec([{"cell": "gru", "hidden": 2}],
                                            input_size={"vocab": 5, "embedding": 3, "padding": bad}))

    def test_padding_row_starts_at_zero_and_takes_no_gradient(self):
        torch.manual_seed(0)
        model = rt.RnnGenModel(make_spec([{"cell": "lstm", "hidden": 2}], mode="many-to-many",
                                         input_size={"vocab": 5, "embedding": 3, "padding": 0}))
        self.assertEqual(model.embedding.padding_idx, 0)
        self.assertTrue(torch.equal(model.embedding.weight[0], torch.zeros(3)))
        model(torch.tensor([[1, 0, 2], [0, 0, 3]])).sum().backward()
        grad = model.embedding.weight.grad
        self.assertTrue(torch.equal(grad[0], torch.zeros(3)))
        self.assertTrue(bool((grad[1] != 0).any()))


def generative_spec(tokens: bool = True, **output) -> dict:
    """A small one-to-many spec: token input (vocab 5) with an lstm and a gru, or 3 features with a gru."""
    if tokens:
        return {"model": "G", "input": {"vocab": 5, "embedding": 3}, "sequence": 3, "precision": "float64",
                "layers": [{"cell": "lstm", "hidden": 4, "projection": 2}, {"cell": "gru", "hidden": 3}],
                "output": {"mode": "one-to-many", "head": "softmax", "size": 5, "length": 4, **output},
                "training": {"loss": "cross_entropy", "optimizer": "adam"}}
    return {"model": "G", "input": 3, "sequence": 3, "precision": "float64", "layers": [{"cell": "gru", "hidden": 4}],
            "output": {"mode": "one-to-many", "head": "linear", "size": 3, "length": 4, **output},
            "training": {"loss": "mse", "optimizer": "sgd", "learning_rate": 0.1}}


class OneToMany(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)

    def test_spec_keys_and_rules(self):
        spec = rt.normalize_spec(generative_spec(stop=0))
        self.assertEqual(spec["output"], {"mode": "one-to-many", "head": "softmax", "size": 5, "length": 4, "stop": 0})
        self.assertEqual(rt.normalize_spec(spec), spec)
        self.assertEqual(rt.output_shape(spec), (4, 5))
        self.assertEqual(rt.network_length(spec), 3)
        self.assertIsNone(rt.normalize_spec(generative_spec(tokens=False))["output"]["stop"])
        bad = [
            (generative_spec(length=0), "output.length"),
            ({**generative_spec(), "output": {"mode": "one-to-many", "head": "softmax", "size": 5}}, "length"),
            (generative_spec(size=4), "size: 5"),
            (generative_spec(head="linear"), "head: softmax"),
            (generative_spec(stop=5), "output.stop"),
            (generative_spec(tokens=False, stop=0), "output.stop"),
            (generative_spec(tokens=False, size=2), "output.size"),
            (generative_spec(tokens=False, head="softmax"), "output.head"),
            ({**generative_spec(tokens=False), "output": {"mode": "one-to-many", "length": 2}}, "head: none"),
            ({**generative_spec(), "layers": [{"cell": "gru", "hidden": 2, "direction": "bidirectional"}]},
             r"layers\[0\].direction"),
            ({**generative_spec(), "training": {"loss": "mse", "optimizer": "adam"}}, "cross_entropy"),
            ({**make_spec([{"cell": "gru", "hidden": 2}]),
              "output": {"mode": "many-to-many", "head": "linear", "size": 2, "stop": 0}}, "output.stop"),
            ({**make_spec([{"cell": "gru", "hidden": 2}]),
              "output": {"mode": "many-to-one", "head": "linear", "size": 2, "length": 3}}, "output.length"),
        ]
        for spec, message in bad:
            with self.assertRaisesRegex(rt.SpecError, message, msg=str(spec["output"])):
                rt.normalize_spec(spec)
        with self.assertRaises(NotImplementedError):
            rt.normalize_spec(generative_spec(start=1))
        with self.assertRaisesRegex(rt.SpecError, "input: not a root key in mode encoder-decoder"):
            rt.normalize_spec({**generative_spec(), "output": {"mode": "encoder-decoder", "head": "softmax", "size": 5}})

    def test_step_is_one_step_of_run(self):
        for mode in ("many-to-one", "many-to-many"):
            spec = make_spec([{"cell": "lstm", "hidden": 3, "projection": 2, "peepholes": True},
                              {"cell": "gru", "hidden": 2}], mode=mode, head="softmax", size=3, precision="float64")
            model = rt.RnnGenModel(spec)
            x = torch.randn(2, 3, 3, dtype=torch.float64)
            y, hn, cn = model.run(x)
            h = c = None
            for t in range(3):
                row, h, c = model.step(x[:, t], h, c)
            torch.testing.assert_close(row, y[:, -1])
            torch.testing.assert_close((h, c), (hn, cn))
        bidirectional = rt.RnnGenModel(make_spec([{"cell": "gru", "hidden": 2, "direction": "bidirectional"}]))
        with self.assertRaisesRegex(ValueError, "unidirectional"):
            bidirectional.step(torch.randn(1, 3))

    def test_greedy_generation_feeds_the_argmax_back(self):
        model = rt.RnnGenModel(generative_spec())
        prime = torch.tensor([[1, 4, 0], [3, 3, 2]])
        out = rt.generate_greedy(model, prime)
        self.assertEqual(out.shape, (2, 4, 5))
        torch.testing.assert_close(out[:, 0], model(prime)[:, -1])  # row 0: the last prime step's output
        h = c = None
        for t in range(3):
            row, h, c = model.step(prime[:, t], h, c)
        for k in range(4):
            torch.testing.assert_close(out[:, k], row)
            row, h, c = model.step(row.argmax(dim=1), h, c)
        self.assertEqual(rt.generate_greedy(model, prime, 7).shape, (2, 7, 5))
        _, h, c = model.step(prime[:, 1])  # a shorter prime runs from the zero state too
        torch.testing.assert_close(rt.generate_greedy(model, prime[:, 1:])[:, 0], model.step(prime[:, 2], h, c)[0])

    def test_vector_generation_feeds_the_output_back(self):
        spec = generative_spec(tokens=False, head="sigmoid")
        spec["training"] = {"loss": "binary_cross_entropy", "optimizer": "sgd", "learning_rate": 0.1}
        model = rt.RnnGenModel(spec).train()
        prime = torch.randn(2, 3, 3, dtype=torch.float64)
        out = rt.generate_greedy(model, prime)
        self.assertTrue(model.training)  # generation ran in eval mode and restored the mode
        y, h, c = model.run(prime)
        row = y[:, -1]
        for k in range(4):
            torch.testing.assert_close(out[:, k], row)
            row, h, c = model.step(row, h, c)  # the probabilities themselves are the next input

    def test_teacher_forcing_loss_is_the_shifted_many_to_many_loss(self):
        model = rt.RnnGenModel(generative_spec())
        sequences = torch.tensor([[0, 1, 2, 3], [4, 4, 1, 0]])
        losses = rt.teacher_forcing_loss(model, sequences)
        for n in range(2):
            expected = nn.CrossEntropyLoss()(model.logits(sequences[n:n + 1, :3])[0], sequences[n, 1:])
            torch.testing.assert_close(losses[n], expected)
        vectors = rt.RnnGenModel(generative_spec(tokens=False))
        sequences = torch.randn(2, 4, 3, dtype=torch.float64)
        torch.testing.assert_close(rt.teacher_forcing_loss(vectors, sequences),
                                   ((vectors(sequences[:, :3]) - sequences[:, 1:]) ** 2).mean(dim=(1, 2)))
        with self.assertRaisesRegex(ValueError, "T \\+ 1"):
            rt.teacher_forcing_loss(vectors, sequences[:, :3])
        with self.assertRaisesRegex(ValueError, "one-to-many"):
            rt.teacher_forcing_loss(rt.RnnGenModel(make_spec([{"cell": "gru", "hidden": 2}])), sequences)

    def test_sample(self):
        model = rt.RnnGenModel(generative_spec())
        prime = torch.tensor([[1, 4, 0], [3, 3, 2], [2, 0, 1]])
        greedy = rt.generate_greedy(model, prime, 6).argmax(dim=2)
        self.assertTrue(torch.equal(rt.sample(model, prime, 6, 0.0), greedy))
        self.assertTrue(torch.equal(rt.sample(model, prime, 6, 1e-4), greedy))  # all but greedy
        draws = [rt.sample(model, prime, 20, 1.5, torch.Generator().manual_seed(7)) for _ in range(2)]
        self.assertTrue(torch.equal(draws[0], draws[1]))
        self.assertGreater(len(set(draws[0].flatten().tolist())), 2)
        for bad in (-1.0, math.inf, math.nan):
            with self.assertRaisesRegex(ValueError, "temperature"):
                rt.sample(model, prime, 3, bad)
        with self.assertRaisesRegex(ValueError, "vector model"):
            rt.sample(rt.RnnGenModel(generative_spec(tokens=False)), torch.randn(1, 3, 3), 3)

        stopping = rt.RnnGenModel(generative_spec(stop=2))
        stopping.load_state_dict(model.state_dict())
        tokens = rt.sample(stopping, prime, 20, 1.5, torch.Generator().manual_seed(7))
        for row, free in zip(tokens.tolist(), draws[0].tolist()):
            end = free.index(2) + 1 if 2 in free else 20  # the same draws, cut after the stop token
            self.assertEqual(row, free[:end] + [-1] * (20 - end))
        self.assertTrue(any(2 in row for row in draws[0].tolist()))


class Weights(unittest.TestCase):
    def test_round_trip_and_strict_loading(self):
        spec = make_spec([{"cell": "lstm", "hidden": 3, "peepholes": True, "cell_clip": 0.5},
                          {"cell": "gru", "hidden": 2, "reset": "before", "bias": False}])
        torch.manual_seed(1)
        source = rt.RnnGenModel(spec)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "w.safetensors"
            rt.save_model(source, path)
            torch.manual_seed(2)
            target = rt.RnnGenModel(spec)
            self.assertEqual(rt.load_weights(target, path), {"format": "pt", "model": "M"})
            for (name, a), (_, b) in zip(source.state_dict().items(), target.state_dict().items()):
                self.assertTrue(torch.equal(a, b), name)

            tensors, metadata = rt.load_safetensors(path)
            del tensors["layers.0.weight_peephole_l0"]
            rt.save_safetensors(path, tensors, metadata)
            before = {k: v.clone() for k, v in target.state_dict().items()}
            with self.assertRaisesRegex(ValueError, "weight_peephole_l0"):
                rt.load_weights(rt.RnnGenModel(spec), path)
            self.assertTrue(all(torch.equal(before[k], v) for k, v in target.state_dict().items()))

    def test_cli_lists_custom_cell_parameters(self):
        with tempfile.TemporaryDirectory() as tmp:
            spec = Path(tmp) / "m.rnn.yaml"
            spec.write_text("model: M\ninput: 2\nsequence: 3\nlayers:\n  - cell: gru\n    hidden: 2\n"
                            "    reset: before\n    bias: false\noutput:\n  mode: many-to-many\n", encoding="utf-8")
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                self.assertEqual(rt.main([str(spec)]), 0)
            self.assertIn("layers.0.weight_hh_l0  [6, 2]", out.getvalue())
            self.assertNotIn("bias", out.getvalue())


def seq2seq_spec(bridge: bool = False, tokens: bool = True, **changes) -> dict:
    """A small encoder-decoder spec: token (or feature) encoder, bidirectional lstm + gru; decoder
    lstm 4 (h and c from the concat merge of 2+2) + gru 2 (from the gru's 1+1)... or a bridge."""
    spec = {
        "model": "S", "sequence": 4, "precision": "float64",
        "encoder": {"input": {"vocab": 6, "embedding": 3} if tokens else 3,
                    "layers": [{"cell": "lstm", "hidden": 2, "direction": "bidirectional"},
                               {"cell": "gru", "hidden": 1, "direction": "bidirectional"}]},
        "decoder": {"input": {"vocab": 5, "embedding": 2},
                    "layers": [{"cell": "lstm", "hidden": 4}, {"cell": "gru", "hidden": 2}], "bridge": bridge},
        "output": {"mode": "encoder-decoder", "head": "softmax", "size": 5, "length": 4, "start": 0, "stop": 4},
        "training": {"loss": "cross_entropy", "optimizer": "adam"},
    }
    for key, value in changes.items():
        section, _, name = key.partition("__")
        if name:
            spec[section] = {**spec[section], name: value}
        else:
            spec[section] = value
    return spec


class EncoderDecoder(unittest.TestCase):
    def test_spec_rules(self):
        normalized = rt.normalize_spec(seq2seq_spec())
        self.assertEqual(rt.normalize_spec(normalized), normalized)
        self.assertEqual(normalized["encoder"]["merge"], "concat")
        self.assertFalse(normalized["decoder"]["bridge"])
        self.assertNotIn("input", normalized)
        feature = {"input": 2, "layers": [{"cell": "gru", "hidden": 3}]}
        vectors = {**seq2seq_spec(bridge=True), "decoder": {**feature, "bridge": True},
                   "output": {"mode": "encoder-decoder", "head": "linear", "size": 2, "length": 3},
                   "training": {"loss": "mse", "optimizer": "adam"}}
        rt.normalize_spec(vectors)
        bad = [
            ({**seq2seq_spec(), "input": 3}, "input: not a root key"),
            ({**seq2seq_spec(), "layers": []}, "layers: not a root key"),
            ({k: v for k, v in seq2seq_spec().items() if k != "decoder"}, "missing key 'decoder'"),
            ({**make_spec([{"cell": "gru", "hidden": 2}]), "encoder": {}}, "encoder: only for"),
            (seq2seq_spec(encoder__merge="mean"), "encoder.merge"),
            (seq2seq_spec(decoder__layers=[{"cell": "lstm", "hidden": 4, "direction": "bidirectional"},
                                           {"cell": "gru", "hidden": 2}]), r"decoder.layers\[0\].direction"),
            (seq2seq_spec(output__size=4, output__stop=None), "size: 5"),
            (seq2seq_spec(output__head="linear"), "head: softmax"),
            ({**seq2seq_spec(), "output": {"mode": "encoder-decoder", "head": "softmax", "size": 5, "length": 4}},
             "missing key 'start'"),
            (seq2seq_spec(output__start=5), "output.start"),
            (seq2seq_spec(output__stop=5), "output.stop"),
            (seq2seq_spec(output__length=0), "output.length"),
            (seq2seq_spec(output__length=100001), "output.length"),
            ({**vectors, "output": {**vectors["output"], "start": 0}}, "output.start"),
            ({**vectors, "output": {**vectors["output"], "size": 3}}, "2 wide"),
            ({**vectors, "training": {"loss": "cross_entropy", "optimizer": "adam"}}, "training.loss"),
            (seq2seq_spec(training={"loss": "mse", "optimizer": "adam"}), "cross_entropy"),
            (seq2seq_spec(decoder__layers=[{"cell": "lstm", "hidden": 4}]), "the encoder has 2 layers"),
            (seq2seq_spec(encoder__merge="sum"), r"decoder.layers\[0\]: its state is 4 wide"),
            (seq2seq_spec(decoder__layers=[{"cell": "gru", "hidden": 4}, {"cell": "gru", "hidden": 2}]),
             r"decoder.layers\[0\].cell"),
            (seq2seq_spec(decoder__layers=[{"cell": "lstm", "hidden": 5, "projection": 4},
                                           {"cell": "gru", "hidden": 2}]), r"decoder.layers\[0\].hidden"),
            ({**seq2seq_spec(), "weights": "w.safetensors"}, "weights"),
        ]
        for spec, message in bad:
            with self.assertRaisesRegex(rt.SpecError, message):
                rt.normalize_spec(spec)
        rt.normalize_spec(seq2seq_spec(bridge=True, decoder__layers=[{"cell": "gru", "hidden": 3}]))
        with self.assertRaises(NotImplementedError):
            rt.RnnGenModel(seq2seq_spec())

    def test_parameter_names_in_order(self):
        model = rt.build_model(seq2seq_spec(bridge=True))
        self.assertIsInstance(model, rt.EncoderDecoderModel)
        names = [name for name, _ in names_and_shapes(model)]
        self.assertEqual(names[0], "encoder.embedding.weight")
        self.assertEqual(names[names.index("bridge.hidden.weight") - 1], "encoder.layers.1.bias_hh_l0_reverse")
        shapes = dict(names_and_shapes(model))
        self.assertEqual(shapes["bridge.hidden.weight"], [6, 6])   # E = 2*2 + 2*1; h: 4 + 2
        self.assertEqual(shapes["bridge.cell.weight"], [4, 6])     # c: the lstm's 4
        self.assertEqual(names[names.index("bridge.cell.bias") + 1], "decoder.embedding.weight")
        self.assertEqual(names[-2:], ["head.weight", "head.bias"])
        plain = rt.build_model(seq2seq_spec())
        self.assertFalse(any(name.startswith("bridge") for name in plain.state_dict()))

    def test_initial_states_merge(self):
        torch.manual_seed(0)
        for merge in ("concat", "sum"):
            spec = seq2seq_spec(encoder__merge=merge)
            if merge == "sum":
                spec["decoder"]["layers"] = [{"cell": "lstm", "hidden": 2}, {"cell": "gru", "hidden": 1}]
            model = rt.build_model(spec)
            x = torch.randint(0, 6, (2, 4))
            states = model.encoder_states(x, [4, 2])
            h0, c0 = model.initial_states(x, [4, 2])
            (h_a, c_a), (h_b, _) = states
            if merge == "concat":
                expected_h = torch.cat([h_a[0], h_a[1], h_b[0], h_b[1]], dim=1)
                expected_c = torch.cat([c_a[0], c_a[1]], dim=1)
            else:
                expected_h = torch.cat([h_a[0] + h_a[1], h_b[0] + h_b[1]], dim=1)
                expected_c = c_a[0] + c_a[1]
            self.assertTrue(torch.equal(h0, expected_h))
            self.assertTrue(torch.equal(c0, expected_c))

    def test_greedy_is_a_step_loop_and_teacher_forcing_on_its_choices(self):
        torch.manual_seed(3)
        for bridge in (False, True):
            model = rt.build_model(seq2seq_spec(bridge=bridge))
            x, lengths = torch.randint(0, 6, (3, 4)), [4, 1, 3]
            rows = model.predict(x, lengths)
            h, c = model.initial_states(x, lengths)
            feed = torch.zeros(3, dtype=torch.int64)  # start 0
            for t in range(4):
                row, h, c = model.step(feed, h, c)
                self.assertTrue(torch.allclose(row, rows[:, t], atol=1e-15, rtol=0))
                feed = row.argmax(dim=1)
            self.assertTrue(torch.allclose(model(x, rows.argmax(dim=2), lengths), rows, atol=1e-15, rtol=0))
            tokens, count = model.decode(x, lengths)
            self.assertTrue(torch.equal(tokens, rows.argmax(dim=2)))
            for n in range(3):
                row = tokens[n].tolist()
                self.assertEqual(int(count[n]), row.index(4) + 1 if 4 in row else 4)
            drawn = model.generate(x, 0.0, lengths=lengths)
            for n in range(3):
                self.assertEqual(drawn[n, :count[n]].tolist(), tokens[n, :count[n]].tolist())
                self.assertTrue(bool((drawn[n, count[n]:] == -1).all()))
            g1 = model.generate(x, 1.0, torch.Generator().manual_seed(5), lengths)
            g2 = model.generate(x, 1.0, torch.Generator().manual_seed(5), lengths)
            self.assertTrue(torch.equal(g1, g2))

    def test_teacher_forcing_reads_previous_target_and_lengths_cut(self):
        torch.manual_seed(4)
        model = rt.build_model(seq2seq_spec(bridge=True))
        target = torch.tensor([[1, -100, 2, 3], [2, 3, 4, -100]])
        self.assertEqual(model.decoder_inputs(target).tolist(), [[0, 1, 4, 2], [0, 2, 3, 4]])
        no_stop = rt.build_model(seq2seq_spec(output__stop=None))
        self.assertEqual(no_stop.decoder_inputs(target).tolist(), [[0, 1, 0, 2], [0, 2, 3, 4]])
        x = torch.randint(0, 6, (2, 4))
        losses = rt.sequence_losses(model, x, target, lengths=[4, 2])
        self.assertTrue(torch.equal(losses, rt.seq2seq_losses(model, x, target, [4, 2])))
        short = rt.build_model({**seq2seq_spec(bridge=True), "sequence": 2})
        short.load_state_dict(model.state_dict())
        self.assertTrue(torch.allclose(rt.seq2seq_losses(short, x[1:, :2], target[1:])[0], losses[1],
                                       atol=1e-15, rtol=0))
        garbage = x.clone()
        garbage[1, 2:] = (garbage[1, 2:] + 1) % 6
        self.assertTrue(torch.equal(rt.seq2seq_losses(model, garbage, target, [4, 2])[1], losses[1]))
        logits = model.logits(x, target, [4, 2])
        expected = nn.CrossEntropyLoss(ignore_index=-100)(logits[0], target[0])
        self.assertTrue(torch.allclose(losses[0], expected, atol=1e-15, rtol=0))

    def test_save_load_and_cli(self):
        torch.manual_seed(6)
        source = rt.build_model(seq2seq_spec(bridge=True))
        with tempfile.TemporaryDirectory() as tmp:
            weights = Path(tmp) / "w.safetensors"
            rt.save_model(source, weights)
            spec_path = Path(tmp) / "s.rnn.yaml"
            spec_path.write_text(yaml.safe_dump(seq2seq_spec(bridge=True)), encoding="utf-8")
            loaded = rt.load_model(spec_path, weights)
            self.assertEqual(list(loaded.state_dict()), list(source.state_dict()))
            self.assertTrue(all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(),
                                                                  source.state_dict().values())))
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                self.assertEqual(rt.main([str(spec_path), "--weights", str(weights)]), 0)
            self.assertIn("S: float64, output [4, 5]", out.getvalue())
            self.assertIn("bridge.cell.weight", out.getvalue())
            tensors, metadata = rt.load_safetensors(weights)
            del tensors["bridge.cell.bias"]
            rt.save_safetensors(weights, tensors, metadata)
            with self.assertRaisesRegex(ValueError, "bridge.cell.bias"):
                rt.load_weights(loaded, weights)


if __name__ == "__main__":
    unittest.main()
