using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.AI;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Telemetry;

/// <summary>
/// The setup docs/telemetry.md shows: the OpenTelemetry .NET SDK with the OTLP exporter, over HTTP and protobuf, to a
/// collector; here an HTTP listener on loopback stands in for the collector and keeps what it receives.
/// </summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task UsePromptOps_OtlpExporterToACollector_SpansAndMetricsArrive()
    {
        using var collector = new FakeCollector();
        var feature = $"otlp_{Guid.NewGuid():N}";
        using (var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(PromptOpsTelemetry.SourceName)
            .AddOtlpExporter(o => (o.Endpoint, o.Protocol, o.ExportProcessorType) = (new Uri(collector.Address, "v1/traces"), OtlpExportProtocol.HttpProtobuf, ExportProcessorType.Simple))
            .Build())
        using (var metrics = Sdk.CreateMeterProviderBuilder()
            .AddMeter(PromptOpsTelemetry.MeterName)
            .AddOtlpExporter(o => (o.Endpoint, o.Protocol) = (new Uri(collector.Address, "v1/metrics"), OtlpExportProtocol.HttpProtobuf))
            .Build())
        {
            await using var pipeline = Pipeline.Create();
            using (PromptOpsContext.Begin(feature: feature))
            {
                await pipeline.Client.GetResponseAsync("Where is my order?", new ChatOptions { ModelId = "gpt-4o" });
            }

            Assert.True(tracing.ForceFlush(10_000), "The trace exporter did not flush.");
            Assert.True(metrics.ForceFlush(10_000), "The metric exporter did not flush.");
        }

        var traces = collector.Received("/v1/traces");
        var exported = collector.Received("/v1/metrics");
        Assert.Contains("chat gpt-4o", traces, StringComparison.Ordinal);
        Assert.Contains("gen_ai.usage.input_tokens", traces, StringComparison.Ordinal);
        Assert.Contains(feature, traces, StringComparison.Ordinal);
        Assert.Contains("gen_ai.client.operation.duration", exported, StringComparison.Ordinal);
        Assert.Contains(PromptOpsTelemetry.CostMetric, exported, StringComparison.Ordinal);
        Assert.Contains(feature, exported, StringComparison.Ordinal);
    }

    /// <summary>Accepts OTLP/HTTP posts on a free loopback port and keeps their bodies (protobuf, whose strings stay readable).</summary>
    private sealed class FakeCollector : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<(string Path, byte[] Body)> _posts = new();
        private readonly Task _loop;

        public FakeCollector()
        {
            var port = LoopbackPort.Free();
            Address = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Add(Address.ToString());
            _listener.Start();
            _loop = Task.Run(ServeAsync);
        }

        public Uri Address { get; }

        /// <summary>Everything posted to <paramref name="path"/>, as Latin-1 text so that the protobuf's strings can be searched.</summary>
        public string Received(string path) => string.Concat(_posts.Where(p => p.Path == path).Select(p => Encoding.Latin1.GetString(p.Body)));

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _ = _loop.ContinueWith(t => t.Exception, TaskScheduler.Default);
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (!_listener.IsListening)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                _posts.Enqueue((context.Request.Url!.AbsolutePath, body.ToArray()));
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }
    }
}
