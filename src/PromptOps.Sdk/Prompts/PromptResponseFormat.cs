namespace PromptOps;

/// <summary>The response format a prompt asks the model for.</summary>
public enum PromptResponseFormat
{
    /// <summary>Free text.</summary>
    Text = 0,

    /// <summary>A JSON object.</summary>
    Json = 1,
}
