namespace RnnGen;

/// <summary>The wire names and element sizes of <see cref="SafetensorsDType"/>.</summary>
internal static class SafetensorsDTypes
{
    public static bool TryParse(string text, out SafetensorsDType dtype)
    {
        // The format spells dtypes in upper case and nothing else; "f32" is not a safetensors dtype.
        switch (text)
        {
            case "F16": dtype = SafetensorsDType.F16; return true;
            case "BF16": dtype = SafetensorsDType.BF16; return true;
            case "F32": dtype = SafetensorsDType.F32; return true;
            case "F64": dtype = SafetensorsDType.F64; return true;
            default: dtype = default; return false;
        }
    }

    public static string Name(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F16 => "F16",
        SafetensorsDType.BF16 => "BF16",
        SafetensorsDType.F32 => "F32",
        _ => "F64",
    };

    public static int Size(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F16 or SafetensorsDType.BF16 => 2,
        SafetensorsDType.F32 => 4,
        _ => 8,
    };
}
