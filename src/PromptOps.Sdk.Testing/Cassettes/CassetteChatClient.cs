using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace PromptOps.Testing;

/// <summary>
/// A chat client that records real responses into a <see cref="Cassette"/> once and replays them offline, so tests and eval
/// runs in CI are deterministic and cost nothing.
/// </summary>
/// <remarks>
/// <para>
/// In <see cref="CassetteMode.Replay"/> (the default) a request that is not in the cassette throws
/// <see cref="CassetteMissException"/>; it is never sent anywhere, even when an inner client is given. The exception names
/// the prompt version and the closest recorded request, so a prompt edit that changed the wording is easy to recognise.
/// </para>
/// <para>
/// Replayed responses carry the recorded latency in <c>AdditionalProperties["promptops.cassette.latency_ms"]</c>, which
/// the eval runner reports instead of the microseconds a replay takes. Streaming calls replay the recorded response as
/// updates; streaming calls being recorded are passed through to the caller as they arrive and stored once complete.
/// </para>
/// </remarks>
public sealed class CassetteChatClient : IChatClient
{
    /// <summary>The <see cref="ChatResponse.AdditionalProperties"/> key holding a replayed response's recorded latency in milliseconds.</summary>
    public const string RecordedLatencyKey = "promptops.cassette.latency_ms";

    private readonly IChatClient? _inner;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="CassetteChatClient"/> class.</summary>
    /// <param name="cassette">The cassette to replay from and record into.</param>
    /// <param name="mode">How to use the cassette.</param>
    /// <param name="inner">The real client, required by <see cref="CassetteMode.Record"/> and <see cref="CassetteMode.ReplayOrRecord"/>.</param>
    /// <param name="timeProvider">The clock for latencies and recording times; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A recording mode was asked for without an inner client.</exception>
    public CassetteChatClient(Cassette cassette, CassetteMode mode = CassetteMode.Replay, IChatClient? inner = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(cassette);
        if (mode != CassetteMode.Replay && inner is null)
        {
            throw new ArgumentException($"CassetteMode.{mode} sends requests to a real model, so it needs the inner client to record from. Pass one, or use CassetteMode.Replay.", nameof(inner));
        }

        Cassette = cassette;
        Mode = mode;
        _inner = inner;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the cassette.</summary>
    public Cassette Cassette { get; }

    /// <summary>Gets how the cassette is used.</summary>
    public CassetteMode Mode { get; }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        var key = CassetteRequestKey.Compute(list, options);
        if (Mode != CassetteMode.Record && TryReplay(key, list, options, out var replayed))
        {
            return replayed;
        }

        var started = _time.GetTimestamp();
        var response = await _inner!.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
        Cassette.Record(key, list, options, response, _time.GetElapsedTime(started), _time.GetUtcNow());
        return response;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        var key = CassetteRequestKey.Compute(list, options);
        if (Mode != CassetteMode.Record && TryReplay(key, list, options, out var replayed))
        {
            foreach (var update in replayed.ToChatResponseUpdates())
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return update;
            }

            yield break;
        }

        var started = _time.GetTimestamp();
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in _inner!.GetStreamingResponseAsync(list, options, cancellationToken).ConfigureAwait(false))
        {
            updates.Add(update);
            yield return update;
        }

        Cassette.Record(key, list, options, updates.ToChatResponse(), _time.GetElapsedTime(started), _time.GetUtcNow());
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : _inner?.GetService(serviceType, serviceKey);
    }

    /// <inheritdoc />
    public void Dispose() => _inner?.Dispose();

    private bool TryReplay(string key, IReadOnlyList<ChatMessage> messages, ChatOptions? options, out ChatResponse response)
    {
        if (Cassette.TryFind(key, out var entry))
        {
            response = entry.ToResponse();
            response.AdditionalProperties ??= [];
            response.AdditionalProperties[RecordedLatencyKey] = entry.LatencyMs;
            return true;
        }

        if (Mode == CassetteMode.Replay)
        {
            throw Miss(key, messages, options);
        }

        response = null!;
        return false;
    }

    private CassetteMissException Miss(string key, IReadOnlyList<ChatMessage> messages, ChatOptions? options)
    {
        var prompt = Cassette.PromptOf(options);
        var model = options?.ModelId;
        var described = string.Join(", ", new[] { prompt, model is null ? null : "model " + model }.OfType<string>());
        var message = $"The cassette '{Cassette.Path}' has no recorded response for this request (key {key[..12]}{(described.Length > 0 ? ", " + described : string.Empty)}); in replay mode nothing is sent to a model.";

        var id = prompt?.Split('@')[0];
        var sameId = id is null ? [] : Cassette.Entries.Where(e => e.Prompt is not null && e.Prompt.Split('@')[0] == id).ToList();
        if (sameId.Count > 0)
        {
            var versions = sameId.Select(e => e.Prompt!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
            message += $" It holds {sameId.Count} recording(s) of {id} ({string.Join(", ", versions)}).";
            message += Closest(sameId, messages, prompt);
        }
        else if (Cassette.Count == 0)
        {
            message += " The cassette is empty or does not exist yet.";
        }

        message += " If the prompt, its inputs or the model changed on purpose, record again: 'promptops eval <suite.yaml> --mode record' with a provider configured, or CassetteMode.Record / ReplayOrRecord in code.";
        return new CassetteMissException(Cassette.Path, key, prompt, message);
    }

    private static string Closest(List<CassetteEntry> entries, IReadOnlyList<ChatMessage> messages, string? prompt)
    {
        // Prefer recordings of the same version, then the one that agrees with the request for longest.
        var best = entries
            .Select(e => (Entry: e, Same: e.Request.Zip(messages).TakeWhile(p => p.First.Role == p.Second.Role.Value && p.First.Text == p.Second.Text.ReplaceLineEndings("\n")).Count()))
            .OrderByDescending(x => x.Entry.Prompt == prompt)
            .ThenByDescending(x => x.Same)
            .ThenByDescending(x => x.Same < Math.Min(x.Entry.Request.Count, messages.Count) ? CommonPrefix(x.Entry.Request[x.Same].Text, messages[x.Same].Text.ReplaceLineEndings("\n")) : 0)
            .First();
        if (best.Same < Math.Min(best.Entry.Request.Count, messages.Count))
        {
            var recorded = best.Entry.Request[best.Same].Text;
            var now = messages[best.Same].Text.ReplaceLineEndings("\n");
            var at = CommonPrefix(recorded, now);
            return string.Create(CultureInfo.InvariantCulture, $" The closest recording ({best.Entry.Prompt}) first differs in message {best.Same + 1} ({messages[best.Same].Role.Value}) at character {at + 1}: recorded \"{Window(recorded, at)}\", now \"{Window(now, at)}\".");
        }

        return best.Entry.Request.Count != messages.Count
            ? string.Create(CultureInfo.InvariantCulture, $" The closest recording ({best.Entry.Prompt}) has {best.Entry.Request.Count} message(s); this request has {messages.Count}.")
            : $" The closest recording ({best.Entry.Prompt}) has the same messages, so the options differ (model, temperature, max tokens, response format or tools).";
    }

    private static int CommonPrefix(string a, string b)
    {
        var length = Math.Min(a.Length, b.Length);
        var i = 0;
        while (i < length && a[i] == b[i])
        {
            i++;
        }

        return i;
    }

    /// <summary>About 60 characters of <paramref name="text"/> around <paramref name="at"/>, on one line.</summary>
    private static string Window(string text, int at)
    {
        var start = Math.Max(0, at - 25);
        var end = Math.Min(text.Length, at + 35);
        return (start > 0 ? "..." : string.Empty) + text[start..end].ReplaceLineEndings(" ") + (end < text.Length ? "..." : string.Empty);
    }
}
