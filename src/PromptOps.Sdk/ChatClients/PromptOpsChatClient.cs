using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>
/// The PromptOps chat middleware: per call, in this order, it checks the token budget, reserves the worst-case cost in the
/// spend budgets, sends the call, prices what the provider reports, settles the spend, and records, traces and measures the
/// call. <see cref="Features"/> says which of these steps this client takes.
/// </summary>
/// <remarks>
/// <para>Add it with <c>UsePromptOps()</c> (every feature), or with <c>UseTokenBudget()</c>, <c>UseSpendBudget()</c>,
/// <c>UseCostTracking()</c> or <c>UseCallLogging()</c> (one each). Clients of one pipeline share each call: the outermost
/// starts it (with a private copy of the caller's options, which are never changed) and the inner ones find it on the
/// options they receive, so a call is read, priced and recorded once even when several are stacked.</para>
/// <para>The record and span cover the whole call, budget rejections included. A call that throws is recorded with
/// <see cref="PromptCallRecord.Success"/> = <see langword="false"/> and the exception propagates unchanged; a stream that
/// fails, is cancelled or is abandoned halfway is recorded and billed for the output it received. The request id is
/// returned on the response (and the first streamed update) under <see cref="PromptOpsResponseKeys.RequestId"/>, the cost
/// under <see cref="PromptOpsResponseKeys.CostUsd"/>.</para>
/// <para>Streaming: the cost is set on the update that carries the provider's <see cref="UsageContent"/>; when no usage
/// arrives, one final update without content carries the cost of PromptOps' estimate.</para>
/// <para>Telemetry: when Microsoft.Extensions.AI's <c>UseOpenTelemetry()</c> sits outside this client, its <c>chat</c> span
/// is current and gets the <c>promptops.*</c> attributes instead of a second span, and the <c>gen_ai.client.*</c> metrics
/// are left to it; otherwise this client starts its own <c>chat {model}</c> span on the <c>PromptOps</c>
/// <see cref="ActivitySource"/> and records them on the <c>PromptOps</c> meter. Thread-safe.</para>
/// </remarks>
public sealed class PromptOpsChatClient : DelegatingChatClient
{
    private readonly PromptOpsCallServices _services;
    private readonly Lazy<ChatClientMetadata?> _metadata;
    private readonly bool _logs;
    private readonly bool _tokens;
    private readonly bool _spend;
    private readonly bool _cost;

    internal PromptOpsChatClient(IChatClient innerClient, PromptOpsCallServices services, PromptOpsFeatures features)
        : base(innerClient)
    {
        _services = services;
        _metadata = new(() => innerClient.GetService<ChatClientMetadata>());
        Features = features;
        _logs = features.HasFlag(PromptOpsFeatures.CallLogging);
        _tokens = features.HasFlag(PromptOpsFeatures.TokenBudget);
        _spend = features.HasFlag(PromptOpsFeatures.SpendBudget);
        _cost = features.HasFlag(PromptOpsFeatures.CostTracking);
    }

    /// <summary>Gets the steps this client takes on each call.</summary>
    public PromptOpsFeatures Features { get; }

    /// <summary>Gets the client this one sends calls to.</summary>
    internal IChatClient Next => InnerClient;

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var state = Enter(messages, ref options, streaming: false, out var list, out var owner);
        CallTelemetry telemetry = default;
        ChatResponse response;
        try
        {
            var reservation = await BeforeSendAsync(state, cancellationToken).ConfigureAwait(false);
            telemetry = StartTelemetry(state);
            try
            {
                response = await InnerClient.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // Nothing came back, so nothing is known to be billed: release the reservation.
                await SettleAsync(state, reservation, billed: false).ConfigureAwait(false);
                throw;
            }

            state.Observe(response, this, owner);
            if (_cost)
            {
                _services.Pricer.Price(state);
                CallPricer.ReportCost(state);
                CallPricer.Annotate(response.AdditionalProperties ??= [], state);
            }

            await AfterResponseAsync(state, reservation).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Complete(state, telemetry, ex);
            throw;
        }

        Complete(state, telemetry, error: null);
        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var state = Enter(messages, ref options, streaming: true, out var list, out var owner);
        CallTelemetry telemetry = default;
        Exception? error = null;
        SpendReservation? reservation = null;
        IAsyncEnumerator<ChatResponseUpdate>? updates = null;
        var sawUpdate = false;
        var priced = false;
        var providerDone = false;
        var settled = false;
        string? lastMessageId = null;
        try
        {
            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    if (updates is null)
                    {
                        reservation = await BeforeSendAsync(state, cancellationToken).ConfigureAwait(false);
                        telemetry = StartTelemetry(state);
                        updates = InnerClient.GetStreamingResponseAsync(list, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
                    }

                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    update = updates.Current;
                }
                catch (Exception ex)
                {
                    error = ex;
                    throw;
                }

                sawUpdate = true;
                state.Observe(update, this, owner);
                lastMessageId = update.MessageId ?? lastMessageId;
                if (_cost && PromptCallState.CarriesUsage(update))
                {
                    state.CostResolved = false;
                    _services.Pricer.Price(state);
                    CallPricer.Annotate(update.AdditionalProperties ??= [], state);
                    priced = true;
                }

                yield return update;
            }

            providerDone = true;
            await DisposeAsync(updates).ConfigureAwait(false);
            if (_cost && !priced)
            {
                // The provider reported no usage: one last update, without content, carries the cost of the estimate.
                _services.Pricer.Price(state);
                var final = new ChatResponseUpdate { MessageId = lastMessageId, ResponseId = state.ResponseId, ModelId = state.ResponseModel };
                CallPricer.Annotate(final.AdditionalProperties = [], state);
                state.Observe(final, reader: null, owner);
                yield return final;
            }

            settled = true;
            await AfterResponseAsync(state, reservation).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                if (!providerDone)
                {
                    await DisposeAsync(updates).ConfigureAwait(false);
                }

                if (_cost)
                {
                    if (!providerDone && sawUpdate)
                    {
                        // Failed or abandoned halfway: providers bill what they generated, so the partial output is priced as estimated.
                        _services.Pricer.Price(state);
                    }

                    // Once per call (the state makes it idempotent), also when the consumer stopped at the final update.
                    CallPricer.ReportCost(state);
                }

                if (!settled)
                {
                    await SettleAsync(state, reservation, billed: sawUpdate).ConfigureAwait(false);
                }
            }
            finally
            {
                Complete(state, telemetry, error ?? Abandoned(state, providerDone));
            }
        }
    }

    /// <summary>Materialises the messages once and finds or starts the call's state (see <see cref="PromptCallState.Enter"/>).</summary>
    private PromptCallState Enter(IEnumerable<ChatMessage> messages, ref ChatOptions? options, bool streaming, out IList<ChatMessage> list, out bool owner)
    {
        list = messages as IList<ChatMessage> ?? [.. messages];
        var state = PromptCallState.Enter(ref options, list, this, _metadata, streaming, _services.TimeProvider, _services.ToolLoops, out owner);
        if (owner)
        {
            state.MapModel(_services.Options.CurrentValue.Models);
        }

        return state;
    }

    /// <summary>
    /// Starts the span and metrics once the call is about to be sent: a call a budget refused is a rejection (counted and
    /// recorded), not a failed chat operation.
    /// </summary>
    private CallTelemetry StartTelemetry(PromptCallState state) =>
        _logs ? CallTelemetry.Start(state, _services.Options.CurrentValue.Calls.ContentCapture) : default;

    /// <summary>The checks before anything is sent: the token budget, then the spend reservation (after a clamp has lowered the output).</summary>
    private ValueTask<SpendReservation?> BeforeSendAsync(PromptCallState state, CancellationToken cancellationToken)
    {
        if (_tokens)
        {
            _services.TokenBudget.Check(state);
        }

        return _spend ? _services.SpendBudget.ReserveAsync(state, cancellationToken) : default;
    }

    /// <summary>The steps once the response is complete: the spend settlement and the token budget's alert.</summary>
    private async ValueTask AfterResponseAsync(PromptCallState state, SpendReservation? reservation)
    {
        await SettleAsync(state, reservation, billed: true).ConfigureAwait(false);
        if (_tokens)
        {
            _services.TokenBudget.AlertIfNearLimit(state);
        }
    }

    /// <summary>Replaces the reservation by the call's cost; a call that returned nothing (<paramref name="billed"/> false) costs nothing.</summary>
    private ValueTask SettleAsync(PromptCallState state, SpendReservation? reservation, bool billed)
    {
        if (reservation is null)
        {
            return default;
        }

        decimal actual = 0;
        if (billed)
        {
            _services.Pricer.Price(state);
            actual = state.Cost ?? 0;
        }

        return _services.SpendBudget.SettleAsync(state.RequestId, reservation, actual);
    }

    /// <summary>
    /// The failure to record for a stream that ended without an error: none when the provider finished it (or the consumer
    /// stopped after the update that carried the finish reason), else the consumer abandoned it halfway.
    /// </summary>
    private static OperationCanceledException? Abandoned(PromptCallState state, bool providerDone) =>
        providerDone || state.FinishReason is not null
            ? null
            : new OperationCanceledException("The consumer stopped reading the stream before the model finished; the call is billed for the output received until then.");

    /// <summary>Ends the call's telemetry and hands its record to the sinks, once per call whichever client gets here first.</summary>
    private void Complete(PromptCallState state, CallTelemetry telemetry, Exception? error)
    {
        if (!_logs || !state.TryComplete())
        {
            return;
        }

        var latency = _services.TimeProvider.GetElapsedTime(state.StartTimestamp);
        if (error is null || state.SawContent)
        {
            state.EnsureUsage(_services.TokenCounter);
        }

        telemetry.Stop(state, latency, error);
        if (_services.Dispatcher is { HasSinks: true } dispatcher)
        {
            dispatcher.TryEnqueue(state.ToRecord(latency, error, _services.Options.CurrentValue.Calls.ContentCapture));
        }
    }

    private static ValueTask DisposeAsync(IAsyncEnumerator<ChatResponseUpdate>? updates) => updates?.DisposeAsync() ?? ValueTask.CompletedTask;
}
