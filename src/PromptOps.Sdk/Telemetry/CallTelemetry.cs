using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.AI;
using static PromptOps.PromptOpsTelemetry;

namespace PromptOps;

/// <summary>
/// The span and metrics of one call sent to the provider: PromptOps' own span, or the attributes added to
/// Microsoft.Extensions.AI's span when that one is current. A call refused by a budget before it was sent has none: it is
/// counted in <c>promptops.budget.rejections</c> and recorded, not reported as a failed chat operation.
/// </summary>
internal readonly struct CallTelemetry
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> SpanNames = new(StringComparer.Ordinal);
    private static int s_spanNameCount;

    private readonly Activity? _activity;
    private readonly bool _ownsActivity;
    private readonly bool _redact;

    private CallTelemetry(Activity? activity, bool ownsActivity, bool redact)
    {
        _activity = activity;
        _ownsActivity = ownsActivity;
        _redact = redact;
    }

    /// <summary>Starts the call's telemetry; <paramref name="capture"/> says how message content, when the environment asks for it, is masked.</summary>
    public static CallTelemetry Start(PromptCallState state, PromptCallContentCapture capture)
    {
        // The environment variable opts into content, not into secrets: it is masked unless capture is Full.
        var redact = capture != PromptCallContentCapture.Full;
        var current = Activity.Current;
        Activity? activity;
        bool owns;
        if (current is not null && current.Source != Source && current.GetTagItem(GenAI.OperationName) is string)
        {
            // Microsoft.Extensions.AI's OpenTelemetryChatClient (or another GenAI instrumentation) already traces this call.
            activity = current;
            owns = false;
        }
        else
        {
            activity = Source.HasListeners()
                ? Source.StartActivity(SpanName(state.Model), ActivityKind.Client)
                : null;
            owns = true;
            if (activity is { IsAllDataRequested: true })
            {
                TagRequest(activity, state, redact);
            }
        }

        if (activity is { IsAllDataRequested: true })
        {
            // Set on a span another instrumentation started, which may cover more than one call (a tool-calling loop).
            Tag(activity, owns, RequestIdAttribute, state.RequestId);
            Tag(activity, owns, FeatureAttribute, state.Feature);
            if (state.PromptId is not null)
            {
                Tag(activity, owns, PromptIdAttribute, state.PromptId);
                Tag(activity, owns, PromptVersionAttribute, state.PromptVersion);
                Tag(activity, owns, GenAI.PromptName, state.PromptId);
                Tag(activity, owns, GenAI.PromptVersion, state.PromptVersion);
            }

            if (state.Variant is not null)
            {
                Tag(activity, owns, PromptVariantAttribute, state.Variant);
            }
        }

        return new CallTelemetry(activity, owns, redact);
    }

    /// <summary>The request's attributes on a span of our own, which has no tags yet (AddTag appends; SetTag would search).</summary>
    private static void TagRequest(Activity activity, PromptCallState state, bool redact)
    {
        var options = state.Options;
        activity.AddTag(GenAI.OperationName, GenAI.ChatOperation);
        activity.AddTag(GenAI.ProviderName, ProviderName(state));
        Tag(activity, owns: true, GenAI.RequestModel, state.Model);
        activity.AddTag(GenAI.RequestStream, state.Streaming);
        Tag(activity, owns: true, GenAI.RequestTemperature, options.Temperature);
        Tag(activity, owns: true, GenAI.RequestTopP, options.TopP);
        Tag(activity, owns: true, GenAI.RequestTopK, options.TopK);
        Tag(activity, owns: true, GenAI.RequestSeed, options.Seed);
        Tag(activity, owns: true, GenAI.RequestFrequencyPenalty, options.FrequencyPenalty);
        Tag(activity, owns: true, GenAI.RequestPresencePenalty, options.PresencePenalty);
        if (options.StopSequences is { Count: > 0 } stops)
        {
            activity.AddTag(GenAI.RequestStopSequences, stops.ToArray());
        }

        Tag(activity, owns: true, GenAI.ConversationId, options.ConversationId);
        Tag(activity, owns: true, GenAI.OutputType, options.ResponseFormat switch
        {
            ChatResponseFormatJson => "json",
            ChatResponseFormatText => "text",
            _ => null,
        });
        if (state.Endpoint is { IsAbsoluteUri: true } endpoint)
        {
            activity.AddTag(GenAI.ServerAddress, endpoint.Host);
            activity.AddTag(GenAI.ServerPort, endpoint.Port);
        }

        if (GenAI.CaptureMessageContent)
        {
            activity.AddTag(GenAI.InputMessages, Messages(state.Messages.Select(m => (m.Role.Value, m.Text)), redact));
        }
    }

    /// <summary>The span name <c>chat {model}</c>, built once per model instead of once per call.</summary>
    private static string SpanName(string? model)
    {
        if (model is null)
        {
            return GenAI.ChatOperation;
        }

        if (!SpanNames.TryGetValue(model, out var name))
        {
            name = $"{GenAI.ChatOperation} {model}";

            // Counted here: ConcurrentDictionary.Count takes every lock, and past the cap this runs on every call.
            if (Volatile.Read(ref s_spanNameCount) < 1024 && SpanNames.TryAdd(model, name))
            {
                Interlocked.Increment(ref s_spanNameCount);
            }
        }

        return name;
    }

    private static string ProviderName(PromptCallState state) => state.Provider ?? GenAI.UnknownProvider;

    public void Stop(PromptCallState state, TimeSpan latency, Exception? error)
    {
        var usage = state.Usage;
        if (_activity is { IsAllDataRequested: true } activity)
        {
            if (state.Cost is { } cost)
            {
                Tag(activity, _ownsActivity, CostAttribute, (double)cost);
                if (GenAI.EmitCostAttributes)
                {
                    Tag(activity, _ownsActivity, GenAI.CostAmount, (double)cost);
                    Tag(activity, _ownsActivity, GenAI.CostCurrency, "USD");
                    Tag(activity, _ownsActivity, GenAI.CostSource, state.PriceSource);
                }
            }

            if (state.UsageEstimated)
            {
                Tag(activity, _ownsActivity, UsageEstimatedAttribute, true);
            }

            if (state.DowngradedFrom is { } downgradedFrom)
            {
                Tag(activity, _ownsActivity, DowngradedFromAttribute, downgradedFrom);
                activity.SetTag(GenAI.RequestModel, state.Model);
            }

            if (_ownsActivity)
            {
                TagResponse(activity, state, usage, error, _redact);
            }
        }

        if (_ownsActivity)
        {
            _activity?.Dispose();
            RecordMetrics(state, latency, error);
        }
    }

    private static void TagResponse(Activity activity, PromptCallState state, UsageDetails? usage, Exception? error, bool redact)
    {
        Tag(activity, owns: true, GenAI.RequestMaxTokens, state.Options.MaxOutputTokens);
        Tag(activity, owns: true, GenAI.ResponseModel, state.ResponseModel);
        Tag(activity, owns: true, GenAI.ResponseId, state.ResponseId);
        if (state.FinishReason is not null)
        {
            activity.AddTag(GenAI.ResponseFinishReasons, new[] { state.FinishReason });
        }

        if (state.Streaming && state.TimeToFirstToken is { } firstChunk)
        {
            activity.AddTag(GenAI.ResponseTimeToFirstChunk, firstChunk.TotalSeconds);
        }

        Tag(activity, owns: true, GenAI.InputTokens, usage?.InputTokenCount);
        Tag(activity, owns: true, GenAI.OutputTokens, usage?.OutputTokenCount);
        Tag(activity, owns: true, GenAI.CacheReadInputTokens, usage?.CachedInputTokenCount);
        if (usage is not null && TokenUsage.CacheWriteTokens(usage) is > 0 and var written)
        {
            activity.AddTag(GenAI.CacheWriteInputTokens, written);
        }

        Tag(activity, owns: true, GenAI.ReasoningOutputTokens, usage?.ReasoningTokenCount);
        if (GenAI.CaptureMessageContent && state.ResponseText is { } text)
        {
            activity.AddTag(GenAI.OutputMessages, Messages([("assistant", text)], redact, state.FinishReason));
        }

        if (error is not null)
        {
            activity.AddTag(GenAI.ErrorType, error.GetType().FullName);
            activity.SetStatus(ActivityStatusCode.Error, error.Message);
        }
    }

    /// <summary>Messages in the conventions' JSON shape: a role, then text parts.</summary>
    private static string Messages(IEnumerable<(string Role, string Text)> messages, bool redact, string? finishReason = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var (role, text) in messages)
            {
                json.WriteStartObject();
                json.WriteString("role", role);
                json.WriteStartArray("parts");
                json.WriteStartObject();
                json.WriteString("type", "text");
                json.WriteString("content", redact ? PromptContentRedactor.Redact(text) : text);
                json.WriteEndObject();
                json.WriteEndArray();
                if (finishReason is not null)
                {
                    json.WriteString("finish_reason", finishReason);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// Appends to a span of our own, which has no such tag yet (SetTag searches the list for each key), and skips a null
    /// value; on another's span, sets (a null value removes the tag).
    /// </summary>
    private static void Tag(Activity activity, bool owns, string key, object? value)
    {
        if (owns)
        {
            if (value is not null)
            {
                activity.AddTag(key, value);
            }
        }
        else
        {
            activity.SetTag(key, value);
        }
    }

    private static void RecordMetrics(PromptCallState state, TimeSpan latency, Exception? error)
    {
        // No tag without a value: a null-valued tag is a separate, empty series in most backends.
        var tags = new TagList
        {
            { GenAI.OperationName, GenAI.ChatOperation },
            { GenAI.ProviderName, ProviderName(state) },
            { FeatureAttribute, state.Feature },
        };
        if (state.Model is not null)
        {
            tags.Add(GenAI.RequestModel, state.Model);
        }

        if (state.ResponseModel is not null)
        {
            tags.Add(GenAI.ResponseModel, state.ResponseModel);
        }

        if (state.Endpoint is { IsAbsoluteUri: true } endpoint)
        {
            tags.Add(GenAI.ServerAddress, endpoint.Host);
            tags.Add(GenAI.ServerPort, endpoint.Port);
        }

        if (error is not null)
        {
            tags.Add(GenAI.ErrorType, error.GetType().FullName);
        }

        if (GenAI.LatestExperimental)
        {
            RecordLatest(state, latency, error, tags);
            return;
        }

        if (OperationDuration.Enabled)
        {
            OperationDuration.Record(latency.TotalSeconds, tags);
        }

        if (state.Streaming && state.TimeToFirstToken is { } firstToken && TimeToFirstChunk.Enabled)
        {
            TimeToFirstChunk.Record(firstToken.TotalSeconds, tags);
        }

        if (TokenUsageHistogram.Enabled && state.Usage is { } usage)
        {
            if (usage.InputTokenCount is { } input)
            {
                var inputTags = tags;
                inputTags.Add(GenAI.TokenType, "input");
                TokenUsageHistogram.Record(input, inputTags);
            }

            if (usage.OutputTokenCount is { } output)
            {
                var outputTags = tags;
                outputTags.Add(GenAI.TokenType, "output");
                TokenUsageHistogram.Record(output, outputTags);
            }
        }
    }

    /// <summary>The newest conventions' metrics: inference duration and first chunk, token counters with a modality, and per-inference token histograms.</summary>
    private static void RecordLatest(PromptCallState state, TimeSpan latency, Exception? error, TagList tags)
    {
        InferenceDuration.Record(latency.TotalSeconds, tags);
        if (state.Streaming && state.TimeToFirstToken is { } firstToken)
        {
            InferenceTimeToFirstChunk.Record(firstToken.TotalSeconds, tags);
        }

        if (error is not null || state.Usage is not { } usage)
        {
            return;
        }

        OperationInputTokens.Record(usage.InputTokenCount ?? 0, tags);
        OperationOutputTokens.Record(usage.OutputTokenCount ?? 0, tags);
        var counted = tags;
        counted.Add(GenAI.TokenModality, GenAI.Latest.UnknownModality);
        InputTokensUsed.Add(usage.InputTokenCount ?? 0, counted);
        OutputTokensUsed.Add(usage.OutputTokenCount ?? 0, counted);
        if (usage.CachedInputTokenCount is > 0 and var cached)
        {
            CacheReadTokensUsed.Add(cached, counted);
        }

        if (TokenUsage.CacheWriteTokens(usage) is > 0 and var written)
        {
            CacheWriteTokensUsed.Add(written, counted);
        }
    }
}
