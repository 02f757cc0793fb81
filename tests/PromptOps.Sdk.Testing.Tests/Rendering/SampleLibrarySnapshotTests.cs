using Snapshooter;
using Snapshooter.Xunit;

namespace PromptOps.Testing.Tests.Rendering;

/// <summary>
/// Snapshots of the repository's sample prompts rendered with fixture inputs, written the way a user's test project would
/// with PromptOps.Sdk.Testing. A prompt edit that changes what the model receives fails here until the snapshot under
/// __snapshots__ is reviewed and updated (delete the .snap file and run the tests again to accept the new text).
/// </summary>
public class SampleLibrarySnapshotTests
{
    private static readonly PromptTestLibrary s_prompts = PromptTestLibrary.FindUpwards("prompts");

    public static TheoryData<string, string> Fixtures() => new()
    {
        { "customer-support@2.0.0", """{"company_name": "Acme Outdoor", "question": "Can I return a tent?"}""" },
        { "customer-support@2.1.0", """{"company_name": "Acme Outdoor", "question": "Can I return a tent?", "tools": ["lookup_order", "track_shipping"], "tone": "warm"}""" },
        { "summarize-ticket@1.0.0", """{"ticket_id": "T-1042", "max_bullets": 3, "messages": [{"author": "customer", "text": "The pole is broken."}, {"author": "agent", "text": "Sorry! Photo please?"}]}""" },
        { "classify-intent@1.0.0", """{"labels": ["refund", "shipping", "product_question"], "text": "Where is my parcel?"}""" },
        { "classify-intent@1.1.0", """{"labels": ["refund", "shipping"], "text": "Do you sell gift cards?"}""" },
    };

    [Fact]
    public void SampleLibrary_Load_HasNoDiagnostics() => Assert.Empty(s_prompts.Library.Diagnostics);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Render_SamplePrompt_MatchesSnapshot(string reference, string inputsJson)
    {
        using var inputs = System.Text.Json.JsonDocument.Parse(inputsJson);

        var rendered = s_prompts.Render(reference, inputs.RootElement);

        Snapshot.Match(rendered.ToSnapshotText(), new SnapshotNameExtension(reference.Replace('@', '_')));
    }

    [Fact]
    public void RenderFromFile_YamlFixture_GivesTheSameTextAsInlineInputs()
    {
        var fromFile = s_prompts.RenderFromFile("customer-support@2.1.0", Path.Combine(PromptOps.Tests.RepositoryPaths.Root, "tests/PromptOps.Sdk.Testing.Tests/Rendering/fixtures/customer-support.yaml"));
        var inline = s_prompts.Render("customer-support@2.1.0", new { company_name = "Acme Outdoor", question = "Can I return a tent?", tools = new[] { "lookup_order", "track_shipping" }, tone = "warm" });

        Assert.Equal(inline.ToSnapshotText(), fromFile.ToSnapshotText());
    }

    [Fact]
    public void Fixtures_CoverEveryVersionInTheSampleLibrary()
    {
        var covered = Fixtures().Select(row => (string)row[0]).ToHashSet();

        Assert.All(s_prompts.Versions, p => Assert.Contains($"{p.Id}@{p.Version}", covered));
    }
}
