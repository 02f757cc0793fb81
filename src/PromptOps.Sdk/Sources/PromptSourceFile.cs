namespace PromptOps;

/// <summary>One file of a prompt library as read from a source (directory or embedded resources).</summary>
/// <param name="RelativePath">The path inside the library root with forward slashes, for example <c>customer-support/2.1.0.yaml</c>.</param>
/// <param name="DisplayPath">The path shown in diagnostics (a file system path, or a resource name for embedded files).</param>
/// <param name="Content">The text of the file.</param>
internal sealed record PromptSourceFile(string RelativePath, string DisplayPath, string Content);
