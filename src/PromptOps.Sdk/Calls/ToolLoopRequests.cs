using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>
/// Keeps one request id across the round trips of a tool loop: a response that asks for function calls leaves their call
/// ids here, and the next request, which sends the functions' results back, takes the request id of the call that asked.
/// So <c>UseFunctionInvocation()</c> around PromptOps (or an application's own loop) records one request, whatever the
/// number of round trips, without a <see cref="PromptOpsContext"/>.
/// </summary>
/// <remarks>
/// A new user message starts a new request: only a request that ends with function results continues one. Call ids are
/// kept for two generations of <see cref="GenerationSize"/> entries, so a loop abandoned half-way is forgotten. Thread-safe.
/// </remarks>
internal sealed class ToolLoopRequests
{
    /// <summary>How many call ids one generation holds before the older one is dropped.</summary>
    internal const int GenerationSize = 16_384;

    private readonly Lock _rotate = new();
    private ConcurrentDictionary<string, string> _current = new(StringComparer.Ordinal);
    private ConcurrentDictionary<string, string> _previous = new(StringComparer.Ordinal);

    /// <summary>Notes that the call of <paramref name="requestId"/> asked for the function call <paramref name="callId"/>.</summary>
    public void Remember(string callId, string requestId)
    {
        var current = Volatile.Read(ref _current);
        current[callId] = requestId;
        if (current.Count >= GenerationSize)
        {
            lock (_rotate)
            {
                if (ReferenceEquals(current, _current))
                {
                    Volatile.Write(ref _previous, current);
                    Volatile.Write(ref _current, new ConcurrentDictionary<string, string>(StringComparer.Ordinal));
                }
            }
        }
    }

    /// <summary>Finds the request a call continues: the one that asked for the function results the messages end with.</summary>
    public string? Find(IList<ChatMessage> messages)
    {
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            var message = messages[i];
            if (message.Role != ChatRole.Tool)
            {
                // Results are sent in tool messages at the end; anything else after the last call ends the search.
                return null;
            }

            foreach (var content in message.Contents)
            {
                if (content is FunctionResultContent { CallId: { Length: > 0 } callId }
                    && (Volatile.Read(ref _current).TryGetValue(callId, out var requestId) || Volatile.Read(ref _previous).TryGetValue(callId, out requestId)))
                {
                    return requestId;
                }
            }
        }

        return null;
    }
}
