namespace PromptOps.Testing;

/// <summary>Short one-line excerpts of replies and values for verdicts and reports.</summary>
internal static class Snippets
{
    /// <summary>The text on one line, cut to <paramref name="max"/> characters with "..." when longer.</summary>
    public static string Shorten(string text, int max = 80)
    {
        var flat = text.ReplaceLineEndings(" ");
        return flat.Length <= max ? flat : flat[..(max - 3)] + "...";
    }
}
