using System.Globalization;
using DotLiquid;
using DotLiquid.Exceptions;
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

    private readonly Template[] _messages;
    private readonly CompiledTemplate?[] _compiled;

    // Built on first render and never changed after; a race builds two equal copies.
    private Dictionary<string, object?>? _optionProperties;
    private readonly PartialLibrary _partials;
    private readonly PromptRenderLimits _limits;
    private readonly PromptReference _reference;
    private readonly Lazy<SkillResolution>? _skills;

    internal PromptTemplate(PromptDefinition definition, Template[] messages, CompiledTemplate?[] compiled, PartialLibrary partials, PromptRenderLimits limits, PromptReference? reference = null, Lazy<SkillResolution>? skills = null)
    {
        Definition = definition;
        _messages = messages;
        _compiled = compiled;
        _partials = partials;
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
        CompiledRenderState? state = null;
        Hash? liquidInputs = null;
        var messages = new List<ChatMessage>(_messages.Length);
        for (var i = 0; i < _messages.Length; i++)
        {
            messages.Add(new ChatMessage(Definition.Messages[i].Role, RenderMessage(i, bound, ref state, ref liquidInputs)));
        }

        return new RenderedPrompt(messages, CreateOptions(), _reference);
    }

    /// <summary>Returns <c>id@version</c>.</summary>
    /// <returns>The prompt reference as text.</returns>
    public override string ToString() => _reference.ToString();

    internal PromptTemplate WithReference(PromptReference reference) => new(Definition, _messages, _compiled, _partials, _limits, reference, _skills);

    /// <summary>Returns a copy whose renders carry the file's <c>skills:</c> as <c>ChatOptions.Tools</c>, resolved once on first render (the registry is frozen).</summary>
    internal PromptTemplate WithSkills(ISkillRegistry skills) =>
        new(Definition, _messages, _compiled, _partials, _limits, _reference, new Lazy<SkillResolution>(() => skills.Resolve([.. Definition.Skills])));

    /// <summary>Gets whether every message renders through the compiled path (DotLiquid only as a fallback for values it does not model).</summary>
    internal bool IsCompiled => Array.TrueForAll(_compiled, template => template is not null);

    /// <summary>A copy that renders every message with DotLiquid, the reference the compiled path is tested against.</summary>
    internal PromptTemplate WithDotLiquidOnly() => new(Definition, _messages, new CompiledTemplate?[_messages.Length], _partials, _limits, _reference, _skills);

    /// <summary>
    /// Renders every message through the compiled path alone; <see langword="null"/> when a message is not compiled or
    /// meets a value the path leaves to DotLiquid. Tests use it to prove that the compiled path itself produced a text.
    /// </summary>
    internal string[]? RenderCompiledOnly(IReadOnlyDictionary<string, object?> inputs)
    {
        var bound = InputBinder.Bind(Definition, inputs);
        CompiledRenderState? state = null;
        var texts = new string[_compiled.Length];
        for (var i = 0; i < texts.Length; i++)
        {
            if (_compiled[i] is not { } compiled || TryRenderCompiled(i, compiled, bound, ref state) is not { } text)
            {
                return null;
            }

            texts[i] = text;
        }

        return texts;
    }

    private string RenderMessage(int index, object?[] bound, ref CompiledRenderState? state, ref Hash? liquidInputs)
    {
        if (_compiled[index] is { } compiled && TryRenderCompiled(index, compiled, bound, ref state) is { } text)
        {
            return text;
        }

        liquidInputs ??= InputBinder.ToLiquidHash(Definition, bound);
        return RenderWithDotLiquid(index, liquidInputs);
    }

    /// <summary>Renders a message on the compiled path; <see langword="null"/> when it meets a value left to DotLiquid.</summary>
    private string? TryRenderCompiled(int index, CompiledTemplate compiled, object?[] bound, ref CompiledRenderState? state)
    {
        // A message without tags is its text as it is; over the output limit it takes the general path, which reports it.
        if (compiled.FixedText is { } fixedText && fixedText.Length <= _limits.MaxOutputLength)
        {
            return fixedText;
        }

        var output = RenderBuffer.Acquire(compiled.LengthHint);
        try
        {
            state ??= new CompiledRenderState(Definition.Inputs, bound, _partials, _limits);

            // So is a message that is one output of text (`{{ question }}`), within the limit; other values are written below.
            if (compiled.OnlyOutput?.Evaluate(state.Reset()) is string text && text.Length <= _limits.MaxOutputLength)
            {
                return text;
            }

            compiled.Render(state.Begin(output));
            return output.ToString();
        }
        catch (CompiledRenderUnsupportedException)
        {
            return null;
        }
        catch (Exception ex) when (ex is RenderOutputLimitException or LoopLimitException or OperationCanceledException)
        {
            throw TranslateRenderError(index, ex);
        }
        finally
        {
            RenderBuffer.Release(output);
        }
    }

    private string RenderWithDotLiquid(int index, Hash locals)
    {
        using var writer = new BoundedStringWriter(_limits.MaxOutputLength);
        using var timeout = new CancellationTokenSource(_limits.Timeout);

        // An explicit context: thread-safe DotLiquid templates ignore RenderParameters.Registers, which is where
        // the partials file system must go. The caller's values live in the environment and are never mutated.
        // Registers are per render: DotLiquid keeps loop state in them.
        var registers = new Hash { ["file_system"] = _partials };
        var context = new Context(
            [locals],
            new Hash(),
            registers,
            ErrorsOutputMode.Rethrow,
            _limits.MaxLoopIterations,
            CultureInfo.InvariantCulture,
            timeout.Token);

        try
        {
            _messages[index].Render(writer, RenderParameters.FromContext(context, CultureInfo.InvariantCulture));
            return writer.ToString();
        }
        catch (Exception ex) when (IsRenderFailure(ex))
        {
            throw TranslateRenderError(index, ex);
        }
    }

    // DotLiquid's exceptions share no base class (MaximumIterationsExceededException is not a LiquidException), so they
    // are recognised by namespace; the rest are what its filters throw on values they cannot handle.
    private static bool IsRenderFailure(Exception ex) =>
        ex.GetType().Namespace == typeof(LiquidException).Namespace
        || ex is RenderOutputLimitException or OperationCanceledException or InvalidOperationException or System.ArgumentException
            or FormatException or InvalidCastException or OverflowException or DivideByZeroException;

    private PromptRenderException TranslateRenderError(int index, Exception ex)
    {
        var message = Definition.Messages[index];
        var where = $"Rendering message {index + 1} ({message.Role.Value}, {Definition.SourcePath}({message.Line},{message.Column})) of prompt '{Id}' version {Version}";
        var (code, text) = ex switch
        {
            RenderOutputLimitException limit => (PromptDiagnosticCodes.RenderLimitExceeded,
                $"{where} produced more than {limit.MaxLength:N0} characters. Check the template's loops and includes, or raise PromptOps:RenderLimits:MaxOutputLength."),
            MaximumIterationsExceededException or LoopLimitException => (PromptDiagnosticCodes.RenderLimitExceeded,
                $"{where} ran more than {_limits.MaxLoopIterations:N0} loop iterations. Use 'limit:' on the loop, pass a shorter list, or raise PromptOps:RenderLimits:MaxLoopIterations."),
            StackLevelException => (PromptDiagnosticCodes.RenderLimitExceeded,
                $"{where} nested includes or blocks too deeply. Remove the recursive include."),
            OperationCanceledException => (PromptDiagnosticCodes.RenderLimitExceeded,
                $"{where} took longer than {_limits.Timeout.TotalMilliseconds:N0} ms. Simplify the template or raise PromptOps:RenderLimits:Timeout."),
            _ => (PromptDiagnosticCodes.RenderFailed, $"{where} failed: {ex.Message.TrimEnd('.')}. Check the template and the input values it uses."),
        };
        return new PromptRenderException(code, Id, Version.ToString(), null, text, ex);
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
