using System.ClientModel;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;

namespace PromptOps.Tests;

/// <summary>
/// An OpenAI-compatible chat completions server on loopback, over real HTTP, for the official OpenAI client: each request is
/// answered by the next scripted turn (text, a tool call or an error status), streamed as server-sent events with a final
/// usage chunk when the client asks for a stream.
/// </summary>
internal sealed class OpenAiTestServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<string, Turn> _answer;
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly Task _loop;

    /// <summary>Answers the requests with <paramref name="turns"/>, in order (then with a fixed text).</summary>
    public OpenAiTestServer(params Turn[] turns)
        : this(Script(turns))
    {
    }

    /// <summary>Answers each request with the turn <paramref name="answer"/> gives for its JSON body.</summary>
    public OpenAiTestServer(Func<string, Turn> answer)
    {
        _answer = answer;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        BaseUrl = new Uri($"http://127.0.0.1:{port}/v1");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri BaseUrl { get; }

    /// <summary>Gets the request bodies received, in order.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    /// <summary>The official OpenAI client for <paramref name="model"/>, pointed at this server, as Microsoft.Extensions.AI's <see cref="IChatClient"/>.</summary>
    public IChatClient ChatClient(string model = "gpt-4o-mini") =>
        new OpenAIClient(new ApiKeyCredential("test-key"), new OpenAIClientOptions { Endpoint = BaseUrl, RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(maxRetries: 0) })
            .GetChatClient(model).AsIChatClient();

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
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
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                await AnswerAsync(context);
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
            {
                // The client went away.
            }
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        _requests.Enqueue(body);
        using var request = JsonDocument.Parse(body);
        var model = request.RootElement.GetProperty("model").GetString()!;
        var stream = request.RootElement.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        var turn = _answer(body);
        var response = context.Response;
        if (turn.Status != 200)
        {
            response.StatusCode = turn.Status;
            await WriteAsync(response, "application/json", JsonSerializer.Serialize(new { error = new { message = turn.Content, type = "server_error", code = (string?)null } }));
            return;
        }

        var message = turn.ToolName is null
            ? new Dictionary<string, object?> { ["role"] = "assistant", ["content"] = turn.Content }
            : new Dictionary<string, object?>
            {
                ["role"] = "assistant",
                ["content"] = null,
                ["tool_calls"] = new[] { new { index = 0, id = turn.CallId, type = "function", function = new { name = turn.ToolName, arguments = turn.Content } } },
            };
        var finish = turn.ToolName is null ? "stop" : "tool_calls";
        var usage = new { prompt_tokens = turn.InputTokens, completion_tokens = turn.OutputTokens, total_tokens = turn.InputTokens + turn.OutputTokens };
        if (!stream)
        {
            await WriteAsync(response, "application/json", JsonSerializer.Serialize(new
            {
                id = "chatcmpl-" + Guid.NewGuid().ToString("N"),
                @object = "chat.completion",
                created = 1764720000,
                model,
                choices = new[] { new { index = 0, message, finish_reason = finish } },
                usage,
            }));
            return;
        }

        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var events = new StringBuilder();
        void Event(object chunk) => events.Append("data: ").Append(JsonSerializer.Serialize(chunk)).Append("\n\n");
        object Chunk(object[] choices, object? chunkUsage = null) => new { id, @object = "chat.completion.chunk", created = 1764720000, model, choices, usage = chunkUsage };
        Event(Chunk([new { index = 0, delta = message, finish_reason = (string?)null }]));
        Event(Chunk([new { index = 0, delta = new { }, finish_reason = finish }]));
        Event(Chunk([], usage));
        events.Append("data: [DONE]\n\n");
        await WriteAsync(response, "text/event-stream", events.ToString());
    }

    private static Func<string, Turn> Script(Turn[] turns)
    {
        var queue = new ConcurrentQueue<Turn>(turns);
        return _ => queue.TryDequeue(out var next) ? next : Turn.Text("(no more scripted turns)");
    }

    private static async Task WriteAsync(HttpListenerResponse response, string contentType, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        response.ContentType = contentType;
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

    /// <summary>One scripted answer.</summary>
    internal sealed record Turn(string Content, string? ToolName = null, string? CallId = null, int Status = 200, int InputTokens = 100, int OutputTokens = 20)
    {
        public static Turn Text(string text, int inputTokens = 100, int outputTokens = 20) => new(text, InputTokens: inputTokens, OutputTokens: outputTokens);

        public static Turn ToolCall(string name, string argumentsJson, string callId) => new(argumentsJson, name, callId);

        public static Turn Error(int status, string message) => new(message, Status: status);
    }
}
