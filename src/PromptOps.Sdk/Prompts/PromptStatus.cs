namespace PromptOps;

/// <summary>The lifecycle state of one prompt version.</summary>
public enum PromptStatus
{
    /// <summary>Work in progress: editable, served only on request (exact version or <see cref="PromptOpsOptions.AllowDrafts"/>).</summary>
    Draft = 0,

    /// <summary>Released: immutable and eligible to serve traffic.</summary>
    Published = 1,

    /// <summary>Still loadable by exact version, never chosen as the default.</summary>
    Deprecated = 2,
}
