using Microsoft.Extensions.AI;

namespace PromptOps;

/// <summary>One entry under <c>messages:</c>: a role fixed by the file and a Liquid template for its content.</summary>
public sealed class PromptMessageTemplate
{
    internal PromptMessageTemplate(ChatRole role, string template, TemplateSourceMap sourceMap)
    {
        Role = role;
        Template = template;
        SourceMap = sourceMap;
    }

    /// <summary>Gets the role. It comes from the YAML structure, never from rendered text.</summary>
    public ChatRole Role { get; }

    /// <summary>Gets the Liquid source of the message content.</summary>
    public string Template { get; }

    /// <summary>Gets the 1-based line in the prompt file where the content starts.</summary>
    public int Line => SourceMap.Line;

    /// <summary>Gets the 1-based column in the prompt file where the content starts.</summary>
    public int Column => SourceMap.Column;

    internal TemplateSourceMap SourceMap { get; }
}
