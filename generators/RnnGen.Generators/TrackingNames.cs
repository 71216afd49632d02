namespace RnnGen.Generators;

/// <summary>Names of the pipeline steps, so tests can assert what the driver cached.</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string Models = nameof(Models);
    public const string RootNamespace = nameof(RootNamespace);
    public const string LanguageVersion = nameof(LanguageVersion);
    public const string DuplicateNames = nameof(DuplicateNames);
    public const string EmitRequests = nameof(EmitRequests);
    public const string WeightsRequests = nameof(WeightsRequests);
    public const string WeightsFiles = nameof(WeightsFiles);
    public const string Weights = nameof(Weights);
}
