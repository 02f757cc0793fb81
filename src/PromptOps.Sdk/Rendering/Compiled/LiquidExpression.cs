namespace PromptOps;

/// <summary>A value in a compiled template: a literal, a variable path, or either with filters applied.</summary>
internal abstract class LiquidExpression
{
    public abstract object? Evaluate(CompiledRenderState state);
}

internal sealed class LiteralExpression(object? value) : LiquidExpression
{
    public override object? Evaluate(CompiledRenderState state) => value;
}

/// <summary>One step of a path: <c>.name</c> (or <c>['name']</c>), or <c>[index]</c>.</summary>
internal readonly record struct PathSegment(string? Name, int Index);

/// <summary><c>root.member[0].member</c>; <paramref name="slot"/> is the root's input position, or -1 when not an input of the prompt.</summary>
internal sealed class PathExpression(string root, int slot, PathSegment[] segments) : LiquidExpression
{
    // The common shape, `item.name`, read without the general loop: one member of anything but `forloop`.
    private readonly string? _onlyMember = segments is [{ Name: { } name }] ? name : null;

    public override object? Evaluate(CompiledRenderState state)
    {
        var value = state.Lookup(root, slot);
        if (_onlyMember is { } member && value is not LoopFrame)
        {
            return LiquidValues.Member(value, member);
        }

        foreach (var segment in segments)
        {
            value = (value, segment.Name) switch
            {
                (LoopFrame loop, { } name) => loop.Member(name),
                (LoopFrame, null) => throw new CompiledRenderUnsupportedException(),
                (_, { } name) => LiquidValues.Member(value, name),
                _ => LiquidValues.Index(value, segment.Index),
            };
        }

        return value is LoopFrame ? throw new CompiledRenderUnsupportedException() : value;
    }
}

internal sealed class FilteredExpression(LiquidExpression input, (LiquidFilter Filter, LiquidExpression[] Arguments)[] filters) : LiquidExpression
{
    public override object? Evaluate(CompiledRenderState state)
    {
        var value = input.Evaluate(state);
        foreach (var (filter, arguments) in filters)
        {
            var first = arguments.Length > 0 ? arguments[0].Evaluate(state) : null;
            value = filter(value, first);
        }

        return value;
    }
}

/// <summary>A filter with at most one argument (<c>null</c> when it takes none).</summary>
internal delegate object? LiquidFilter(object? input, object? argument);

/// <summary>A condition of <c>if</c>, <c>elsif</c> or <c>unless</c>.</summary>
internal abstract class LiquidCondition
{
    public abstract bool Evaluate(CompiledRenderState state);
}

internal sealed class TruthyCondition(LiquidExpression value) : LiquidCondition
{
    public override bool Evaluate(CompiledRenderState state) => LiquidValues.IsTruthy(value.Evaluate(state));
}

internal sealed class NotCondition(LiquidCondition inner) : LiquidCondition
{
    public override bool Evaluate(CompiledRenderState state) => !inner.Evaluate(state);
}

internal sealed class ComparisonCondition(LiquidExpression left, string op, LiquidExpression right) : LiquidCondition
{
    public override bool Evaluate(CompiledRenderState state)
    {
        var a = left.Evaluate(state);
        var b = right.Evaluate(state);
        return op switch
        {
            "==" => LiquidValues.AreEqual(a, b),
            "!=" or "<>" => !LiquidValues.AreEqual(a, b),
            "contains" => LiquidValues.Contains(a, b),
            _ when a is null || b is null => false,
            "<" => LiquidValues.CompareIntegers(a, b) < 0,
            ">" => LiquidValues.CompareIntegers(a, b) > 0,
            "<=" => LiquidValues.CompareIntegers(a, b) <= 0,
            ">=" => LiquidValues.CompareIntegers(a, b) >= 0,
            _ => throw new CompiledRenderUnsupportedException(),
        };
    }
}

/// <summary><c>a and b</c> / <c>a or b</c>, grouped from the right as Liquid does.</summary>
internal sealed class JoinedCondition(LiquidCondition left, bool isAnd, LiquidCondition right) : LiquidCondition
{
    public override bool Evaluate(CompiledRenderState state) =>
        isAnd ? left.Evaluate(state) && right.Evaluate(state) : left.Evaluate(state) || right.Evaluate(state);
}
