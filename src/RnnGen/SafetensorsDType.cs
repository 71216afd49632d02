namespace RnnGen;

/// <summary>The safetensors element types RnnGen reads; weights are converted to the model's precision on load.</summary>
public enum SafetensorsDType
{
    /// <summary>IEEE 754 binary16 (<c>torch.float16</c>), 2 bytes little-endian.</summary>
    F16,

    /// <summary>bfloat16 (<c>torch.bfloat16</c>): the top 16 bits of a binary32, 2 bytes little-endian.</summary>
    BF16,

    /// <summary>IEEE 754 binary32 (<c>torch.float32</c>), 4 bytes little-endian.</summary>
    F32,

    /// <summary>IEEE 754 binary64 (<c>torch.float64</c>), 8 bytes little-endian.</summary>
    F64,
}
