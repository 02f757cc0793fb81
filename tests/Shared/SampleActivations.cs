namespace PromptOps.Tests.TestSupport;

/// <summary>An activation with every field set, text that needs escaping included, for the activation log tests.</summary>
internal static class SampleActivations
{
    public static PromptActivation Rollback(string id = "customer-support", string environment = "production", string to = "2.0.0", int minute = 0) => new()
    {
        PromptId = id,
        Environment = environment,
        FromVersion = "2.1.0",
        ToVersion = to,
        ActivatedBy = "ann",
        Timestamp = new DateTimeOffset(2026, 11, 23, 9, minute, 0, TimeSpan.Zero),
        Reason = "rollback: \"refunds\" answered wrongly\nsee INC-4312",
    };
}
