namespace RnnGen.Benchmarks;

/// <summary>The recurrent cell of a benchmark model.</summary>
public enum Cell
{
    Lstm,
    Gru,
}
