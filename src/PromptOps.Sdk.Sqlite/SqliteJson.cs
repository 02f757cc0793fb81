using System.Text.Json.Serialization;

namespace PromptOps;

/// <summary>The JSON columns' types, source-generated so that the store works with trimming and native AOT (no reflection).</summary>
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class SqliteJson : JsonSerializerContext;
