namespace PromptOps.Tests.Lifecycle;

public sealed class PromptLabelTests
{
    private static PromptLabel Split(string? salt = null, params (string Version, int Weight, string Name)[] variants) =>
        new("production", "customer-support", variants.Select(v => new PromptLabelVariant(v.Version, v.Weight, v.Name)), salt);

    [Fact]
    public void Choose_SameUser_AlwaysGetsTheSameVariant()
    {
        var label = Split("spring", ("2.1.0", 50, "control"), ("2.2.0", 50, "shorter"));
        var other = Split("spring", ("2.1.0", 50, "control"), ("2.2.0", 50, "shorter"));

        for (var user = 0; user < 200; user++)
        {
            var id = $"user-{user}";
            var first = label.Choose(id);
            Assert.Same(first, label.Choose(id));
            Assert.Equal(first.Name, other.Choose(id).Name); // another instance (another process) agrees
        }
    }

    [Theory]
    [InlineData(90, 10, 0)]
    [InlineData(50, 50, 0)]
    [InlineData(50, 30, 20)]
    [InlineData(1, 99, 0)]
    public void Choose_TenThousandUsers_LandWithinTwoPointsOfTheWeights(int first, int second, int third)
    {
        var weights = new[] { first, second, third }.Where(w => w > 0).ToArray();
        var label = new PromptLabel("production", "customer-support", weights.Select((w, i) => new PromptLabelVariant($"2.{i}.0", w)), "experiment-7");
        var counts = new int[weights.Length];

        for (var user = 0; user < 10_000; user++)
        {
            var chosen = label.Choose($"user-{user:D6}@example.com");
            counts[int.Parse(chosen.Version.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture)]++;
        }

        for (var i = 0; i < weights.Length; i++)
        {
            var share = counts[i] / 100.0;
            Assert.InRange(share, weights[i] - 2.0, weights[i] + 2.0);
        }
    }

    [Fact]
    public void Choose_WithoutAUser_ServesTheFirstVariantWithWeight()
    {
        var label = Split(null, ("2.0.0", 0, "paused"), ("2.1.0", 70, "control"), ("2.2.0", 30, "shorter"));

        Assert.Equal("control", label.Choose(null).Name);
        Assert.Equal("control", label.Choose(string.Empty).Name);
    }

    [Fact]
    public void Choose_ZeroWeightVariant_IsNeverChosen()
    {
        var label = Split(null, ("2.0.0", 0, "paused"), ("2.1.0", 100, "control"));

        Assert.All(Enumerable.Range(0, 2000), user => Assert.Equal("control", label.Choose($"u{user}").Name));
    }

    [Fact]
    public void Choose_NewSalt_ReshufflesUsers()
    {
        var before = Split("spring", ("2.1.0", 50, "a"), ("2.2.0", 50, "b"));
        var after = Split("summer", ("2.1.0", 50, "a"), ("2.2.0", 50, "b"));

        var moved = Enumerable.Range(0, 1000).Count(user => before.Choose($"u{user}").Name != after.Choose($"u{user}").Name);

        Assert.InRange(moved, 400, 600); // about half move, as for two independent assignments
    }

    [Fact]
    public void Choose_WeightShiftedFromTenToTwenty_MovesOnlyUsersCrossingTheBoundary()
    {
        var ten = Split("s", ("2.1.0", 90, "control"), ("2.2.0", 10, "new"));
        var twenty = Split("s", ("2.1.0", 80, "control"), ("2.2.0", 20, "new"));

        var users = Enumerable.Range(0, 5000).Select(u => $"u{u}").ToList();

        Assert.All(users.Where(u => ten.Choose(u).Name == "new"), u => Assert.Equal("new", twenty.Choose(u).Name));
    }

    [Fact]
    public void Bucket_KnownInput_IsStableAcrossReleases()
    {
        // Changing the hash would move every user of every running experiment to another variant. Expected values computed
        // independently: int.from_bytes(sha256(b"customer-support\nspring\nuser-42").digest()[:8], "big") % 10000 in Python.
        Assert.Equal(4997, PromptLabel.Bucket("customer-support", "spring", "user-42"));
        Assert.Equal(699, PromptLabel.Bucket("customer-support", null, "ann@example.com"));
    }

    [Theory]
    [InlineData(60, 30, "the weights sum to 90 (60 + 30), but they must sum to 100.")]
    [InlineData(120, -20, "has weight -20; weights cannot be negative")]
    public void Constructor_BadWeights_ThrowsWithTheProblem(int first, int second, string message)
    {
        var ex = Assert.Throws<ArgumentException>(() => Split(null, ("2.1.0", first, "a"), ("2.2.0", second, "b")));

        Assert.Contains("production/customer-support", ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2.1.0", "2.1.0", null)]
    [InlineData("2.1.0:90, 2.2.0:10", "2.1.0:90, 2.2.0:10", null)]
    [InlineData(" 2.1.0 : 90 ,2.2.0:10 ; salt=spring ", "2.1.0:90, 2.2.0:10; salt=spring", "spring")]
    public void TryParseText_ValidLabel_RoundTripsThroughToString(string text, string expected, string? salt)
    {
        Assert.True(LabelsFileParser.TryParseText(text, out var variants, out var parsedSalt, out var error), error);

        Assert.Equal(salt, parsedSalt);
        Assert.Equal(expected, new PromptLabel("production", "p", variants, parsedSalt).ToString());
    }

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("2.1", "'2.1' is not a SemVer version")]
    [InlineData("2.1.0:90, 2.2.0:20", "the weights sum to 110")]
    [InlineData("2.1.0:90, 2.2.0", "version 2.2.0 has no weight")]
    [InlineData("2.1.0:ninety, 2.2.0:10", "the weight 'ninety' of version 2.1.0 is not a whole number")]
    [InlineData("2.1.0:110, 2.2.0:-10", "weights cannot be negative")]
    [InlineData("2.1.0:50, 2.1.0:50", "version 2.1.0 is listed twice")]
    [InlineData("2.1.0:50, 2.2.0:50; seed=1", "'seed=1' after ';' is not understood")]
    public void TryParseText_InvalidLabel_SaysWhatIsWrong(string text, string message)
    {
        Assert.False(LabelsFileParser.TryParseText(text, out _, out _, out var error));

        Assert.Contains(message, error, StringComparison.Ordinal);
    }
}
