using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>
/// Records every call: builds its <see cref="PromptCallRecord"/> and hands it to the registered <see cref="IPromptCallSink"/>s
/// in the background, traces it with the <c>PromptOps</c> <see cref="ActivitySource"/> and measures it with the
/// <c>PromptOps</c> <see cref="System.Diagnostics.Metrics.Meter"/>. Returns the request id on the response under
/// <see cref="PromptOpsResponseKeys.RequestId"/>.
/// </summary>
/// <remarks>
/// <para>Add it with <c>UseCallLogging()</c>, or with <c>UsePromptOps()</c> which places it outermost so that its record
/// and span cover budget rejections and the whole call.</para>
/// <para>A call that throws is recorded with <see cref="PromptCallRecord.Success"/> = <see langword="false"/> and the
/// exception propagates unchanged; a stream that fails, is cancelled or is abandoned halfway is recorded too. Every call is
/// recorded exactly once.</para>
/// <para>Telemetry: when Microsoft.Extensions.AI's <c>UseOpenTelemetry()</c> sits outside this client, its <c>chat</c> span
/// is current and gets the <c>promptops.*</c> attributes instead of a second span, and the <c>gen_ai.client.*</c> metrics
/// are left to it; otherwise this client starts its own <c>chat {model}</c> span and records them. Thread-safe.</para>
/// </remarks>
public sealed class CallLoggingChatClient : DelegatingChatClient
{
    private readonly PromptOpsCallServices _services;
    private readonly PromptOpsLayer _layer;

    internal CallLoggingChatClient(IChatClient innerClient, PromptOpsCallServices services)
        : base(innerClient)
    {
        _services = services;
        _layer = new PromptOpsLayer(innerClient, services);
    }

    /// <summary>Gets or sets the fused call of a <c>UsePromptOps()</c> pipeline, which runs the layers below this one in one pass.</summary>
    internal FusedPromptOpsCall? Fused { get; set; }

    /// <inheritdoc />
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Fused is { } fused ? fused.GetResponseAsync(messages, options, cancellationToken) : GetLayeredResponseAsync(messages, options, cancellationToken);

    /// <inheritdoc />
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Fused is { } fused ? fused.GetStreamingResponseAsync(messages, options, cancellationToken) : GetLayeredStreamingResponseAsync(messages, options, cancellationToken);

    private async Task<ChatResponse> GetLayeredResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var state = _layer.Enter(this, messages, ref options, streaming: false, out var list, out var owner);
        var telemetry = CallTelemetry.Start(state);
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Complete(state, telemetry, ex);
            throw;
        }

        state.Observe(response, this, owner);
        Complete(state, telemetry, error: null);
        return response;
    }

    private async IAsyncEnumerable<ChatResponseUpdate> GetLayeredStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var state = _layer.Enter(this, messages, ref options, streaming: true, out var list, out var owner);
        var telemetry = CallTelemetry.Start(state);
        Exception? error = null;
        var providerDone = false;
        IAsyncEnumerator<ChatResponseUpdate> updates;
        try
        {
            updates = base.GetStreamingResponseAsync(list, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        }
        catch (Exception ex)
        {
            Complete(state, telemetry, ex);
            throw;
        }

        try
        {
            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        providerDone = true;
                        break;
                    }

                    update = updates.Current;
                }
                catch (Exception ex)
                {
                    error = ex;
                    throw;
                }

                state.Observe(update, this, owner);
                yield return update;
            }
        }
        finally
        {
            try
            {
                await updates.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                Complete(state, telemetry, error ?? Abandoned(state, providerDone));
            }
        }
    }

    /// <summary>
    /// The failure to record for a stream that ended without an error: none when the provider finished it (or the consumer
    /// stopped after the update that carried the finish reason), else the consumer abandoned it halfway.
    /// </summary>
    internal static OperationCanceledException? Abandoned(PromptCallState state, bool providerDone) =>
        providerDone || state.FinishReason is not null
            ? null
            : new OperationCanceledException("The consumer stopped reading the stream before the model finished; the call is billed for the output received until then.");

    /// <summary>Ends the call's telemetry and queues its record, once per call whichever layer or path gets here first.</summary>
    internal void Complete(PromptCallState state, CallTelemetry telemetry, Exception? error)
    {
        if (!state.TryComplete())
        {
            return;
        }

        var latency = _services.TimeProvider.GetElapsedTime(state.StartTimestamp);
        if (error is null || state.SawContent)
        {
            state.EnsureUsage(_services.TokenCounter);
        }

        telemetry.Stop(state, latency, error);
        var dispatcher = _services.Dispatcher;
        if (dispatcher is null || !dispatcher.HasSinks)
        {
            return;
        }

        var record = state.Finish(latency, error, _services.Options.CurrentValue.Calls.ContentCapture);
        dispatcher.TryEnqueue(in record);
    }
}
