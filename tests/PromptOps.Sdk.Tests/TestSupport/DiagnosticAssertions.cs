namespace PromptOps.Tests.TestSupport;

internal static class DiagnosticAssertions
{
    /// <summary>Asserts exactly one diagnostic with this code exists and returns it.</summary>
    public static PromptDiagnostic Single(this PromptLibrary library, string code)
    {
        var matches = library.Diagnostics.Where(d => d.Code == code).ToList();
        Assert.True(matches.Count == 1, $"Expected one {code}, got {matches.Count}:{Environment.NewLine}{string.Join(Environment.NewLine, library.Diagnostics)}");
        return matches[0];
    }
}
