using System.Text;
using Microsoft.Extensions.AI;

namespace PromptOps.Benchmarks;

/// <summary>
/// The realistic call of DESIGN §7: a system message of about 900 tokens that repeats on every call, and a user message
/// of about 100 tokens that changes on every call (1,024 distinct ones, used in turn).
/// </summary>
internal static class RealisticCall
{
    private static readonly string[] Words =
    [
        "order", "refund", "shipping", "delivery", "customer", "account", "return", "policy", "invoice", "warranty",
        "package", "tracking", "address", "payment", "discount", "exchange", "damaged", "missing", "support", "request",
    ];

    public static string SystemMessage { get; } = BuildSystem();

    public static string[] UserMessages { get; } = [.. Enumerable.Range(0, 1024).Select(BuildUser)];

    public static ChatMessage[] Messages(int index) =>
        [new ChatMessage(ChatRole.System, SystemMessage), new ChatMessage(ChatRole.User, UserMessages[index & 1023])];

    private static string BuildSystem()
    {
        var text = new StringBuilder("You are a customer support agent for Acme Outdoor. Follow these rules exactly.\n");
        for (var rule = 1; text.Length < 4200; rule++)
        {
            text.Append("Rule ").Append(rule).Append(": when the customer asks about ").Append(Words[rule % Words.Length])
                .Append(" or ").Append(Words[(rule * 7) % Words.Length]).Append(", check the ").Append(Words[(rule * 3) % Words.Length])
                .Append(" record first, answer in two sentences, and never promise a ").Append(Words[(rule * 11) % Words.Length]).Append(".\n");
        }

        return text.ToString();
    }

    private static string BuildUser(int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder("Hello, this is request ").Append(seed).Append(". ");
        while (text.Length < 440)
        {
            text.Append(Words[random.Next(Words.Length)]).Append(' ').Append(random.Next(10_000)).Append(' ');
        }

        return text.Append('?').ToString();
    }
}
