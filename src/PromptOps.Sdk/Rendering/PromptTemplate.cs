using System.Diagnostics;
using Fluid;
using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>
/// One compiled prompt version: its definition, and its message templates parsed once at load. Render it with
/// inputs to get chat messages and options.
/// </summary>
/// <remarks>
/// Thread-safe: any number of threads may render the same instance at once. Roles come from the prompt file, and
/// input values are inserted as plain text, so a value can never add a message, change a role or run template code.
/// </remarks>
public sealed class PromptTemplate
{
    private static readonly IReadOnlyDictionary<string, object?> EmptyInputs = new Dictionary<string, object?>();

    private readonly IFluidTemplate[] _messages;
    private readonly TemplateOptions _options;

    // Built on first render and never changed after; a race builds two equal copies.
    private Dictionary<string, object?>? _optionProperties;
    private readonly PromptRenderLimits _limits;
    private readonly PromptReference _reference;
    private readonly Lazy<SkillResolution>? _skills;

    internal PromptTemplate(PromptDefinition definition, IFluidTemplate[] messages, TemplateOptions options, PromptRenderLimits limits, PromptReference? reference = null, Lazy<SkillResolution>? skills = null)
    {
        Definition = definition;
        _messages = messages;
        _options = options;
        _limits = limits;
        _reference = reference ?? new PromptReference(definition.Id, definition.Version.ToString(), definition.Feature);
        _skills = skills;
    }

    /// <summary>Gets the parsed prompt file.</summary>
    public PromptDefinition Definition { get; }

    /// <summary>Gets the prompt id.</summary>
    public string Id => Definition.Id;

    /// <summary>Gets the prompt version.</summary>
    public PromptVersion Version => Definition.Version;

    /// <summary>Gets the lifecycle status.</summary>
    public PromptStatus Status => Definition.Status;

    /// <summary>Gets the reference recorded with every call that uses this prompt.</summary>
    public PromptReference Reference => _reference;

    /// <summary>Renders a prompt that needs no inputs (every input optional), using the declared defaults.</summary>
    /// <returns>New chat messages and options; the caller may modify them.</returns>
    /// <exception cref="PromptRenderException">A required input is declared, or a render limit was hit.</exception>
    public RenderedPrompt Render() => Render(EmptyInputs);

    /// <summary>Renders the prompt with inputs given as an object's properties or as a dictionary.</summary>
    /// <param name="inputs">
    /// An anonymous object (<c>new { company_name = "Acme" }</c>), a class whose properties are the inputs
    /// (<c>CompanyName</c> also binds <c>company_name</c>), a dictionary, a <c>JsonElement</c> object, or <see langword="null"/>
    /// when the prompt has no required inputs.
    /// </param>
    /// <returns>New chat messages and options; the caller may modify them.</returns>
    /// <exception cref="PromptRenderException">An input is missing, has the wrong type or is too long, or a render limit was hit.</exception>
    public RenderedPrompt Render(object? inputs) => Render(InputBinder.ToDictionary(inputs));

    /// <summary>Renders the prompt with inputs given by name.</summary>
    /// <param name="inputs">The input values by name.</param>
    /// <returns>New chat messages and options; the caller may modify them.</returns>
    /// <exception cref="PromptRenderException">An input is missing, has the wrong type or is too long, or a render limit was hit.</exception>
    public RenderedPrompt Render(IReadOnlyDictionary<string, object?> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var bound = InputBinder.Bind(Definition, inputs);

        // One context for the render: the inputs are converted once, and steps and time are counted over all messages.
        var scratch = RenderScratch.Take(_limits.Timeout);
        var context = new TemplateContext(_options) { CancellationToken = scratch.Timeout.Token };
        try
        {
            for (var slot = 0; slot < bound.Length; slot++)
            {
                context.SetValue(Definition.Inputs[slot].Name, InputBinder.ToFluidValue(bound[slot], _options));
            }

            using var writer = new DeadlineWriter(scratch.Text, Stopwatch.GetTimestamp() + (long)(_limits.Timeout.TotalSeconds * Stopwatch.Frequency));
            var messages = new List<ChatMessage>(_messages.Length);
            for (var i = 0; i < _messages.Length; i++)
            {
                messages.Add(new ChatMessage(Definition.Messages[i].Role, RenderMessage(i, context, writer, scratch.Timeout)));
            }

            return new RenderedPrompt(messages, CreateOptions(), _reference);
        }
        finally
        {
            scratch.Return();
        }
    }

    /// <summary>
    /// The render's output, which also reads the clock on every write (Fluid writes in buffered chunks, so that is cheap).
    /// The timeout's timer fires on a thread-pool thread, which a busy application can hold up for longer than the render;
    /// a render that keeps writing stops on time anyway. A render that writes nothing is bounded by its steps and the timer.
    /// </summary>
    private sealed class DeadlineWriter(System.Text.StringBuilder text, long deadline) : StringWriter(text, System.Globalization.CultureInfo.InvariantCulture)
    {
        public override void Write(char value)
        {
            Check();
            base.Write(value);
        }

        public override void Write(string? value)
        {
            Check();
            base.Write(value);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            Check();
            base.Write(buffer, index, count);
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            Check();
            base.Write(buffer);
        }

        private void Check()
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new OperationCanceledException("The render ran past its timeout.");
            }
        }
    }

    /// <summary>
    /// What a render needs besides its context, kept per thread and reused: the timeout's cancellation source (its timer is
    /// re-armed, not recreated, while no render on the thread has timed out) and the text buffer. Renders run
    /// synchronously on the calling thread; a render nested in another takes fresh ones.
    /// </summary>
    private sealed class RenderScratch
    {
        [ThreadStatic]
        private static RenderScratch? t_free;

        private RenderScratch(CancellationTokenSource timeout, System.Text.StringBuilder text) => (Timeout, Text) = (timeout, text);

        public CancellationTokenSource Timeout { get; private set; }

        public System.Text.StringBuilder Text { get; }

        public static RenderScratch Take(TimeSpan timeout)
        {
            var scratch = t_free ?? new RenderScratch(new CancellationTokenSource(), new System.Text.StringBuilder(1024));
            t_free = null;
            scratch.Timeout.CancelAfter(timeout);
            return scratch;
        }

        public void Return()
        {
            if (!Timeout.TryReset())
            {
                Timeout.Dispose();
                Timeout = new CancellationTokenSource();
            }

            // A buffer grown by a huge message is not kept alive.
            if (Text.Capacity <= 64 * 1024)
            {
                Text.Clear();
                t_free = this;
            }
        }
    }

    /// <summary>Returns the prompt's id and version, for example <c>customer-support@2.1.0</c>.</summary>
    /// <returns>The reference text.</returns>
    public override string ToString() => _reference.ToString();

    internal PromptTemplate WithReference(PromptReference reference) => new(Definition, _messages, _options, _limits, reference, _skills);

    internal PromptTemplate WithSkills(ISkillRegistry skills) =>
        new(Definition, _messages, _options, _limits, _reference, new Lazy<SkillResolution>(() => skills.Resolve([.. Definition.Skills])));

    /// <summary>Renders one message; its output is bounded on its own, its steps and time count towards the render's.</summary>
    private string RenderMessage(int index, TemplateContext context, DeadlineWriter writer, CancellationTokenSource timeout)
    {
        writer.GetStringBuilder().Clear();
        try
        {
            // Prompts are text, not HTML: nothing is encoded. Without async filters the render completes synchronously.
            var rendering = _messages[index].RenderAsync(writer, context, NullEncoder.Default, false);
            if (!rendering.IsCompletedSuccessfully)
            {
                rendering.AsTask().GetAwaiter().GetResult();
            }

            return writer.ToString();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not StackOverflowException)
        {
            throw TranslateRenderError(index, ex, timeout.IsCancellationRequested);
        }
    }

    private PromptRenderException TranslateRenderError(int index, Exception ex, bool timedOut)
    {
        var message = Definition.Messages[index];
        var where = $"Rendering message {index + 1} ({message.Role.Value}, {Definition.SourcePath}({message.Line},{message.Column})) of prompt '{Id}' version {Version}";
        var limit = timedOut ? RenderLimit.Timeout : ex switch
        {
            RenderLimitException reached => reached.Limit,
            OperationCanceledException => RenderLimit.Timeout,

            // Fluid reports its own limits as InvalidOperationException; the texts are pinned by tests.
            InvalidOperationException when ex.Message.Contains("maximum number of", StringComparison.Ordinal) || ex.Message.Contains("materialized collection", StringComparison.Ordinal) => RenderLimit.Steps,
            InvalidOperationException when ex.Message.Contains("output size", StringComparison.Ordinal) => RenderLimit.OutputLength,
            InvalidOperationException when ex.Message.Contains("level of recursion", StringComparison.Ordinal) => RenderLimit.IncludeDepth,
            _ => (RenderLimit?)null,
        };
        var text = limit switch
        {
            RenderLimit.Steps => $"{where} ran more than {_limits.MaxSteps:N0} steps (loop iterations, tags and outputs, includes counted) or built a list that long. Use 'limit:' on the loop, pass a shorter list, or raise PromptOps:RenderLimits:MaxSteps.",
            RenderLimit.OutputLength => $"{where} produced (or built in a variable) more than {_limits.MaxOutputLength:N0} characters. Check the template's loops, captures and includes, or raise PromptOps:RenderLimits:MaxOutputLength.",
            RenderLimit.IncludeDepth => $"{where} nested includes more than {PromptTemplateCompiler.MaxIncludeDepth} deep. Remove the recursive include.",
            RenderLimit.Timeout => $"{where} took longer than {_limits.Timeout.TotalMilliseconds:N0} ms. Simplify the template or raise PromptOps:RenderLimits:Timeout.",
            _ => $"{where} failed: {ex.Message.Split('\n')[0].TrimEnd('.')}. Check the template and the input values it uses.",
        };
        return new PromptRenderException(limit is null ? PromptDiagnosticCodes.RenderFailed : PromptDiagnosticCodes.RenderLimitExceeded, Id, Version.ToString(), null, text, ex);
    }

    private ChatOptions CreateOptions()
    {
        var model = Definition.Model;
        var options = new ChatOptions
        {
            ModelId = model.ModelId,
            Temperature = model.Temperature,
            TopP = model.TopP,
            MaxOutputTokens = model.MaxOutputTokens,
            ResponseFormat = model.ResponseFormat switch
            {
                PromptResponseFormat.Json => ChatResponseFormat.Json,
                PromptResponseFormat.Text => ChatResponseFormat.Text,
                _ => null,
            },

            // A copy of a dictionary built once: copying from a dictionary with the same comparer skips re-hashing the keys.
            AdditionalProperties = new AdditionalPropertiesDictionary(_optionProperties ??= CreateOptionProperties()),
        };

        if (_skills is not null)
        {
            options.Tools = [.. _skills.Value.Tools];
        }

        return options;
    }

    private Dictionary<string, object?> CreateOptionProperties()
    {
        var properties = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) // the comparer AdditionalPropertiesDictionary uses
        {
            [PromptOpsChatOptionKeys.Prompt] = _reference,
            [PromptOpsChatOptionKeys.PromptId] = _reference.Id,
            [PromptOpsChatOptionKeys.PromptVersion] = _reference.Version,
            [PromptOpsChatOptionKeys.Feature] = _reference.Feature,
        };
        if (_reference.Variant is not null)
        {
            properties[PromptOpsChatOptionKeys.PromptVariant] = _reference.Variant;
        }

        if (_reference.Label is not null)
        {
            properties[PromptOpsChatOptionKeys.PromptLabel] = _reference.Label;
        }

        if (Definition.Budget.MaxTokensPerRequest is { } maxTokens)
        {
            properties[PromptOpsChatOptionKeys.MaxTokensPerRequest] = maxTokens;
        }

        if (_skills?.Value.MaxTokens is { } skillTokens)
        {
            properties[PromptOpsChatOptionKeys.SkillTokens] = skillTokens;
        }

        return properties;
    }
}
