using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>
/// How <c>UsePromptOps()</c> runs a call: the steps of its four layers in one method, in the order the layers would run them
/// nested (call logging, token budget, spend budget, cost tracking, from the outside in). The layers stay in the pipeline, so
/// <c>GetService</c> finds each of them and disposal reaches each, but a call goes through one state machine and one pass
/// per streamed update instead of four nested ones; the outermost layer hands its calls here.
/// </summary>
internal sealed class FusedPromptOpsCall
{
    private readonly CallLoggingChatClient _logging;
    private readonly TokenBudgetChatClient _tokens;
    private readonly SpendBudgetChatClient _spend;
    private readonly CostTrackingChatClient _cost;
    private readonly IChatClient _provider;
    private readonly PromptOpsLayer _layer;

    private FusedPromptOpsCall(CallLoggingChatClient logging, TokenBudgetChatClient tokens, SpendBudgetChatClient spend, CostTrackingChatClient cost, IChatClient provider, PromptOpsCallServices services)
    {
        (_logging, _tokens, _spend, _cost, _provider) = (logging, tokens, spend, cost, provider);
        _layer = new PromptOpsLayer(provider, services);
    }

    /// <summary>Builds the four layers around <paramref name="provider"/> and returns the outermost, which runs calls here.</summary>
    public static CallLoggingChatClient Build(IChatClient provider, PromptOpsCallServices services)
    {
        var cost = new CostTrackingChatClient(provider, services);
        var spend = new SpendBudgetChatClient(cost, services);
        var tokens = new TokenBudgetChatClient(spend, services);
        var logging = new CallLoggingChatClient(tokens, services);
        logging.Fused = new FusedPromptOpsCall(logging, tokens, spend, cost, provider, services);
        return logging;
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var state = _layer.Enter(this, messages, ref options, streaming: false, out var list, out var owner);
        var telemetry = CallTelemetry.Start(state);
        ChatResponse response;
        try
        {
            _tokens.Check(state);
            var reservation = await _spend.ReserveAsync(state, cancellationToken).ConfigureAwait(false);
            try
            {
                response = await _provider.GetResponseAsync(list, options, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // Nothing came back, so nothing is known to be billed: release the reservation.
                await _spend.SettleAsync(state, reservation, priced: false).ConfigureAwait(false);
                throw;
            }

            state.Observe(response, this, owner);
            _cost.Price(state);
            CostTrackingChatClient.ReportCost(state);
            CostTrackingChatClient.Annotate(response.AdditionalProperties ??= [], state);
            await _spend.SettleAsync(state, reservation, priced: true).ConfigureAwait(false);
            _tokens.AlertIfNearLimit(state);
        }
        catch (Exception ex)
        {
            _logging.Complete(state, telemetry, ex);
            throw;
        }

        _logging.Complete(state, telemetry, error: null);
        return response;
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var state = _layer.Enter(this, messages, ref options, streaming: true, out var list, out var owner);
        var telemetry = CallTelemetry.Start(state);
        Exception? error = null;
        SpendBudgetChatClient.Reservation? reservation = null;
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
                        _tokens.Check(state);
                        reservation = await _spend.ReserveAsync(state, cancellationToken).ConfigureAwait(false);
                        updates = _provider.GetStreamingResponseAsync(list, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
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
                if (PromptCallState.CarriesUsage(update))
                {
                    state.CostResolved = false;
                    _cost.Price(state);
                    CostTrackingChatClient.Annotate(update.AdditionalProperties ??= [], state);
                    priced = true;
                }

                yield return update;
            }

            providerDone = true;
            await DisposeAsync(updates).ConfigureAwait(false);
            if (!priced)
            {
                // The provider reported no usage: one last update, without content, carries the cost of the estimate.
                _cost.Price(state);
                var final = new ChatResponseUpdate { MessageId = lastMessageId, ResponseId = state.ResponseId, ModelId = state.ResponseModel };
                CostTrackingChatClient.Annotate(final.AdditionalProperties = [], state);
                state.Observe(final, layer: null, owner);
                sawUpdate = true;
                yield return final;
            }

            settled = true;
            await _spend.SettleAsync(state, reservation, priced: true).ConfigureAwait(false);
            _tokens.AlertIfNearLimit(state);
        }
        finally
        {
            try
            {
                if (!providerDone)
                {
                    await DisposeAsync(updates).ConfigureAwait(false);
                    if (sawUpdate)
                    {
                        // Failed or abandoned halfway: providers bill what they generated, so price the partial output as estimated.
                        _cost.Price(state);
                    }
                }

                // Once per call (the state makes it idempotent), also when the consumer stopped at the final update.
                CostTrackingChatClient.ReportCost(state);

                if (!settled)
                {
                    await _spend.SettleAsync(state, reservation, priced: sawUpdate).ConfigureAwait(false);
                }
            }
            finally
            {
                _logging.Complete(state, telemetry, error ?? CallLoggingChatClient.Abandoned(state, providerDone));
            }
        }
    }

    private static ValueTask DisposeAsync(IAsyncEnumerator<ChatResponseUpdate>? updates) => updates?.DisposeAsync() ?? ValueTask.CompletedTask;
}
