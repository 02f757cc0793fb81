namespace PromptOps.Tests.Prompts;

public class PromptVersionTests
{
    [Theory]
    [InlineData("1.0.0")]
    [InlineData("0.0.1")]
    [InlineData("10.20.30")]
    [InlineData("1.0.0-alpha.1")]
    [InlineData("1.0.0-0.3.7")]
    [InlineData("1.0.0+build.5")]
    [InlineData("1.0.0-rc.1+sha.5114f85")]
    public void TryParse_ValidSemVer_ReturnsVersionThatPrintsAsWritten(string text)
    {
        Assert.True(PromptVersion.TryParse(text, out var version));
        Assert.Equal(text, version.ToString());
    }

    [Theory]
    [InlineData("1.0")]
    [InlineData("v1.0.0")]
    [InlineData("01.0.0")]
    [InlineData("1.0.0-01")]
    [InlineData("1.0.0-")]
    [InlineData("1.0.0+")]
    [InlineData("1.0.0-a..b")]
    [InlineData("1.0.0.0")]
    [InlineData("")]
    public void TryParse_InvalidSemVer_ReturnsFalse(string text) => Assert.False(PromptVersion.TryParse(text, out _));

    [Fact]
    public void CompareTo_SemVerSpecExample_OrdersByPrecedence()
    {
        string[] ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0"];
        var shuffled = ordered.Reverse().Select(PromptVersion.Parse).ToList();
        shuffled.Sort();
        Assert.Equal(ordered, shuffled.Select(v => v.ToString()));
    }

    [Fact]
    public void CompareTo_BuildMetadata_IsIgnoredForPrecedenceButNotForEquality()
    {
        var a = PromptVersion.Parse("1.0.0+a");
        var b = PromptVersion.Parse("1.0.0+b");
        Assert.Equal(0, a.CompareTo(b));
        Assert.NotEqual(a, b);
    }

    [Theory]
    [InlineData("1.2.3", "major", "2.0.0")]
    [InlineData("1.2.3", "minor", "1.3.0")]
    [InlineData("1.2.3", "patch", "1.2.4")]
    [InlineData("1.3.0-rc.1", "patch", "1.3.0")]
    public void Bump_Part_ReturnsNextVersion(string from, string part, string expected) =>
        Assert.Equal(expected, PromptVersion.Parse(from).Bump(part).ToString());

    [Fact]
    public void Parse_Invalid_ThrowsFormatExceptionThatShowsTheValue()
    {
        var ex = Assert.Throws<FormatException>(() => PromptVersion.Parse("2.1"));
        Assert.Contains("'2.1'", ex.Message, StringComparison.Ordinal);
    }
}
