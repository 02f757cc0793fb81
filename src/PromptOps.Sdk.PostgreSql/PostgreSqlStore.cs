using Npgsql;

namespace PromptOps;

/// <summary>The PostgreSQL store's schema, for teams that run migrations themselves, and connection strings in either form.</summary>
public static class PostgreSqlStore
{
    /// <summary>
    /// Returns the SQL that creates the store's tables in an empty schema, in one transaction, for teams that apply migrations
    /// in their own pipeline (with <see cref="PostgreSqlStoreOptions.MigrateOnStart"/> off). It records the schema version,
    /// which the store checks when it starts.
    /// </summary>
    /// <param name="schema">The schema that holds the tables; the same as <see cref="PostgreSqlStoreOptions.Schema"/>.</param>
    /// <returns>The SQL script.</returns>
    /// <exception cref="ArgumentException">The schema is not a plain lower-case SQL identifier.</exception>
    public static string GetMigrationScript(string schema = "promptops") => PostgreSqlSchema.Script(schema);

    /// <summary>
    /// Reads a Npgsql connection string (<c>Host=...;Database=...</c>) or a <c>postgres://user:password@host:port/database</c>
    /// URL into a Npgsql connection string; anything else is an <see cref="ArgumentException"/> that says what was expected.
    /// </summary>
    internal static string NormalizeConnectionString(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var text = connectionString.Trim();
        try
        {
            if (text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            {
                return FromUrl(text);
            }

            var builder = new NpgsqlConnectionStringBuilder(text);
            if (string.IsNullOrWhiteSpace(builder.Host))
            {
                throw new ArgumentException("it names no Host");
            }

            return builder.ConnectionString;
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException(
                $"The PostgreSQL connection string is invalid: {ex.Message.TrimEnd('.')}. Use for example \"Host=localhost;Database=app;Username=app;Password=...\" or \"postgres://app:...@localhost:5432/app\".",
                nameof(connectionString),
                ex);
        }
    }

    private static string FromUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new ArgumentException("the URL has no host");
        }

        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host };
        if (uri.Port > 0)
        {
            builder.Port = uri.Port;
        }

        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            builder.Database = database;
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : string.Empty;
            builder[key.Equals("sslmode", StringComparison.OrdinalIgnoreCase) ? "SSL Mode" : key] = value;
        }

        return builder.ConnectionString;
    }
}
