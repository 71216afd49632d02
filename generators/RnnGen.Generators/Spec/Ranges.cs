using System.Globalization;

namespace RnnGen.Generators.Spec;

/// <summary>An inclusive range of integers, named in messages as the fix ("between 1 and 4096").</summary>
internal readonly record struct IntRange(long Min, long Max)
{
    public bool Contains(long value) => value >= Min && value <= Max;

    public string Describe() => string.Format(CultureInfo.InvariantCulture, "it must be between {0} and {1}", Min, Max);
}

/// <summary>A range of finite reals whose ends may be open ("at least 0 and below 1").</summary>
internal readonly record struct NumberRange(double Min, bool MinInclusive, double Max, bool MaxInclusive)
{
    public static readonly NumberRange Positive = new(0, false, double.MaxValue, true);
    public static readonly NumberRange NonNegative = new(0, true, double.MaxValue, true);
    public static readonly NumberRange UnitInterval = new(0, true, 1, false);
    public static readonly NumberRange Any = new(double.MinValue, true, double.MaxValue, true);

    public bool Contains(double value) =>
        (MinInclusive ? value >= Min : value > Min) && (MaxInclusive ? value <= Max : value < Max);

    public string Describe()
    {
        string lower = MinInclusive ? "at least " : "above ";
        if (Max == double.MaxValue)
        {
            return Min == double.MinValue ? "it must be a finite number" : "it must be " + lower + Format(Min);
        }

        return "it must be " + lower + Format(Min) + (MaxInclusive ? " and at most " : " and below ") + Format(Max);
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
