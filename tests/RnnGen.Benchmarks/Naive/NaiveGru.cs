using System;

namespace RnnGen.Benchmarks.Naive;

/// <summary>
/// The textbook GRU (PyTorch's equations, gate order r, z, n, reset applied after W_hn h' + b_hn) with a linear head
/// of size 1, in nested loops over one float[] of parameters laid out as in the generated class. Forward only.
/// </summary>
public sealed class NaiveGru : IRecurrentModel
{
    private const int Gates = 3;

    private readonly int _input;
    private readonly int _hidden;
    private readonly int _steps;
    private readonly float[] _parameters;
    private readonly int _weightIh;
    private readonly int _weightHh;
    private readonly int _biasIh;
    private readonly int _biasHh;
    private readonly int _headWeight;
    private readonly int _headBias;
    private readonly float[] _h;
    private readonly float[] _inputGates;
    private readonly float[] _hiddenGates;

    /// <summary>Creates the model with all parameters zero; copy a generated model's parameters in.</summary>
    public NaiveGru(int input, int hidden, int steps)
    {
        _input = input;
        _hidden = hidden;
        _steps = steps;
        int rows = Gates * hidden;
        _weightIh = 0;
        _weightHh = _weightIh + (rows * input);
        _biasIh = _weightHh + (rows * hidden);
        _biasHh = _biasIh + rows;
        _headWeight = _biasHh + rows;
        _headBias = _headWeight + hidden;
        _parameters = new float[_headBias + 1];
        _h = new float[hidden];
        _inputGates = new float[rows];
        _hiddenGates = new float[rows];
    }

    public Span<float> Parameters => _parameters;

    public void ParametersChanged()
    {
    }

    public void Predict(ReadOnlySpan<float> input, Span<float> output)
    {
        Array.Clear(_h);
        for (int t = 0; t < _steps; t++)
        {
            Cell(input.Slice(t * _input, _input));
        }

        output[0] = Head();
    }

    public void ResetState() => Array.Clear(_h);

    public void Advance(ReadOnlySpan<float> x, Span<float> y)
    {
        Cell(x);
        y[0] = Head();
    }

    private void Cell(ReadOnlySpan<float> x)
    {
        int hidden = _hidden;
        for (int r = 0; r < Gates * hidden; r++)
        {
            float fromInput = _parameters[_biasIh + r];
            for (int k = 0; k < _input; k++)
            {
                fromInput += _parameters[_weightIh + (r * _input) + k] * x[k];
            }

            float fromHidden = _parameters[_biasHh + r];
            for (int k = 0; k < hidden; k++)
            {
                fromHidden += _parameters[_weightHh + (r * hidden) + k] * _h[k];
            }

            _inputGates[r] = fromInput;
            _hiddenGates[r] = fromHidden;
        }

        for (int j = 0; j < hidden; j++)
        {
            float reset = Sigmoid(_inputGates[j] + _hiddenGates[j]);
            float update = Sigmoid(_inputGates[hidden + j] + _hiddenGates[hidden + j]);
            float candidate = MathF.Tanh(_inputGates[(2 * hidden) + j] + (reset * _hiddenGates[(2 * hidden) + j]));
            _h[j] = ((1f - update) * candidate) + (update * _h[j]);
        }
    }

    private float Head()
    {
        float y = _parameters[_headBias];
        for (int k = 0; k < _hidden; k++)
        {
            y += _parameters[_headWeight + k] * _h[k];
        }

        return y;
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
