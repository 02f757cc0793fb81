using System.Text.Json.Serialization;

namespace PromptOps;

/// <summary>The JSON column's type, source-generated so that the store works with trimming and native AOT (no reflection).</summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class PostgreSqlJson : JsonSerializerContext;
