using System;

namespace RnnGen.Benchmarks.Naive;

/// <summary>
/// The textbook LSTM (PyTorch's equations, gate order i, f, g, o) with a linear head of size 1, written as anyone
/// would write it first: nested loops over one float[] of parameters, sizes read from fields, no vectors, no
/// precomputation across steps. Its parameter layout is the generated class's, so copying <see cref="Parameters"/>
/// over makes the two compute the same function. Training (MSE, Adam as torch.optim.Adam) is plain BPTT.
/// </summary>
public sealed class NaiveLstm : ITrainableModel
{
    private const int Gates = 4;

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

    // Forward scratch and the state that Advance carries.
    private readonly float[] _h;
    private readonly float[] _c;
    private readonly float[] _gates;

    // Training: every step's h and c (row 0 the zero state), every step's gate activations, gradients, Adam moments.
    private readonly float[] _hs;
    private readonly float[] _cs;
    private readonly float[] _acts;
    private readonly float[] _dh;
    private readonly float[] _dhPrev;
    private readonly float[] _dc;
    private readonly float[] _da;
    private readonly float[] _gradients;
    private readonly float[] _m;
    private readonly float[] _v;
    private readonly float _learningRate;
    private int _adamStep;

    /// <summary>Creates the model with all parameters zero; copy a generated model's parameters in.</summary>
    public NaiveLstm(int input, int hidden, int steps, float learningRate = 1e-3f)
    {
        _input = input;
        _hidden = hidden;
        _steps = steps;
        _learningRate = learningRate;
        int rows = Gates * hidden;
        _weightIh = 0;
        _weightHh = _weightIh + (rows * input);
        _biasIh = _weightHh + (rows * hidden);
        _biasHh = _biasIh + rows;
        _headWeight = _biasHh + rows;
        _headBias = _headWeight + hidden;
        _parameters = new float[_headBias + 1];
        _h = new float[hidden];
        _c = new float[hidden];
        _gates = new float[rows];
        _hs = new float[(steps + 1) * hidden];
        _cs = new float[(steps + 1) * hidden];
        _acts = new float[steps * rows];
        _dh = new float[hidden];
        _dhPrev = new float[hidden];
        _dc = new float[hidden];
        _da = new float[rows];
        _gradients = new float[_parameters.Length];
        _m = new float[_parameters.Length];
        _v = new float[_parameters.Length];
    }

    public Span<float> Parameters => _parameters;

    public Span<float> Gradients => _gradients;

    public void ParametersChanged()
    {
    }

    public void Predict(ReadOnlySpan<float> input, Span<float> output)
    {
        Array.Clear(_h);
        Array.Clear(_c);
        for (int t = 0; t < _steps; t++)
        {
            Cell(input.Slice(t * _input, _input), _h, _c, _h, _c, _gates);
        }

        output[0] = Head(_h);
    }

    public void ResetState()
    {
        Array.Clear(_h);
        Array.Clear(_c);
    }

    public void Advance(ReadOnlySpan<float> x, Span<float> y)
    {
        Cell(x, _h, _c, _h, _c, _gates);
        y[0] = Head(_h);
    }

    public void ZeroGradients() => Array.Clear(_gradients);

    public float AccumulateGradients(ReadOnlySpan<float> input, ReadOnlySpan<float> target)
    {
        int h = _hidden;
        int rows = Gates * h;

        // Forward, keeping h(t), c(t) and the gate activations of every step.
        Array.Clear(_hs, 0, h);
        Array.Clear(_cs, 0, h);
        for (int t = 0; t < _steps; t++)
        {
            Cell(
                input.Slice(t * _input, _input),
                _hs.AsSpan(t * h, h),
                _cs.AsSpan(t * h, h),
                _hs.AsSpan((t + 1) * h, h),
                _cs.AsSpan((t + 1) * h, h),
                _acts.AsSpan(t * rows, rows));
        }

        // MSE over the single output, then the head's gradient.
        ReadOnlySpan<float> last = _hs.AsSpan(_steps * h, h);
        float error = Head(last) - target[0];
        float loss = error * error;
        float dy = 2f * error;
        _gradients[_headBias] += dy;
        for (int k = 0; k < h; k++)
        {
            _gradients[_headWeight + k] += dy * last[k];
            _dh[k] = dy * _parameters[_headWeight + k];
        }

        // Back through time.
        Array.Clear(_dc);
        for (int t = _steps - 1; t >= 0; t--)
        {
            ReadOnlySpan<float> x = input.Slice(t * _input, _input);
            ReadOnlySpan<float> hPrev = _hs.AsSpan(t * h, h);
            ReadOnlySpan<float> cPrev = _cs.AsSpan(t * h, h);
            ReadOnlySpan<float> c = _cs.AsSpan((t + 1) * h, h);
            ReadOnlySpan<float> acts = _acts.AsSpan(t * rows, rows);
            for (int j = 0; j < h; j++)
            {
                float i = acts[j];
                float f = acts[h + j];
                float g = acts[(2 * h) + j];
                float o = acts[(3 * h) + j];
                float tc = MathF.Tanh(c[j]);
                float dc = _dc[j] + (_dh[j] * o * (1f - (tc * tc)));
                _da[j] = dc * g * i * (1f - i);
                _da[h + j] = dc * cPrev[j] * f * (1f - f);
                _da[(2 * h) + j] = dc * i * (1f - (g * g));
                _da[(3 * h) + j] = _dh[j] * tc * o * (1f - o);
                _dc[j] = dc * f;
            }

            Array.Clear(_dhPrev);
            for (int r = 0; r < rows; r++)
            {
                float da = _da[r];
                for (int k = 0; k < _input; k++)
                {
                    _gradients[_weightIh + (r * _input) + k] += da * x[k];
                }

                for (int k = 0; k < h; k++)
                {
                    _gradients[_weightHh + (r * h) + k] += da * hPrev[k];
                    _dhPrev[k] += da * _parameters[_weightHh + (r * h) + k];
                }

                _gradients[_biasIh + r] += da;
                _gradients[_biasHh + r] += da;
            }

            Array.Copy(_dhPrev, _dh, h);
        }

        return loss;
    }

    public float TrainStep(ReadOnlySpan<float> input, ReadOnlySpan<float> target)
    {
        ZeroGradients();
        float loss = AccumulateGradients(input, target);
        AdamStep();
        return loss;
    }

    // torch.optim.Adam with its defaults (betas 0.9, 0.999, eps 1e-8, no weight decay).
    private void AdamStep()
    {
        const float beta1 = 0.9f;
        const float beta2 = 0.999f;
        const float epsilon = 1e-8f;
        _adamStep++;
        float correction1 = 1f - MathF.Pow(beta1, _adamStep);
        float correction2 = 1f - MathF.Pow(beta2, _adamStep);
        for (int p = 0; p < _parameters.Length; p++)
        {
            float g = _gradients[p];
            _m[p] = (beta1 * _m[p]) + ((1f - beta1) * g);
            _v[p] = (beta2 * _v[p]) + ((1f - beta2) * g * g);
            float denominator = (MathF.Sqrt(_v[p]) / MathF.Sqrt(correction2)) + epsilon;
            _parameters[p] -= _learningRate / correction1 * _m[p] / denominator;
        }
    }

    // One step: reads x, hPrev and cPrev, writes h and c (which may alias them) and leaves i, f, g, o in acts.
    private void Cell(ReadOnlySpan<float> x, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> cPrev, Span<float> h, Span<float> c, Span<float> acts)
    {
        int hidden = _hidden;
        for (int r = 0; r < Gates * hidden; r++)
        {
            float sum = _parameters[_biasIh + r] + _parameters[_biasHh + r];
            for (int k = 0; k < _input; k++)
            {
                sum += _parameters[_weightIh + (r * _input) + k] * x[k];
            }

            for (int k = 0; k < hidden; k++)
            {
                sum += _parameters[_weightHh + (r * hidden) + k] * hPrev[k];
            }

            acts[r] = sum;
        }

        for (int j = 0; j < hidden; j++)
        {
            float i = Sigmoid(acts[j]);
            float f = Sigmoid(acts[hidden + j]);
            float g = MathF.Tanh(acts[(2 * hidden) + j]);
            float o = Sigmoid(acts[(3 * hidden) + j]);
            float cj = (f * cPrev[j]) + (i * g);
            c[j] = cj;
            h[j] = o * MathF.Tanh(cj);
            acts[j] = i;
            acts[hidden + j] = f;
            acts[(2 * hidden) + j] = g;
            acts[(3 * hidden) + j] = o;
        }
    }

    private float Head(ReadOnlySpan<float> h)
    {
        float y = _parameters[_headBias];
        for (int k = 0; k < _hidden; k++)
        {
            y += _parameters[_headWeight + k] * h[k];
        }

        return y;
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
