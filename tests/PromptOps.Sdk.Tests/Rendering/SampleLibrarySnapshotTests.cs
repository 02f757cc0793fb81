using Snapshooter;
using Snapshooter.Xunit;

namespace PromptOps.Tests.Rendering;

/// <summary>
/// Snapshots of the repository's sample prompts rendered with fixture inputs. A prompt edit that changes what the
/// model receives fails here until the snapshot under __snapshots__ is reviewed and updated.
/// </summary>
public class SampleLibrarySnapshotTests
{
    private static readonly PromptLibrary s_library = PromptLibrary.LoadDirectory(RepositoryPaths.Prompts);

    public static TheoryData<string, string> Fixtures() => new()
    {
        { "customer-support@2.0.0", """{"company_name": "Acme Outdoor", "question": "Can I return a tent?"}""" },
        { "customer-support@2.1.0", """{"company_name": "Acme Outdoor", "question": "Can I return a tent?", "tools": ["lookup_order", "track_shipping"], "tone": "warm"}""" },
        { "summarize-ticket@1.0.0", """{"ticket_id": "T-1042", "max_bullets": 3, "messages": [{"author": "customer", "text": "The pole is broken."}, {"author": "agent", "text": "Sorry! Photo please?"}]}""" },
        { "classify-intent@1.0.0", """{"labels": ["refund", "shipping", "product_question"], "text": "Where is my parcel?"}""" },
        { "classify-intent@1.1.0", """{"labels": ["refund", "shipping"], "text": "Do you sell gift cards?"}""" },
    };

    [Fact]
    public void SampleLibrary_Lint_HasNoDiagnostics() => Assert.Empty(s_library.Diagnostics);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Render_SamplePrompt_MatchesSnapshot(string reference, string inputsJson)
    {
        var (id, version) = (reference.Split('@')[0], reference.Split('@')[1]);
        using var inputs = System.Text.Json.JsonDocument.Parse(inputsJson);

        var rendered = s_library.FindVersion(id, version)!.Render(inputs.RootElement);

        Snapshot.Match(rendered.ToString(), new SnapshotNameExtension(reference.Replace('@', '_')));
    }

    [Fact]
    public void Fixtures_CoverEveryVersionInTheSampleLibrary()
    {
        var covered = Fixtures().Select(row => (string)row[0]).ToHashSet();

        Assert.All(s_library.Prompts, p => Assert.Contains($"{p.Id}@{p.Version}", covered));
    }
}
