using System.Security.Cryptography;

namespace PromptOps;

/// <summary>How every activation log writes <see cref="PromptActivationKind"/>: <c>activated</c>, <c>requested</c> or <c>observed</c>.</summary>
internal static class ActivationKindText
{
    public static string Of(PromptActivationKind kind) => kind switch
    {
        PromptActivationKind.Activated => "activated",
        PromptActivationKind.Requested => "requested",
        _ => "observed",
    };

    /// <summary>Reads the text; anything else, a missing value included, is <see cref="PromptActivationKind.Observed"/>: entries written before activations were live are records, not switches.</summary>
    public static PromptActivationKind Parse(string? text) => text switch
    {
        "activated" => PromptActivationKind.Activated,
        "requested" => PromptActivationKind.Requested,
        _ => PromptActivationKind.Observed,
    };
}

/// <summary>Ids of activation log entries: short enough to type in <c>promptops approve</c>, random enough never to collide.</summary>
internal static class ActivationIds
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    /// <summary>Returns <c>a</c> and 10 Crockford base-32 characters (50 random bits).</summary>
    public static string New() => "a" + RandomNumberGenerator.GetString(Alphabet, 10);
}
