using System.Net.Sockets;
using Npgsql;

namespace PromptOps;

/// <summary>What to do about a PostgreSQL error, in words, and which errors are the configuration's fault rather than an outage.</summary>
internal static class PostgreSqlErrors
{
    /// <summary>Returns <see langword="true"/> for errors that waiting will not fix: a wrong password, a missing database or a missing permission.</summary>
    public static bool IsConfiguration(Exception exception) => exception is PostgresException { SqlState: "28P01" or "28000" or "3D000" or "42501" or "3F000" };

    public static string Hint(Exception exception) => exception switch
    {
        PostgresException { SqlState: "28P01" or "28000" } => "The server refused the user name or password: check Username and Password in the connection string given to AddPostgreSqlStore.",
        PostgresException { SqlState: "3D000" } => "The database does not exist: create it (CREATE DATABASE ...) or fix Database in the connection string given to AddPostgreSqlStore.",
        PostgresException { SqlState: "42501" } => "The user lacks a permission: grant it CREATE on the database (for the schema) or USAGE and write access on the PromptOps schema.",
        PostgresException { SqlState: "53300" } => "The server has no free connection slot: raise max_connections or lower Maximum Pool Size across the fleet.",
        PostgresException { SqlState: "57014" } => "A statement timed out (statement_timeout or Command Timeout): the server is overloaded or a lock is held.",
        PostgresException { SqlState: "57P01" or "57P02" or "57P03" } => "The server is restarting or shutting down; records are retried.",
        PostgresException { SqlState: "53100" } => "The server's disk is full: free space, or delete old records (PostgreSqlStoreOptions.RetentionDays).",
        NpgsqlException { InnerException: SocketException or IOException } or SocketException => "The server cannot be reached: check Host and Port in the connection string and that PostgreSQL is running.",
        NpgsqlException when exception.Message.Contains("pool", StringComparison.OrdinalIgnoreCase) => "The connection pool is exhausted: raise Maximum Pool Size in the connection string.",
        TimeoutException or NpgsqlException { InnerException: TimeoutException } => "The server did not answer in time: check that it is reachable and not overloaded.",
        _ => "Check the connection string given to AddPostgreSqlStore and the server's log.",
    };
}
