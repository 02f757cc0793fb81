namespace PromptOps;

/// <summary>The model defaults a prompt file declares under <c>model:</c>; they become <c>ChatOptions</c>.</summary>
public sealed class PromptModelSettings
{
    internal PromptModelSettings(string? modelId, float? temperature, float? topP, int? maxOutputTokens, PromptResponseFormat? responseFormat)
    {
        ModelId = modelId;
        Temperature = temperature;
        TopP = topP;
        MaxOutputTokens = maxOutputTokens;
        ResponseFormat = responseFormat;
    }

    internal static PromptModelSettings Empty { get; } = new(null, null, null, null, null);

    /// <summary>Gets the model id (<c>model.id</c>), or <see langword="null"/> to let the chat client choose.</summary>
    public string? ModelId { get; }

    /// <summary>Gets the sampling temperature (<c>model.temperature</c>, 0 to 2).</summary>
    public float? Temperature { get; }

    /// <summary>Gets the nucleus sampling probability (<c>model.top_p</c>, 0 to 1).</summary>
    public float? TopP { get; }

    /// <summary>Gets the maximum number of output tokens (<c>model.max_output_tokens</c>).</summary>
    public int? MaxOutputTokens { get; }

    /// <summary>Gets the response format (<c>model.response_format</c>: text or json).</summary>
    public PromptResponseFormat? ResponseFormat { get; }
}
