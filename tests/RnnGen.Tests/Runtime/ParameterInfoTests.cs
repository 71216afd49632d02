using System;
using System.Collections.Generic;
using Xunit;

namespace RnnGen.Tests.Runtime;

public class ParameterInfoTests
{
    [Fact]
    public void Describes_name_offset_length_and_shape()
    {
        var info = new ParameterInfo("layers.0.weight_ih_l0", 7, 128, 16);

        Assert.Equal("layers.0.weight_ih_l0", info.Name);
        Assert.Equal(7, info.Offset);
        Assert.Equal(2048, info.Length);
        Assert.Equal(new[] { 128, 16 }, info.Shape);
        Assert.Equal("layers.0.weight_ih_l0 [128, 16] @ 7", info.ToString());
    }

    [Fact]
    public void Shape_is_a_copy_that_cannot_be_mutated()
    {
        int[] shape = [4, 3];
        var info = new ParameterInfo("w", 0, shape);
        shape[0] = 99;

        Assert.Equal(new[] { 4, 3 }, info.Shape);
        Assert.False(info.Shape is int[]);
        var list = Assert.IsAssignableFrom<IList<int>>(info.Shape);
        Assert.Throws<NotSupportedException>(() => list[0] = 5);
    }

    [Fact]
    public void Rejects_invalid_arguments()
    {
        Assert.Throws<ArgumentException>(() => new ParameterInfo("", 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ParameterInfo("w", -1, 1));
        Assert.Throws<ArgumentException>(() => new ParameterInfo("w", 0));
        Assert.Throws<ArgumentException>(() => new ParameterInfo("w", 0, 3, 0));
        Assert.Throws<ArgumentException>(() => new ParameterInfo("w", 0, -2));
        Assert.Throws<ArgumentException>(() => new ParameterInfo("w", 0, 65536, 65536));
        Assert.Throws<ArgumentException>(() => new ParameterInfo("w", int.MaxValue, 2));
    }
}
