using Microsoft.Extensions.AI;
using PromptOps;

namespace Dashboard;

/// <summary>
/// Gives the dashboard something to show: replays a month of an online shop's LLM traffic through the real pipeline
/// (catalog, A/B split, budgets, pricing, call records, feedback, activations with approvals) on <see cref="SimulatedClock"/>,
/// then keeps sending a call every few seconds.
/// </summary>
internal sealed class TrafficSimulator(
    IServiceProvider services,
    SimulatedClock clock,
    IConfiguration configuration)
{
    private static readonly string[] Questions =
    [
        "My tent arrived with a broken pole. Can I return it?",
        "How long does shipping to Norway take?",
        "Can I change the size of the boots I ordered?",
        "Do you price match other shops?",
        "The zipper on my jacket broke after two weeks.",
        "Where is my order 10023?",
        "Is the stove safe to use indoors?",
        "Can I pay with an invoice?",
    ];

    private static readonly string[] Tenants = ["acme-outdoor", "acme-outdoor", "acme-outdoor", "globex", "globex", "initech"];

    private readonly Random _random = new(7);
    private readonly AIFunction _lookupOrder = AIFunctionFactory.Create((string orderId) => $"order {orderId}: shipped Monday, arrives Thursday", "lookup_order", "Looks up an order by its number.");
    private readonly List<(string RequestId, bool RefundWindow, DateTimeOffset At)> _answered = [];

    /// <summary>Replays past traffic when the store holds no calls yet; returns how many calls were replayed.</summary>
    public async Task<int> SeedAsync(CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<ICallStore>();
        if ((await store.QueryAsync(new CallQuery { Limit = 1 }, cancellationToken)).Count > 0)
        {
            return 0;
        }

        var days = configuration.GetValue("Dashboard:SeedDays", 30);
        var perDay = configuration.GetValue("Dashboard:CallsPerDay", 500);
        var now = DateTimeOffset.UtcNow;
        var first = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(-days);
        var calls = 0;
        try
        {
            for (var day = 0; day <= days; day++)
            {
                var date = first.AddDays(day);
                var weekend = date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
                var count = (int)(perDay * (weekend ? 0.55 : 1.0) * (0.85 + (0.3 * _random.NextDouble())));
                var moments = Enumerable.Range(0, count).Select(_ => date.AddSeconds(BusyHourSecond())).Where(t => t < now).Order().ToList();
                await ActivationsOnAsync(day, days, date, cancellationToken);
                foreach (var moment in moments)
                {
                    clock.ReplayAt(moment);
                    await OneRequestAsync(question: null, cancellationToken);
                    calls++;
                }
            }

            // Markup in a recorded message: the dashboard must show it as text.
            clock.ReplayAt(now.AddMinutes(-30));
            await OneRequestAsync("Is this safe? <script>alert('xss')</script>", cancellationToken);
            calls++;
            await services.GetRequiredService<ICallRecordDispatcher>().FlushAsync(cancellationToken);
            await FeedbackAsync(cancellationToken);
        }
        finally
        {
            clock.Live();
        }

        return calls;
    }

    /// <summary>One request every interval until the app stops, so the pages move.</summary>
    public async Task RunLiveAsync(CancellationToken cancellationToken)
    {
        var interval = configuration.GetValue("Dashboard:LiveTrafficInterval", TimeSpan.FromSeconds(3));
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, cancellationToken);
                await OneRequestAsync(question: null, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task OneRequestAsync(string? question, CancellationToken cancellationToken)
    {
        var catalog = services.GetRequiredService<IPromptCatalog>();
        var chat = services.GetRequiredService<IChatClient>();
        var user = $"user-{(int)(Math.Pow(_random.NextDouble(), 2) * 240) + 1:000}";
        var tenant = Tenants[_random.Next(Tenants.Length)];
        using var context = PromptOpsContext.Begin(userId: user, tenantId: tenant);
        var kind = question is null ? _random.NextDouble() : 0;
        RenderedPrompt rendered;
        var refundWindow = false;
        if (kind < 0.55)
        {
            var prompt = catalog.Get("customer-support");
            refundWindow = prompt.Version.ToString() == "2.1.0";
            question ??= Questions[_random.Next(Questions.Length)];
            var withTools = question.Contains("order", StringComparison.OrdinalIgnoreCase);
            rendered = prompt.Render(new { company_name = "Acme Outdoor", question, tools = withTools ? new[] { "lookup_order" } : [] });
            if (withTools)
            {
                rendered.Options.Tools = [_lookupOrder];
            }
        }
        else if (kind < 0.85)
        {
            rendered = catalog.Get("classify-intent").Render(new { labels = new[] { "returns", "shipping", "billing", "product" }, text = Questions[_random.Next(Questions.Length)] });
        }
        else
        {
            rendered = catalog.Get("summarize-ticket").Render(new { ticket_id = $"T-{_random.Next(1000, 9999)}", messages = new[] { "Customer: the pole is broken", "Agent: sorry, sending a new one" } });
        }

        try
        {
            await chat.GetResponseAsync(rendered.Messages, rendered.Options, cancellationToken);
            if (kind < 0.55)
            {
                _answered.Add((context.RequestId, refundWindow, clock.GetUtcNow()));
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or SpendBudgetExceededException or TokenBudgetExceededException)
        {
            // Recorded as a failed call (or refused by a budget before it was sent); the traffic goes on.
        }
    }

    /// <summary>Thumbs on about a third of the answered support requests: the refund-window variant is liked more.</summary>
    private async Task FeedbackAsync(CancellationToken cancellationToken)
    {
        var feedback = services.GetRequiredService<IPromptFeedback>();
        foreach (var (requestId, refundWindow, at) in _answered)
        {
            if (_random.NextDouble() > 0.33)
            {
                continue;
            }

            clock.ReplayAt(at.AddMinutes(1));
            var up = _random.NextDouble() < (refundWindow ? 0.78 : 0.62);
            await feedback.RecordAsync(PromptFeedback.Thumbs(requestId, up) with { GivenBy = "customer" }, cancellationToken);
        }

        var last = _answered[^1];
        clock.ReplayAt(last.At.AddMinutes(2));
        await feedback.RecordAsync(PromptFeedback.Flag(last.RequestId, "escalated", true) with { Comment = "<img src=x onerror=alert(1)> customer asked for a human", GivenBy = "agent-7" }, cancellationToken);
    }

    /// <summary>The prompt's release history in production (which requires approval) and in staging.</summary>
    private async Task ActivationsOnAsync(int day, int days, DateTimeOffset date, CancellationToken cancellationToken)
    {
        var activations = services.GetRequiredService<IPromptActivations>();
        async Task ApprovedAsync(string id, string version, string reason, string by, string approver, int hour)
        {
            clock.ReplayAt(date.AddHours(hour));
            var request = await activations.ActivateAsync(id, version, "production", reason, by, cancellationToken);
            clock.ReplayAt(date.AddHours(hour + 1));
            await activations.ApproveAsync(request.Id, approver, cancellationToken);
        }

        if (day == 1)
        {
            await ApprovedAsync("customer-support", "2.0.0", "first release", "alice", "bob", 9);
            await ApprovedAsync("summarize-ticket", "1.0.0", "first release", "alice", "bob", 11);
        }
        else if (day == 4)
        {
            clock.ReplayAt(date.AddHours(10));
            await activations.ActivateAsync("summarize-ticket", "1.0.0", "staging", "pin the summarizer while 1.1 is drafted", "alice", cancellationToken);
        }
        else if (day == days / 2)
        {
            await ApprovedAsync("customer-support", "2.1.0", "mention the 30-day refund window", "alice", "bob", 14);
        }
        else if (day == days - 6)
        {
            await ApprovedAsync("customer-support", "2.0.0", "refund answers too long in production; back to 2.0.0 while we look", "bob", "alice", 16);
        }
        else if (day == days)
        {
            clock.ReplayAt(date.AddHours(1));
            await activations.ActivateAsync("classify-intent", "1.0.0", "production", "first release of the ticket router", "carol", cancellationToken);
        }
    }

    /// <summary>A second of the day, busier in working hours (UTC).</summary>
    private double BusyHourSecond()
    {
        var hour = _random.NextDouble() < 0.75 ? 7 + (_random.NextDouble() * 11) : _random.NextDouble() * 24;
        return hour * 3600;
    }
}
