using System;
using System.Collections.Generic;
using System.Linq;
using System.Xml.Linq;

namespace RnnGen.Tests.Isa;

/// <summary>One test case of a VSTest results file.</summary>
/// <param name="ClassName">Full name of the test class, e.g. <c>RnnGen.Tests.Numerics.ParityTests</c>.</param>
/// <param name="TestName">Display name, with the theory's arguments.</param>
public sealed record TrxResult(string ClassName, string TestName, string Outcome, string Message)
{
    public bool Passed => Outcome == "Passed";
}

/// <summary>What a <c>.trx</c> file (the VSTest <c>trx</c> logger) says about a run: its counters and every result.</summary>
public sealed record TrxReport(int Total, int Executed, int Passed, int Failed, IReadOnlyList<TrxResult> Results)
{
    private static readonly XNamespace Ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";

    public static TrxReport Parse(string xml)
    {
        XElement run = XDocument.Parse(xml).Root ?? throw new FormatException("Empty .trx file.");
        Dictionary<string, string> classes = run.Descendants(Ns + "UnitTest").ToDictionary(
            t => (string)t.Attribute("id")!,
            t => (string)t.Element(Ns + "TestMethod")!.Attribute("className")!,
            StringComparer.Ordinal);
        TrxResult[] results = run.Descendants(Ns + "UnitTestResult")
            .Select(r => new TrxResult(
                classes[(string)r.Attribute("testId")!],
                (string)r.Attribute("testName")!,
                (string)r.Attribute("outcome")!,
                r.Descendants(Ns + "Message").FirstOrDefault()?.Value ?? string.Empty))
            .ToArray();
        XElement counters = run.Descendants(Ns + "Counters").Single();
        return new TrxReport(Count(counters, "total"), Count(counters, "executed"), Count(counters, "passed"), Count(counters, "failed"), results);
    }

    private static int Count(XElement counters, string name) =>
        int.Parse((string)counters.Attribute(name)!, System.Globalization.CultureInfo.InvariantCulture);
}
