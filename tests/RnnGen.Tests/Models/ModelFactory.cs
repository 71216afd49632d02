using System;
using System.Linq;

namespace RnnGen.Tests.Models;

/// <summary>Creates a generated model of this assembly by its class name.</summary>
public static class ModelFactory
{
    public static object Create(string name, int? seed = null)
    {
        Type type = typeof(ModelFactory).Assembly.GetTypes().Single(t => t.Name == name && t.GetProperty("ParameterLayout") is not null);
        return seed is { } s ? Activator.CreateInstance(type, s)! : Activator.CreateInstance(type)!;
    }
}
