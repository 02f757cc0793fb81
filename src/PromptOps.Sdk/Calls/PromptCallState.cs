using System.Text;
using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>
/// What the PromptOps clients of one pipeline learn about one call. The outermost of them creates it with a copy of the
/// caller's options (the caller's object is never changed), a <see cref="CallStateChatOptions"/> that carries the state,
/// and the inner ones find it again on the options they receive.
/// </summary>
internal sealed class PromptCallState
{
    private const string KeyPrefix = "promptops.";

    private readonly StringBuilder? _streamedText;
    private readonly TimeProvider _timeProvider;
    private readonly ToolLoopRequests? _toolLoops;
    /// <summary>The function calls the model asked for, in order (their names are the record's tools called).</summary>
    private List<FunctionCallContent>? _calls;
    private string? _responseText;
    private int? _inputTokenBound;
    private int? _quickInputTokenBound;
    private bool _readUpdate;
    private bool _requestIdStamped;
    private int _completed;
    private int _costReported;

    private PromptCallState(ChatOptions options, IList<ChatMessage> messages, ChatClientMetadata? metadata, bool streaming, TimeProvider timeProvider, ToolLoopRequests? toolLoops)
    {
        _toolLoops = toolLoops;
        Options = options;
        Messages = messages;
        Streaming = streaming;
        _timeProvider = timeProvider;
        StartTimestamp = timeProvider.GetTimestamp();
        StartTime = timeProvider.GetUtcNow();
        Context = PromptOpsContext.Current;
        // A request that sends function results back continues the request that asked for them (a tool loop).
        RequestId = Context?.RequestId ?? toolLoops?.Find(messages) ?? PromptOpsContext.NewRequestId(StartTime);

        Provider = metadata?.ProviderName;
        Endpoint = metadata?.ProviderUri;
        Model = options.ModelId ?? metadata?.DefaultModelId;

        var properties = options.AdditionalProperties;
        Prompt = properties?.TryGetValue(PromptOpsChatOptionKeys.Prompt, out var reference) == true ? reference as PromptReference : null;
        PromptId = Prompt?.Id ?? ReadString(properties, PromptOpsChatOptionKeys.PromptId);
        PromptVersion = Prompt?.Version ?? ReadString(properties, PromptOpsChatOptionKeys.PromptVersion);
        Variant = Prompt?.Variant ?? ReadString(properties, PromptOpsChatOptionKeys.PromptVariant);
        Label = Prompt?.Label ?? ReadString(properties, PromptOpsChatOptionKeys.PromptLabel);
        PromptMaxTokensPerRequest = properties?.TryGetValue(PromptOpsChatOptionKeys.MaxTokensPerRequest, out var max) == true && max is int limit ? limit : null;
        SkillTokens = properties?.TryGetValue(PromptOpsChatOptionKeys.SkillTokens, out var skill) == true && skill is int skillTokens ? skillTokens : 0;
        Feature = Context?.Feature ?? Prompt?.Feature ?? ReadString(properties, PromptOpsChatOptionKeys.Feature) ?? "default";
        if (streaming)
        {
            _streamedText = new StringBuilder();
        }
    }

    public ChatOptions Options { get; }

    /// <summary>Gets the messages sent.</summary>
    public IList<ChatMessage> Messages { get; }

    public bool Streaming { get; }

    public long StartTimestamp { get; }

    public DateTimeOffset StartTime { get; }

    public PromptOpsContext? Context { get; }

    public string RequestId { get; }

    public string? Provider { get; }

    /// <summary>Gets the endpoint the client calls, from its metadata, or <see langword="null"/>.</summary>
    public Uri? Endpoint { get; }

    /// <summary>Gets the model requested; a spend budget may downgrade it before the call is sent.</summary>
    public string? Model { get; private set; }

    /// <summary>Gets the model a spend budget downgraded the call from, or <see langword="null"/>.</summary>
    public string? DowngradedFrom { get; private set; }

    public PromptReference? Prompt { get; }

    public string? PromptId { get; }

    public string? PromptVersion { get; }

    public string? Variant { get; }

    public string? Label { get; }

    public string Feature { get; }

    public int? PromptMaxTokensPerRequest { get; }

    /// <summary>Gets the token allowance of the skills the prompt uses, added to the request's limit.</summary>
    public int SkillTokens { get; }

    /// <summary>Gets the client that reads the response; the innermost PromptOps client wins, so usage is counted once.</summary>
    public object? ResponseReader { get; private set; }

    /// <summary>Gets or sets the exact pre-flight input estimate, made only when a budget or missing usage needs it.</summary>
    public int? EstimatedInputTokens { get; set; }

    /// <summary>Gets the exact input estimate when one was made, otherwise a cheap upper bound (see <see cref="ITokenCounter.EstimateInputTokensUpperBound"/>).</summary>
    public int InputTokensAtMost(ITokenCounter counter) =>
        EstimatedInputTokens ?? (_inputTokenBound ??= counter.EstimateInputTokensUpperBound(Messages, Options, Model));

    /// <summary>
    /// Gets the tightest input bound known so far without tokenizing or reading the texts: the exact estimate or the upper
    /// bound when one was made, else the default counter's bound from text lengths (see <c>TiktokenTokenCounter.QuickUpperBound</c>),
    /// else <see cref="InputTokensAtMost"/>.
    /// </summary>
    public int InputTokensAtMostQuickly(ITokenCounter counter) =>
        EstimatedInputTokens ?? _inputTokenBound ?? (_quickInputTokenBound ??= counter is TiktokenTokenCounter tiktoken ? tiktoken.QuickUpperBound(Messages, Options, Model) : InputTokensAtMost(counter));

    /// <summary>Gets the exact pre-flight input estimate, making it on first use.</summary>
    public int ExactInputTokens(ITokenCounter counter) =>
        EstimatedInputTokens ??= counter.EstimateInputTokens(Messages, Options, Model);

    public int? TokenLimit { get; set; }

    public double AlertThreshold { get; set; }

    public UsageDetails? Usage { get; private set; }

    public bool UsageEstimated { get; private set; }

    public bool UsageClamped { get; set; }

    /// <summary>Gets or sets the call's cost in USD, or <see langword="null"/> when its model has no known price.</summary>
    public decimal? Cost { get; set; }

    public string? PriceSource { get; set; }

    public bool CostResolved { get; set; }

    public string? ResponseModel { get; private set; }

    public string? ResponseId { get; private set; }

    public string? FinishReason { get; private set; }

    /// <summary>Gets the response text; for a stream, what arrived so far (built once per read, not once per update).</summary>
    public string? ResponseText => _readUpdate ? _responseText ??= _streamedText!.ToString() : _responseText;

    public TimeSpan? TimeToFirstToken { get; private set; }

    public bool SawContent { get; private set; }

    /// <summary>
    /// Finds the state of a call from the options a PromptOps client received, or starts one with a private clone of them,
    /// and claims the reading of the response for <paramref name="reader"/>: clients enter outermost first, so the innermost
    /// claim wins and usage is read once.
    /// </summary>
    public static PromptCallState Enter(ref ChatOptions? options, IList<ChatMessage> messages, object reader, Lazy<ChatClientMetadata?> metadata, bool streaming, TimeProvider timeProvider, ToolLoopRequests? toolLoops, out bool owner)
    {
        if (options is CallStateChatOptions { State: { } existing })
        {
            owner = false;
            existing.ResponseReader = reader;
            return existing;
        }

        var copy = options is null ? new CallStateChatOptions() : new CallStateChatOptions(options);
        var state = new PromptCallState(copy, messages, metadata.Value, streaming, timeProvider, toolLoops) { ResponseReader = reader };
        if (copy.AdditionalProperties is { Count: > 0 } properties)
        {
            // The PromptOps keys are read now; providers that forward unknown properties must not receive them.
            RemovePromptOpsKeys(properties);
        }

        copy.State = state;
        options = copy;
        owner = true;
        return state;
    }

    /// <summary>
    /// Applies the application's model map (<see cref="PromptOpsOptions.Models"/>): the model the provider receives, and everything
    /// budgeted, priced and recorded, is the mapped one.
    /// </summary>
    public void MapModel(Dictionary<string, string> models)
    {
        if (models.Count == 0)
        {
            return;
        }

        // An exact name wins over "*".
        if (((Model is not null && models.TryGetValue(Model, out var mapped)) || models.TryGetValue("*", out mapped)) && !string.IsNullOrWhiteSpace(mapped))
        {
            Model = mapped;
            Options.ModelId = mapped;
        }
    }

    /// <summary>Sends the call to a cheaper model: the options the provider receives and everything recorded follow it.</summary>
    public void DowngradeTo(string model)
    {
        DowngradedFrom ??= Model;
        Model = model;
        Options.ModelId = model;
    }

    /// <summary>Builds the call's record when the call ends, its content captured and redacted as <paramref name="capture"/> says.</summary>
    public PromptCallRecord ToRecord(TimeSpan latency, Exception? error, PromptCallContentCapture capture)
    {
        var usage = Usage;
        var captured = capture != PromptCallContentCapture.Off;
        return new PromptCallRecord
        {
            RequestId = RequestId,
            Timestamp = StartTime,
            Feature = Feature,
            UserId = Context?.UserId,
            TenantId = Context?.TenantId,
            Tags = Context?.Tags ?? PromptCallRecord.NoTags,
            PromptId = PromptId,
            PromptVersion = PromptVersion,
            Variant = Variant,
            Label = Label,
            Model = Model,
            DowngradedFrom = DowngradedFrom,
            ResponseModel = ResponseModel,
            Provider = Provider,
            Temperature = Options.Temperature,
            MaxOutputTokens = Options.MaxOutputTokens,
            InputTokens = usage?.InputTokenCount,
            OutputTokens = usage?.OutputTokenCount,
            CachedInputTokens = usage?.CachedInputTokenCount,
            CacheWriteInputTokens = usage is null ? null : TokenUsage.CacheWriteTokens(usage) is var written and > 0 ? written : null,
            ReasoningTokens = usage?.ReasoningTokenCount,
            EstimatedInputTokens = EstimatedInputTokens,
            UsageEstimated = UsageEstimated,
            UsageClamped = UsageClamped,
            Streaming = Streaming,
            Latency = latency,
            TimeToFirstToken = Streaming ? TimeToFirstToken : null,
            Cost = Cost,
            PriceSource = Cost is null ? null : PriceSource,
            ToolsAvailable = Options.Tools is { Count: > 0 } tools ? [.. tools.Select(t => t.Name)] : [],
            ToolsCalled = _calls is null ? [] : [.. _calls.Select(c => c.Name)],
            FinishReason = FinishReason,
            Success = error is null,
            ErrorType = error?.GetType().FullName,
            Error = error?.Message,
            InputContent = captured ? Capture(FormatMessages(Messages), capture) : null,
            OutputContent = captured ? Capture(FormatOutput(), capture) : null,
        };
    }

    private static string? Capture(string? content, PromptCallContentCapture capture) =>
        capture == PromptCallContentCapture.Redacted && content is not null ? PromptContentRedactor.Redact(content) : content;

    private static string FormatMessages(IList<ChatMessage> messages)
    {
        var text = new StringBuilder();
        foreach (var message in messages)
        {
            text.Append(message.Role.Value).Append(": ").Append(message.Text);
            AppendToolContents(text, message.Contents);
            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The reply's text followed by the function calls it asked for, as captured in the record.</summary>
    private string? FormatOutput()
    {
        if (_calls is null)
        {
            return ResponseText;
        }

        var text = new StringBuilder(ResponseText);
        AppendToolContents(text, _calls);
        return text.ToString();
    }

    /// <summary>
    /// Writes function calls (<c>[call get_weather {"city":"Paris"} id=call_1]</c>) and function results
    /// (<c>[result id=call_1: sunny]</c>): in an incident, what a tool was asked and answered is often the key fact.
    /// </summary>
    private static void AppendToolContents(StringBuilder text, IEnumerable<AIContent> contents)
    {
        foreach (var content in contents)
        {
            if (content is FunctionCallContent or FunctionResultContent && text.Length > 0 && text[^1] != ' ')
            {
                text.Append(' ');
            }

            switch (content)
            {
                case FunctionCallContent call:
                    text.Append("[call ").Append(call.Name).Append(' ').Append(ToJson(call.Arguments)).Append(" id=").Append(call.CallId).Append(']');
                    break;
                case FunctionResultContent result:
                    text.Append("[result id=").Append(result.CallId).Append(": ")
                        .Append(result.Exception is { } failure ? "failed: " + failure.Message : ResultText(result.Result)).Append(']');
                    break;
            }
        }
    }

    /// <summary>A function's result as text: a string as it is (also when it comes back as a JSON string), anything else as JSON.</summary>
    private static string ResultText(object? result) => result switch
    {
        string text => text,
        System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.String } element => element.GetString()!,
        _ => ToJson(result),
    };

    private static readonly System.Text.Json.JsonSerializerOptions CompactJson = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    private static string ToJson(object? value)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Serialize(value, CompactJson);
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or System.Text.Json.JsonException)
        {
            return value?.ToString() ?? "null";
        }
    }

    /// <summary>Returns <see langword="true"/> exactly once, for the client that records the call.</summary>
    public bool TryComplete() => Interlocked.Exchange(ref _completed, 1) == 0;

    /// <summary>Returns <see langword="true"/> exactly once, for the client that adds the cost to the metric.</summary>
    public bool TryMarkCostReported() => Interlocked.Exchange(ref _costReported, 1) == 0;

    /// <summary>Reads the response when <paramref name="reader"/> holds the claim, and returns the request id on it when <paramref name="owner"/>.</summary>
    public void Observe(ChatResponse response, object? reader, bool owner)
    {
        if (ReferenceEquals(ResponseReader, reader))
        {
            ReadResponse(response);
        }

        if (owner)
        {
            (response.AdditionalProperties ??= [])[PromptOpsResponseKeys.RequestId] = RequestId;
        }
    }

    /// <summary>
    /// Reads a streamed update when <paramref name="reader"/> holds the claim; when <paramref name="owner"/>, returns the request
    /// id on the first update and times the first content.
    /// </summary>
    public void Observe(ChatResponseUpdate update, object? reader, bool owner)
    {
        if (ReferenceEquals(ResponseReader, reader))
        {
            ReadUpdate(update);
        }

        if (!owner)
        {
            return;
        }

        if (!_requestIdStamped)
        {
            _requestIdStamped = true;
            (update.AdditionalProperties ??= [])[PromptOpsResponseKeys.RequestId] = RequestId;
        }

        if (!SawContent && CarriesContent(update))
        {
            SawContent = true;
            TimeToFirstToken = _timeProvider.GetElapsedTime(StartTimestamp);
        }
    }

    /// <summary>Returns <see langword="true"/> when the update carries the provider's usage.</summary>
    public static bool CarriesUsage(ChatResponseUpdate update) => Carries(update.Contents, usage: true);

    private static bool CarriesContent(ChatResponseUpdate update) => Carries(update.Contents, usage: false);

    /// <summary>Whether any content is (<paramref name="usage"/>) or is not usage; indexed, as this runs on every streamed update.</summary>
    private static bool Carries(IList<AIContent> contents, bool usage)
    {
        for (var i = 0; i < contents.Count; i++)
        {
            if ((contents[i] is UsageContent) == usage)
            {
                return true;
            }
        }

        return false;
    }

    private void ReadResponse(ChatResponse response)
    {
        ResponseModel = response.ModelId ?? ResponseModel;
        ResponseId = response.ResponseId ?? ResponseId;
        FinishReason = response.FinishReason?.Value ?? FinishReason;
        _responseText = response.Text;
        if (response.Usage is { } usage)
        {
            AddUsage(usage);
        }

        var messages = response.Messages;
        for (var i = 0; i < messages.Count; i++)
        {
            CollectToolCalls(messages[i].Contents);
        }
    }

    private void ReadUpdate(ChatResponseUpdate update)
    {
        _readUpdate = true;
        ResponseModel = update.ModelId ?? ResponseModel;
        ResponseId = update.ResponseId ?? ResponseId;
        FinishReason = update.FinishReason?.Value ?? FinishReason;
        var contents = update.Contents;
        for (var i = 0; i < contents.Count; i++)
        {
            switch (contents[i])
            {
                case TextContent text:
                    _streamedText!.Append(text.Text);
                    _responseText = null;
                    break;
                case UsageContent usage:
                    AddUsage(usage.Details);
                    break;
            }
        }

        CollectToolCalls(update.Contents);
    }

    /// <summary>Fills in estimated usage when the provider reported none (or reported no input or output count).</summary>
    public void EnsureUsage(ITokenCounter counter)
    {
        if (Usage is { InputTokenCount: not null, OutputTokenCount: not null })
        {
            return;
        }

        var estimatedInput = ExactInputTokens(counter);
        var estimatedOutput = string.IsNullOrEmpty(ResponseText) ? 0 : counter.CountTokens(ResponseText, ResponseModel ?? Model);
        Usage ??= new UsageDetails();
        Usage.InputTokenCount ??= estimatedInput;
        Usage.OutputTokenCount ??= estimatedOutput;
        Usage.TotalTokenCount = Usage.InputTokenCount + Usage.OutputTokenCount;
        UsageEstimated = true;
    }

    private void AddUsage(UsageDetails usage)
    {
        if (Usage is null)
        {
            Usage = new UsageDetails();
        }

        Usage.Add(usage);
    }

    private void CollectToolCalls(IList<AIContent> contents)
    {
        for (var i = 0; i < contents.Count; i++)
        {
            if (contents[i] is FunctionCallContent call)
            {
                (_calls ??= []).Add(call);
                if (call.CallId is { Length: > 0 } callId)
                {
                    _toolLoops?.Remember(callId, RequestId);
                }
            }
        }
    }

    private static void RemovePromptOpsKeys(AdditionalPropertiesDictionary properties)
    {
        List<string>? keys = null;
        foreach (var (key, _) in properties)
        {
            if (key.StartsWith(KeyPrefix, StringComparison.Ordinal))
            {
                (keys ??= []).Add(key);
            }
        }

        keys?.ForEach(key => properties.Remove(key));
    }

    private static string? ReadString(AdditionalPropertiesDictionary? properties, string key) =>
        properties?.TryGetValue(key, out var value) == true ? value as string : null;
}

/// <summary>
/// The copy of the caller's options that a PromptOps pipeline sends down: the inner PromptOps clients find the call's state
/// on it, without a lookup table. <see cref="ChatOptions.Clone"/> returns a plain <see cref="ChatOptions"/>, so a client
/// that clones the options to make a call of its own starts a new state.
/// </summary>
internal sealed class CallStateChatOptions : ChatOptions
{
    public CallStateChatOptions()
    {
    }

    public CallStateChatOptions(ChatOptions options)
        : base(options)
    {
    }

    public PromptCallState? State { get; set; }
}
