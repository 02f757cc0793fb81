using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PromptOps;

/// <summary>The skills as a graph: one node per skill and one edge per dependency, exportable as JSON, Mermaid and Graphviz DOT.</summary>
public sealed class SkillGraph
{
    internal SkillGraph(IReadOnlyList<SkillGraphNode> nodes, IReadOnlyList<SkillGraphEdge> edges)
    {
        Nodes = nodes;
        Edges = edges;
    }

    /// <summary>Builds the graph of skills (the first definition of a name wins); edges to undefined skills are left out.</summary>
    internal static SkillGraph From(IEnumerable<SkillDefinition> skills)
    {
        var byName = new Dictionary<string, SkillDefinition>(StringComparer.Ordinal);
        foreach (var skill in skills)
        {
            byName.TryAdd(skill.Name, skill);
        }

        var ordered = byName.Values.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        var nodes = ordered.Select(s => new SkillGraphNode(s.Name, s.Version.ToString(), s.Owner, s.Enabled, s.MaxTokens, s.Tools)).ToList();
        var edges = ordered
            .SelectMany(s => s.Dependencies.Where(byName.ContainsKey).Select(d => new SkillGraphEdge(s.Name, d)))
            .Distinct()
            .OrderBy(e => e.From, StringComparer.Ordinal).ThenBy(e => e.To, StringComparer.Ordinal)
            .ToList();
        return new SkillGraph(nodes, edges);
    }

    /// <summary>Gets the skills, ordered by name.</summary>
    public IReadOnlyList<SkillGraphNode> Nodes { get; }

    /// <summary>Gets the dependencies, ordered by dependent then dependency.</summary>
    public IReadOnlyList<SkillGraphEdge> Edges { get; }

    /// <summary>Returns the graph as indented JSON: <c>{ "nodes": [...], "edges": [{ "from", "to" }] }</c>.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("nodes");
            foreach (var node in Nodes)
            {
                json.WriteStartObject();
                json.WriteString("name", node.Name);
                json.WriteString("version", node.Version);
                json.WriteString("owner", node.Owner);
                json.WriteBoolean("enabled", node.Enabled);
                if (node.MaxTokens is { } maxTokens)
                {
                    json.WriteNumber("max_tokens", maxTokens);
                }
                else
                {
                    json.WriteNull("max_tokens");
                }

                json.WriteStartArray("tools");
                foreach (var tool in node.Tools)
                {
                    json.WriteStringValue(tool);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("edges");
            foreach (var edge in Edges)
            {
                json.WriteStartObject();
                json.WriteString("from", edge.From);
                json.WriteString("to", edge.To);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()).ReplaceLineEndings("\n") + "\n";
    }

    /// <summary>Returns the graph as a Mermaid flowchart; an arrow points from a skill to a skill it depends on, disabled skills are dashed.</summary>
    /// <returns>The Mermaid text.</returns>
    public string ToMermaid()
    {
        var text = new StringBuilder("flowchart LR\n");
        foreach (var node in Nodes)
        {
            var owner = node.Owner is null ? string.Empty : $"<br/>owner: {Escape(node.Owner)}";
            var tools = node.Tools.Count == 0 ? string.Empty : $"<br/>tools: {Escape(string.Join(", ", node.Tools))}";
            text.Append(CultureInfo.InvariantCulture, $"    {MermaidId(node.Name)}[\"{Escape(node.Name)} {node.Version}{owner}{tools}\"]\n");
        }

        foreach (var edge in Edges)
        {
            text.Append(CultureInfo.InvariantCulture, $"    {MermaidId(edge.From)} --> {MermaidId(edge.To)}\n");
        }

        var disabled = Nodes.Where(n => !n.Enabled).Select(n => MermaidId(n.Name)).ToList();
        if (disabled.Count > 0)
        {
            text.Append("    classDef disabled stroke-dasharray: 5 5,color:#888\n");
            text.Append(CultureInfo.InvariantCulture, $"    class {string.Join(",", disabled)} disabled\n");
        }

        return text.ToString();

        static string Escape(string value) => value.Replace("\"", "#quot;", StringComparison.Ordinal);
    }

    /// <summary>Returns the graph in Graphviz DOT; render it with <c>dot -Tsvg</c>.</summary>
    /// <returns>The DOT text.</returns>
    public string ToDot()
    {
        var text = new StringBuilder("digraph skills {\n    rankdir=LR;\n    node [shape=box, style=rounded];\n");
        foreach (var node in Nodes)
        {
            var label = $"{node.Name}\\n{node.Version}" + (node.Owner is null ? string.Empty : $"\\nowner: {node.Owner}")
                + (node.Tools.Count == 0 ? string.Empty : $"\\ntools: {string.Join(", ", node.Tools)}");
            var style = node.Enabled ? string.Empty : ", style=\"rounded,dashed\", fontcolor=gray";
            text.Append(CultureInfo.InvariantCulture, $"    {Quote(node.Name)} [label={Quote(label)}{style}];\n");
        }

        foreach (var edge in Edges)
        {
            text.Append(CultureInfo.InvariantCulture, $"    {Quote(edge.From)} -> {Quote(edge.To)};\n");
        }

        return text.Append("}\n").ToString();

        static string Quote(string value) => "\"" + value.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    private static string MermaidId(string name)
    {
        var id = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            id.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        return id.ToString();
    }
}

/// <summary>A skill in a <see cref="SkillGraph"/>.</summary>
/// <param name="Name">The skill name.</param>
/// <param name="Version">The skill version.</param>
/// <param name="Owner">The owner, or <see langword="null"/>.</param>
/// <param name="Enabled">Whether the skill may be used.</param>
/// <param name="MaxTokens">The skill's token allowance, or <see langword="null"/>.</param>
/// <param name="Tools">The tools the skill provides.</param>
public sealed record SkillGraphNode(string Name, string Version, string? Owner, bool Enabled, int? MaxTokens, IReadOnlyList<string> Tools);

/// <summary>A dependency in a <see cref="SkillGraph"/>: <paramref name="From"/> depends on <paramref name="To"/>.</summary>
/// <param name="From">The dependent skill.</param>
/// <param name="To">The skill it depends on.</param>
public sealed record SkillGraphEdge(string From, string To);
