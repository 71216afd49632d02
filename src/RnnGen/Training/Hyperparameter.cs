namespace RnnGen;

/// <summary>A fixed setting of an optimizer as recorded in its training state: a number, or a flag stored as
/// <c>true</c>/<c>false</c> (<see cref="Value"/> 1 or 0).</summary>
internal readonly record struct Hyperparameter(string Name, double Value, bool IsFlag = false)
{
    public static Hyperparameter Flag(string name, bool value) => new(name, value ? 1.0 : 0.0, IsFlag: true);
}
