using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace PromptOps.Tests.Spending;

public class WebhookBudgetAlertHandlerTests
{
    private const string Secret = "s3cret-s3cret-s3cret";

    private static readonly SpendBudgetAlert Alert = new()
    {
        Budget = "daily",
        Scope = SpendBudgetScope.Global,
        ScopeValue = "*",
        Period = SpendBudgetPeriod.Day,
        PeriodStart = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero),
        PeriodEnd = new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero),
        Threshold = 0.9,
        LimitUsd = 1000m,
        SpentUsd = 903.25m,
        Action = SpendLimitAction.Block,
        RequestId = "req-1",
        Timestamp = new DateTimeOffset(2026, 11, 23, 17, 0, 0, TimeSpan.Zero),
    };

    [Fact]
    public async Task HandleAsync_Alert_PostsJsonWithAVerifiableSignature()
    {
        var receiver = new Receiver(HttpStatusCode.OK);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 17, 0, 5, TimeSpan.Zero));
        using var handler = new WebhookBudgetAlertHandler(new Uri("https://alerts.example.com/promptops"), Secret, receiver, time, null, TimeSpan.Zero);

        await handler.HandleAsync(Alert, CancellationToken.None);

        var request = Assert.Single(receiver.Requests);
        Assert.Equal("1795453205", request.Timestamp);
        Assert.Equal(WebhookBudgetAlertHandler.Sign(Secret, request.Timestamp, request.Body), request.Signature);
        Assert.NotEqual(WebhookBudgetAlertHandler.Sign("another-secret-entirely", request.Timestamp, request.Body), request.Signature);
        using var json = JsonDocument.Parse(request.Body);
        Assert.Equal("daily", json.RootElement.GetProperty("budget").GetString());
        Assert.Equal(903.25m, json.RootElement.GetProperty("spentUsd").GetDecimal());
        Assert.Equal("block", json.RootElement.GetProperty("action").GetString(), ignoreCase: true);
    }

    [Fact]
    public async Task HandleAsync_RolloutRollback_PostsSignedJsonThatSaysItIsARollback()
    {
        var receiver = new Receiver(HttpStatusCode.OK);
        using var handler = new WebhookBudgetAlertHandler(new Uri("https://alerts.example.com/promptops"), Secret, receiver, TimeProvider.System, null, TimeSpan.Zero);
        var alert = new PromptRolloutAlert
        {
            RolloutId = "a7c2k9m4x1q",
            PromptId = "customer-support",
            Environment = "production",
            FromVersion = "2.1.0",
            ToVersion = "2.2.0",
            Share = 5,
            Reason = "error_rate 15.2% vs 1.0% (+14.2pp, lower bound +11.8pp > +2pp)",
            ActivationId = "a9",
            Timestamp = new DateTimeOffset(2026, 12, 2, 9, 30, 0, TimeSpan.Zero),
        };

        await ((IQualityAlertHandler)handler).HandleAsync(alert, CancellationToken.None);

        var request = Assert.Single(receiver.Requests);
        Assert.Equal(WebhookBudgetAlertHandler.Sign(Secret, request.Timestamp, request.Body), request.Signature);
        using var json = JsonDocument.Parse(request.Body);
        Assert.Equal("rollback", json.RootElement.GetProperty("alert").GetString());
        Assert.Equal("a7c2k9m4x1q", json.RootElement.GetProperty("rolloutId").GetString());
        Assert.Equal(5, json.RootElement.GetProperty("share").GetInt32());
    }

    [Fact]
    public void AddAlertWebhook_Registered_ReceivesBudgetAndRolloutAlertsThroughOneHandler()
    {
        var services = new ServiceCollection();
        services.AddLogging().AddPromptOps().AddAlertWebhook(new Uri("https://alerts.example.com/promptops"), Secret);
        using var provider = services.BuildServiceProvider();

        var budget = provider.GetServices<IBudgetAlertHandler>().OfType<WebhookBudgetAlertHandler>().Single();
        var rollout = provider.GetServices<IQualityAlertHandler>().OfType<WebhookBudgetAlertHandler>().Single();

        Assert.Same(budget, rollout);
    }

    [Fact]
    public async Task HandleAsync_ReceiverFailsWith503_TriesThreeTimesThenLogsWithoutThrowing()
    {
        var receiver = new Receiver(HttpStatusCode.ServiceUnavailable);
        var logs = new FakeLogger<WebhookBudgetAlertHandler>();
        using var handler = new WebhookBudgetAlertHandler(new Uri("https://alerts.example.com/promptops"), Secret, receiver, TimeProvider.System, logs, TimeSpan.FromMilliseconds(1));

        await handler.HandleAsync(Alert, CancellationToken.None);

        Assert.Equal(3, receiver.Requests.Count);
        var entry = Assert.Single(logs.Collector.GetSnapshot());
        Assert.Equal(2408, entry.Id.Id);
        Assert.Contains("HTTP 503", entry.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://alerts.example.com", Secret, "not an absolute http or https URL")]
    [InlineData("https://alerts.example.com", "short", "at least 16 characters")]
    public void AddAlertWebhook_BadUrlOrSecret_ThrowsWhenRegistered(string url, string secret, string expected)
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<ArgumentException>(() => services.AddPromptOps().AddAlertWebhook(new Uri(url), secret));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private sealed class Receiver(HttpStatusCode status) : HttpMessageHandler
    {
        public List<(string Body, string Timestamp, string Signature)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add((
                await request.Content!.ReadAsStringAsync(cancellationToken),
                request.Headers.GetValues("X-PromptOps-Timestamp").Single(),
                request.Headers.GetValues("X-PromptOps-Signature").Single()));
            return new HttpResponseMessage(status);
        }
    }
}
