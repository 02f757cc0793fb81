namespace PromptOps.Tests;

/// <summary>Call records the store tests of every engine write and read back.</summary>
internal static class SampleRecords
{
    /// <summary>A record with every field set, including text outside ASCII, tools and tags.</summary>
    public static PromptCallRecord EveryFieldSet() => new()
    {
        RequestId = "req-7f3a",
        Timestamp = new DateTimeOffset(2026, 11, 23, 9, 15, 30, 123, TimeSpan.FromHours(1)).AddTicks(4567),
        Feature = "customer_support",
        UserId = "user-42",
        TenantId = "acme",
        PromptId = "customer-support",
        PromptVersion = "2.1.0",
        Variant = "spring",
        Label = "production",
        Model = "gpt-4o-mini",
        DowngradedFrom = "gpt-4o",
        ResponseModel = "gpt-4o-mini-2024-07-18",
        Provider = "openai",
        Temperature = 0.25f,
        MaxOutputTokens = 800,
        InputTokens = 1200,
        OutputTokens = 300,
        CachedInputTokens = 1024,
        CacheWriteInputTokens = 64,
        ReasoningTokens = 20,
        EstimatedInputTokens = 1190,
        UsageEstimated = true,
        UsageClamped = true,
        Latency = TimeSpan.FromTicks(12_345_678),
        TimeToFirstToken = TimeSpan.FromTicks(1_234_567),
        Cost = 0.000123456789m,
        PriceSource = "litellm 2026-08-01 (sha256 ba37bb46dc46): gpt-4o-mini",
        ToolsAvailable = ["get_order", "refund"],
        ToolsCalled = ["get_order", "get_order"],
        FinishReason = "tool_calls",
        Success = false,
        ErrorType = "System.TimeoutException",
        Error = "The provider did not answer in 30 s.",
        Streaming = true,
        Tags = new Dictionary<string, string> { ["channel"] = "chat", ["ticket"] = "INC-4312" },
        InputContent = "system: You are helpful.\nuser: Where is my order 1002?\n",
        OutputContent = "Let me check that order: ünïcødé ✓",
    };
}
