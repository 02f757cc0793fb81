using System.Diagnostics;
using static PromptOps.PromptOpsTelemetry;

namespace PromptOps;

/// <summary>The span and metrics of one call: PromptOps' own, or the attributes added to Microsoft.Extensions.AI's span.</summary>
internal readonly struct CallTelemetry
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> SpanNames = new(StringComparer.Ordinal);
    private static int s_spanNameCount;

    private readonly Activity? _activity;
    private readonly bool _ownsActivity;

    private CallTelemetry(Activity? activity, bool ownsActivity)
    {
        _activity = activity;
        _ownsActivity = ownsActivity;
    }

    public static CallTelemetry Start(PromptCallState state)
    {
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
                // A span of our own has no tags yet: AddTag appends, where SetTag would search the list for each key.
                activity.AddTag(GenAI.OperationName, GenAI.ChatOperation);
                Tag(activity, owns: true, GenAI.ProviderName, state.Provider);
                Tag(activity, owns: true, GenAI.RequestModel, state.Model);
                if (state.Options.Temperature is { } temperature)
                {
                    activity.AddTag(GenAI.RequestTemperature, temperature);
                }
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
            }

            if (state.Variant is not null)
            {
                Tag(activity, owns, PromptVariantAttribute, state.Variant);
            }
        }

        return new CallTelemetry(activity, owns);
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

    public void Stop(PromptCallState state, TimeSpan latency, Exception? error)
    {
        var usage = state.Usage;
        if (_activity is { IsAllDataRequested: true } activity)
        {
            if (state.Cost is { } cost)
            {
                Tag(activity, _ownsActivity, CostAttribute, (double)cost);
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
                Tag(activity, owns: true, GenAI.RequestMaxTokens, state.Options.MaxOutputTokens);
                Tag(activity, owns: true, GenAI.ResponseModel, state.ResponseModel);
                Tag(activity, owns: true, GenAI.ResponseId, state.ResponseId);
                if (state.FinishReason is not null)
                {
                    activity.AddTag(GenAI.ResponseFinishReasons, new[] { state.FinishReason });
                }

                Tag(activity, owns: true, GenAI.InputTokens, usage?.InputTokenCount);
                Tag(activity, owns: true, GenAI.OutputTokens, usage?.OutputTokenCount);
                Tag(activity, owns: true, GenAI.CacheReadInputTokens, usage?.CachedInputTokenCount);
                if (error is not null)
                {
                    activity.AddTag(GenAI.ErrorType, error.GetType().FullName);
                    activity.SetStatus(ActivityStatusCode.Error, error.Message);
                }
            }
        }

        if (_ownsActivity)
        {
            _activity?.Dispose();
            RecordMetrics(state, latency, error);
        }
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
        var tags = new TagList
        {
            { GenAI.OperationName, GenAI.ChatOperation },
            { GenAI.RequestModel, state.Model },
            { GenAI.ProviderName, state.Provider },
            { FeatureAttribute, state.Feature },
        };
        if (state.ResponseModel is not null)
        {
            tags.Add(GenAI.ResponseModel, state.ResponseModel);
        }

        if (error is not null)
        {
            tags.Add(GenAI.ErrorType, error.GetType().FullName);
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
}
