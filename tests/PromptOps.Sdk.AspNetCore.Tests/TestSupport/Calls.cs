namespace PromptOps.Tests.TestSupport;

/// <summary>Call records for the dashboard's HTTP tests.</summary>
internal static class Calls
{
    public static PromptCallRecord Call(string requestId, DateTimeOffset timestamp, string feature = "customer_support", string? input = null, string? output = null, string? error = null) => new()
    {
        RequestId = requestId,
        Timestamp = timestamp,
        Feature = feature,
        UserId = "user-42",
        PromptId = "customer-support",
        PromptVersion = "2.1.0",
        Model = "gpt-4o-mini",
        Provider = "openai",
        InputTokens = 1200,
        OutputTokens = 300,
        Latency = TimeSpan.FromMilliseconds(850),
        Cost = 0.000360m,
        ToolsAvailable = ["lookup_order"],
        ToolsCalled = ["lookup_order"],
        FinishReason = error is null ? "stop" : null,
        Success = error is null,
        ErrorType = error is null ? null : "System.Net.Http.HttpRequestException",
        Error = error,
        Tags = new Dictionary<string, string>(),
        InputContent = input,
        OutputContent = output,
    };
}
