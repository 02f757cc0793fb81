using Microsoft.Data.Sqlite;

namespace PromptOps.Tests.Sqlite;

/// <summary>A store file in a fresh temporary directory, deleted afterwards.</summary>
internal sealed class TempStore : IDisposable
{
    public TempStore(string? parent = null)
    {
        Directory = System.IO.Path.Combine(parent ?? System.IO.Path.GetTempPath(), "promptops-store-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Path = System.IO.Path.Combine(Directory, "calls.db");
    }

    public string Directory { get; }

    public string Path { get; }

    public string ConnectionString => $"Data Source={Path}";

    public long Scalar(string sql)
    {
        using var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public string Text(string sql)
    {
        using var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static PromptCallRecord Record(int i, DateTimeOffset? at = null, string? feature = null, string? model = null, string? user = null, decimal? cost = 0.00825m, bool success = true, TimeSpan? latency = null) => new()
    {
        RequestId = $"req-{i}",
        Timestamp = at ?? new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero).AddSeconds(i),
        Feature = feature ?? "customer_support",
        UserId = user,
        Model = model ?? "gpt-4o",
        InputTokens = 100 + i,
        OutputTokens = 50,
        Latency = latency ?? TimeSpan.FromMilliseconds(100 + i),
        Cost = cost,
        Success = success,
    };
}
