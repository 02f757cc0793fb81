using System.Diagnostics;
using System.Text;

namespace PromptOps;

/// <summary>
/// A message template compiled by PromptOps into a tree of nodes, rendered straight into a <see cref="StringBuilder"/>
/// over the caller's input values. It covers the Liquid that prompts use (output with common filters, <c>if</c>,
/// <c>unless</c>, <c>for</c>, <c>assign</c>, <c>include</c>, <c>comment</c>); <see cref="CompiledTemplateParser"/>
/// returns <see langword="null"/> for anything else, and DotLiquid renders that template instead.
/// </summary>
/// <remarks>Immutable and thread-safe; every render has its own <see cref="CompiledRenderState"/>.</remarks>
internal sealed class CompiledTemplate(LiquidNode[] nodes)
{
    private int _lengthHint = 64;

    public LiquidNode[] Nodes => nodes;

    /// <summary>Gets the whole text of a template without any tag or output (a fixed system message), else <see langword="null"/>.</summary>
    public string? FixedText { get; } = Array.TrueForAll(nodes, node => node is TextNode) ? string.Concat(nodes.Select(node => ((TextNode)node).Text)) : null;

    /// <summary>Gets the expression of a template that is one output and nothing else (<c>{{ question }}</c>), else <see langword="null"/>.</summary>
    public LiquidExpression? OnlyOutput { get; } = nodes is [OutputNode only] ? only.Expression : null;

    /// <summary>Gets a capacity that fits the last render, so the builder rarely grows.</summary>
    public int LengthHint => Volatile.Read(ref _lengthHint);

    public void Render(CompiledRenderState state)
    {
        LiquidNode.RenderAll(nodes, state);
        state.CheckOutput();
        var length = state.Output.Length;
        if (length > _lengthHint)
        {
            Volatile.Write(ref _lengthHint, length);
        }
    }
}

/// <summary>
/// The state of one render of a compiled template: output, variables, loops and limits. Input values are held by
/// position (the order of <see cref="PromptDefinition.Inputs"/>), and paths compiled for the prompt read them by slot.
/// </summary>
internal sealed class CompiledRenderState(
    IReadOnlyList<PromptInputDefinition> declared,
    object?[] inputs,
    PartialLibrary partials,
    PromptRenderLimits limits)
{
    private long _deadline;
    private Dictionary<string, object?>? _assigned;
    private int _iterations;

    public StringBuilder Output { get; private set; } = null!;

    public PartialLibrary Partials { get; } = partials;

    public PromptRenderLimits Limits { get; } = limits;

    /// <summary>Gets or sets the innermost loop or include frame.</summary>
    public ScopeFrame? Frame { get; set; }

    /// <summary>Starts a message: a new output, and no assignments or loops from the previous message.</summary>
    public CompiledRenderState Begin(StringBuilder output)
    {
        Output = output;
        return Reset();
    }

    /// <summary>Starts a message that needs no output (see <see cref="CompiledTemplate.OnlyOutput"/>): no assignments or loops from the previous message.</summary>
    public CompiledRenderState Reset()
    {
        Frame = null;
        _assigned?.Clear();
        _iterations = 0;
        _deadline = 0;
        return this;
    }

    /// <summary>
    /// Resolves a variable as DotLiquid does: loop and include frames, then assignments, then inputs.
    /// <paramref name="slot"/> is the input's position when known at compile time, otherwise -1.
    /// </summary>
    public object? Lookup(string name, int slot)
    {
        for (var frame = Frame; frame is not null; frame = frame.Parent)
        {
            if (string.Equals(frame.Name, name, StringComparison.Ordinal))
            {
                return frame.Item;
            }

            if (frame is LoopFrame && name == "forloop")
            {
                return frame;
            }
        }

        if (_assigned is not null && _assigned.TryGetValue(name, out var assigned))
        {
            return assigned;
        }

        if (slot < 0)
        {
            for (var i = 0; i < declared.Count; i++)
            {
                if (string.Equals(declared[i].Name, name, StringComparison.Ordinal))
                {
                    return inputs[i];
                }
            }

            return null;
        }

        return inputs[slot];
    }

    public void Assign(string name, object? value) => (_assigned ??= new(StringComparer.Ordinal))[name] = value;

    public void CheckOutput()
    {
        if (Output.Length > Limits.MaxOutputLength)
        {
            throw new RenderOutputLimitException(Limits.MaxOutputLength);
        }
    }

    /// <summary>
    /// Counts one loop iteration: checks the output size (literal text is checked here and at the end rather than per
    /// text node, so a loop overshoots by at most one pass of its body) and, every 256 iterations, the time limit. The clock
    /// starts at the message's first iteration: text and output nodes alone cannot run long, so a message without a loop
    /// never reads it.
    /// </summary>
    public void Iterate()
    {
        CheckOutput();
        if (_iterations++ == 0)
        {
            _deadline = Stopwatch.GetTimestamp() + (long)(Limits.Timeout.TotalSeconds * Stopwatch.Frequency);
        }
        else if ((_iterations & 0xFF) == 0 && Stopwatch.GetTimestamp() > _deadline)
        {
            throw new OperationCanceledException();
        }
    }
}

/// <summary>A variable binding that shadows assignments and inputs: a loop item, or the name an include binds.</summary>
internal class ScopeFrame(string name, object? item, ScopeFrame? parent)
{
    public string Name { get; } = name;

    public object? Item { get; set; } = item;

    public ScopeFrame? Parent { get; } = parent;
}

/// <summary>A loop's frame; it is also the <c>forloop</c> object.</summary>
internal sealed class LoopFrame(string name, int length, ScopeFrame? parent) : ScopeFrame(name, null, parent)
{
    public int Length { get; } = length;

    public int Index0 { get; set; }

    public object? Member(string member) => member switch
    {
        "index" => Index0 + 1,
        "index0" => Index0,
        "rindex" => Length - Index0,
        "rindex0" => Length - Index0 - 1,
        "first" => Index0 == 0,
        "last" => Index0 == Length - 1,
        "length" => Length,
        _ => throw new CompiledRenderUnsupportedException(),
    };
}

/// <summary>One node of a compiled template.</summary>
internal abstract class LiquidNode
{
    public static void RenderAll(LiquidNode[] nodes, CompiledRenderState state)
    {
        foreach (var node in nodes)
        {
            node.Render(state);
        }
    }

    public abstract void Render(CompiledRenderState state);
}

internal sealed class TextNode(string text) : LiquidNode
{
    public string Text { get; } = text;

    public override void Render(CompiledRenderState state) => state.Output.Append(Text);
}

internal sealed class OutputNode(LiquidExpression expression) : LiquidNode
{
    public LiquidExpression Expression => expression;

    public override void Render(CompiledRenderState state)
    {
        LiquidValues.Write(state.Output, expression.Evaluate(state));
        state.CheckOutput();
    }
}

internal sealed class AssignNode(string name, LiquidExpression expression) : LiquidNode
{
    public override void Render(CompiledRenderState state) => state.Assign(name, expression.Evaluate(state));
}

/// <summary><c>if</c>/<c>elsif</c>/<c>else</c>, and <c>unless</c> (its first condition negated).</summary>
internal sealed class IfNode((LiquidCondition Condition, LiquidNode[] Body)[] branches, LiquidNode[]? otherwise) : LiquidNode
{
    public override void Render(CompiledRenderState state)
    {
        foreach (var (condition, body) in branches)
        {
            if (condition.Evaluate(state))
            {
                RenderAll(body, state);
                return;
            }
        }

        if (otherwise is not null)
        {
            RenderAll(otherwise, state);
        }
    }
}

/// <summary><c>for item in collection</c> or <c>for i in (from..to)</c>.</summary>
internal sealed class ForNode(string variable, LiquidExpression? collection, LiquidExpression? rangeFrom, LiquidExpression? rangeTo, LiquidNode[] body) : LiquidNode
{
    public override void Render(CompiledRenderState state)
    {
        if (collection is null)
        {
            var from = ToInt(rangeFrom!.Evaluate(state));
            var to = ToInt(rangeTo!.Evaluate(state));
            if (from <= to)
            {
                Loop(state, (long)to - from + 1, items: null, from);
            }

            return;
        }

        var value = collection.Evaluate(state);
        if (value is null)
        {
            return;
        }

        if (!LiquidValues.IsList(value))
        {
            throw new CompiledRenderUnsupportedException();
        }

        var items = LiquidValues.Items(value);
        Loop(state, items.Count, items, from: 0);
    }

    /// <summary>Runs the body once per item of <paramref name="items"/>, or per number from <paramref name="from"/> for a range.</summary>
    private void Loop(CompiledRenderState state, long count, LiquidList? items, int from)
    {
        if (count > state.Limits.MaxLoopIterations)
        {
            throw new LoopLimitException();
        }

        if (count == 0)
        {
            return;
        }

        var frame = new LoopFrame(variable, (int)count, state.Frame);
        state.Frame = frame;
        try
        {
            for (var i = 0; i < count; i++)
            {
                state.Iterate();
                frame.Index0 = i;
                frame.Item = items is { } list ? list[i] : from + i;
                RenderAll(body, state);
            }
        }
        finally
        {
            state.Frame = frame.Parent;
        }
    }

    private static int ToInt(object? value) => value switch
    {
        int number => number,
        long number and >= int.MinValue and <= int.MaxValue => (int)number,
        _ => throw new CompiledRenderUnsupportedException(),
    };
}

/// <summary><c>include 'name'</c> without arguments: the partial renders once, with its own name bound to nil.</summary>
internal sealed class IncludeNode(string partialName) : LiquidNode
{
    private readonly string _boundName = string.Intern(partialName[(partialName.LastIndexOf('/') + 1)..]);

    public override void Render(CompiledRenderState state)
    {
        if (!state.Partials.TryGet(partialName, out var partial) || partial.Compiled is null)
        {
            throw new CompiledRenderUnsupportedException();
        }

        state.Frame = new ScopeFrame(_boundName, null, state.Frame);
        try
        {
            RenderAll(partial.Compiled.Nodes, state);
        }
        finally
        {
            state.Frame = state.Frame!.Parent;
        }
    }
}

/// <summary>Thrown by the compiled path when a loop has more items than <see cref="PromptRenderLimits.MaxLoopIterations"/>.</summary>
internal sealed class LoopLimitException() : Exception("A loop ran past the iteration limit.");
