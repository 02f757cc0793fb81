using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PromptOps;

/// <summary>
/// Posts each alert (spend budget thresholds; automatic rollbacks and drift, whose JSON has <c>"alert": "rollback"</c> or <c>"drift"</c>)
/// as JSON to a webhook, signed with HMAC-SHA256 so the receiver can check it came from this application and was not
/// replayed. Add it with <c>AddAlertWebhook(url, secret)</c>.
/// </summary>
/// <remarks>
/// <para>Headers: <c>X-PromptOps-Timestamp</c> (Unix seconds) and <c>X-PromptOps-Signature: sha256=&lt;hex&gt;</c>, the
/// HMAC-SHA256 with the shared secret of <c>{timestamp}.{body}</c>. A receiver recomputes it over the raw body, compares
/// in constant time, and rejects timestamps older than a few minutes.</para>
/// <para>A network error or a 5xx/429 answer is tried again twice (after 1 s and 4 s); a final failure is logged (event
/// 2408) and never affects a chat call.</para>
/// </remarks>
internal sealed partial class WebhookBudgetAlertHandler : IBudgetAlertHandler, IQualityAlertHandler, IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly byte[] _secret;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly TimeSpan _retryDelay;

    /// <summary>Initializes a new instance of the <see cref="WebhookBudgetAlertHandler"/> class.</summary>
    /// <param name="endpoint">The absolute http or https URL to post to.</param>
    /// <param name="secret">The shared secret for the signature (at least 16 characters).</param>
    /// <param name="timeProvider">The clock for the timestamp header, or <see langword="null"/> for the system clock.</param>
    /// <param name="logger">Where delivery failures are logged, or <see langword="null"/>.</param>
    public WebhookBudgetAlertHandler(Uri endpoint, string secret, TimeProvider? timeProvider = null, ILogger<WebhookBudgetAlertHandler>? logger = null)
        : this(endpoint, secret, new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, timeProvider, logger, TimeSpan.FromSeconds(1))
    {
    }

    internal WebhookBudgetAlertHandler(Uri endpoint, string secret, HttpMessageHandler handler, TimeProvider? timeProvider, ILogger<WebhookBudgetAlertHandler>? logger, TimeSpan retryDelay)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Validate(endpoint, secret);
        _endpoint = endpoint;
        _secret = Encoding.UTF8.GetBytes(secret);
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _retryDelay = retryDelay;
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless the endpoint is an absolute http(s) URL and the secret long enough.</summary>
    internal static void Validate(Uri endpoint, string secret)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"The alert webhook '{endpoint}' is not an absolute http or https URL. Use for example https://alerts.example.com/promptops.", nameof(endpoint));
        }

        if (string.IsNullOrEmpty(secret) || secret.Length < 16)
        {
            throw new ArgumentException("The alert webhook secret must be at least 16 characters, so that its signature cannot be guessed. Generate one, for example with 'openssl rand -hex 32', and give the receiver the same.", nameof(secret));
        }
    }

    /// <summary>Computes the signature header value of a body, as a receiver must: <c>sha256=</c> and the hex HMAC-SHA256 of <c>{timestamp}.{body}</c>.</summary>
    /// <param name="secret">The shared secret.</param>
    /// <param name="timestamp">The <c>X-PromptOps-Timestamp</c> header value.</param>
    /// <param name="body">The raw request body.</param>
    /// <returns>The expected <c>X-PromptOps-Signature</c> value.</returns>
    public static string Sign(string secret, string timestamp, string body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Sign(Encoding.UTF8.GetBytes(secret), timestamp, body);
    }

    private static string Sign(byte[] secret, string timestamp, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    /// <inheritdoc />
    public ValueTask HandleAsync(SpendBudgetAlert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return PostAsync(JsonSerializer.Serialize(alert, WebhookJson.Default.SpendBudgetAlert), string.Create(CultureInfo.InvariantCulture, $"{alert.Threshold:P0} alert of spend budget '{alert.Budget}'"), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask HandleAsync(PromptQualityAlert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return PostAsync(JsonSerializer.Serialize(alert, alert.GetType(), WebhookJson.Default), $"{alert.Alert} alert on {alert.PromptId}", cancellationToken);
    }

    private async ValueTask PostAsync(string body, string what, CancellationToken cancellationToken)
    {
        var delay = _retryDelay;
        for (var attempt = 1; ; attempt++)
        {
            string? failure;
            try
            {
                var timestamp = _timeProvider.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Add("X-PromptOps-Timestamp", timestamp);
                request.Headers.Add("X-PromptOps-Signature", Sign(_secret, timestamp, body));
                request.Headers.UserAgent.Add(new ProductInfoHeaderValue("PromptOps", typeof(WebhookBudgetAlertHandler).Assembly.GetName().Version?.ToString(3)));
                using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                failure = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
                if ((int)response.StatusCode < 500 && (int)response.StatusCode != 429)
                {
                    LogDeliveryFailed(_logger, null, what, _endpoint, attempt, failure);
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                failure = ex.Message;
                if (attempt == 3)
                {
                    LogDeliveryFailed(_logger, ex, what, _endpoint, attempt, failure);
                    return;
                }
            }

            if (attempt == 3)
            {
                LogDeliveryFailed(_logger, null, what, _endpoint, attempt, failure);
                return;
            }

            await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
            delay *= 4;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    [LoggerMessage(EventId = 2408, Level = LogLevel.Error, Message = "The {Alert} could not be delivered to the webhook {Endpoint} after {Attempts} attempt(s): {Failure}. Check the URL and that the receiver accepts the signature.")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception? exception, string alert, Uri endpoint, int attempts, string failure);
}

/// <summary>The webhook's JSON, source-generated (no reflection, works with trimming and native AOT).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(SpendBudgetAlert))]
[JsonSerializable(typeof(PromptRolloutAlert))]
[JsonSerializable(typeof(PromptDriftAlert))]
internal sealed partial class WebhookJson : JsonSerializerContext;
