namespace PromptOps;

/// <summary>
/// Every OpenTelemetry GenAI semantic-convention name PromptOps emits, in one place, since the conventions still move:
/// v1.41 (what Microsoft.Extensions.AI emits, so dashboards line up) by default, and the newest names behind the standard
/// opt-in, <c>OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental</c>.
/// </summary>
internal static class GenAI
{
    public const string OperationName = "gen_ai.operation.name";
    public const string ChatOperation = "chat";
    public const string ProviderName = "gen_ai.provider.name";
    public const string ConversationId = "gen_ai.conversation.id";
    public const string OutputType = "gen_ai.output.type";
    public const string PromptName = "gen_ai.prompt.name";
    public const string PromptVersion = "gen_ai.prompt.version";
    public const string RequestModel = "gen_ai.request.model";
    public const string RequestTemperature = "gen_ai.request.temperature";
    public const string RequestTopP = "gen_ai.request.top_p";
    public const string RequestTopK = "gen_ai.request.top_k";
    public const string RequestSeed = "gen_ai.request.seed";
    public const string RequestFrequencyPenalty = "gen_ai.request.frequency_penalty";
    public const string RequestPresencePenalty = "gen_ai.request.presence_penalty";
    public const string RequestStopSequences = "gen_ai.request.stop_sequences";
    public const string RequestMaxTokens = "gen_ai.request.max_tokens";
    public const string RequestStream = "gen_ai.request.stream";
    public const string ResponseModel = "gen_ai.response.model";
    public const string ResponseId = "gen_ai.response.id";
    public const string ResponseFinishReasons = "gen_ai.response.finish_reasons";
    public const string ResponseTimeToFirstChunk = "gen_ai.response.time_to_first_chunk";
    public const string InputTokens = "gen_ai.usage.input_tokens";
    public const string OutputTokens = "gen_ai.usage.output_tokens";
    public const string CacheReadInputTokens = "gen_ai.usage.cache_read.input_tokens";
    public const string CacheWriteInputTokens = "gen_ai.usage.cache_write.input_tokens";
    public const string ReasoningOutputTokens = "gen_ai.usage.reasoning.output_tokens";
    public const string InputMessages = "gen_ai.input.messages";
    public const string OutputMessages = "gen_ai.output.messages";
    public const string TokenType = "gen_ai.token.type";
    public const string TokenModality = "gen_ai.token.modality";
    public const string ErrorType = "error.type";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";

    /// <summary>The provider name when the client's metadata gives none: the attribute is required, never null.</summary>
    public const string UnknownProvider = "unknown";

    /// <summary>v1.41 metrics (the default).</summary>
    public const string TokenUsageMetric = "gen_ai.client.token.usage";
    public const string OperationDurationMetric = "gen_ai.client.operation.duration";
    public const string TimeToFirstChunkMetric = "gen_ai.client.operation.time_to_first_chunk";

    /// <summary>The proposed cost attributes, emitted only when the <c>PromptOps.Telemetry.EmitCostAttributes</c> switch is on.</summary>
    public const string CostAmount = "gen_ai.usage.cost.amount";
    public const string CostCurrency = "gen_ai.usage.cost.currency";
    public const string CostSource = "gen_ai.usage.cost.source";

    /// <summary>The <see cref="AppContext"/> switch that turns on <see cref="CostAmount"/> and its companions.</summary>
    public const string CostAttributesSwitch = "PromptOps.Telemetry.EmitCostAttributes";

    /// <summary>Gets or sets a value indicating whether the newest metric names are emitted instead of v1.41's (settable for tests).</summary>
    public static bool LatestExperimental { get; set; } = OptedIn(Environment.GetEnvironmentVariable("OTEL_SEMCONV_STABILITY_OPT_IN"));

    /// <summary>Gets or sets a value indicating whether spans of our own carry the messages (<c>OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT</c>).</summary>
    public static bool CaptureMessageContent { get; set; } = bool.TryParse(Environment.GetEnvironmentVariable("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"), out var capture) && capture;

    /// <summary>Gets or sets a value indicating whether the proposed cost attributes are emitted (settable for tests).</summary>
    public static bool EmitCostAttributes { get; set; } = AppContext.TryGetSwitch(CostAttributesSwitch, out var on) && on;

    /// <summary>Whether a value of <c>OTEL_SEMCONV_STABILITY_OPT_IN</c> (a comma-separated list) asks for the newest GenAI conventions.</summary>
    public static bool OptedIn(string? optIn) =>
        optIn is not null && optIn.Split(',', StringSplitOptions.TrimEntries).Contains("gen_ai_latest_experimental", StringComparer.Ordinal);

    /// <summary>The newest names, behind the opt-in.</summary>
    public static class Latest
    {
        public const string InferenceDurationMetric = "gen_ai.client.inference.duration";
        public const string TimeToFirstChunkMetric = "gen_ai.client.inference.time_to_first_chunk";
        public const string InputTokensMetric = "gen_ai.client.inference.usage.input_tokens";
        public const string OutputTokensMetric = "gen_ai.client.inference.usage.output_tokens";
        public const string CacheReadTokensMetric = "gen_ai.client.inference.usage.cache_read.input_tokens";
        public const string CacheWriteTokensMetric = "gen_ai.client.inference.usage.cache_write.input_tokens";
        public const string OperationInputTokensMetric = "gen_ai.client.inference.operation.input_tokens";
        public const string OperationOutputTokensMetric = "gen_ai.client.inference.operation.output_tokens";

        /// <summary>The token modality when the provider does not report one.</summary>
        public const string UnknownModality = "unknown";
    }
}
