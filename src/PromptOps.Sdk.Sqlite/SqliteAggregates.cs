using System.Globalization;
using Microsoft.Data.Sqlite;

namespace PromptOps;

/// <summary>
/// Aggregate functions SQLite lacks, registered on a connection so that grouping and summing stay inside the engine: an exact
/// decimal sum of the costs (stored as decimal text, which SQLite's own <c>sum</c> would turn into floating point) and the
/// nearest-rank percentiles of latencies (PostgreSQL's <c>percentile_disc</c>).
/// </summary>
internal static class SqliteAggregates
{
    /// <summary>The name of the exact decimal sum: <c>promptops_decimal_sum(text)</c> gives the sum as invariant text.</summary>
    public const string DecimalSum = "promptops_decimal_sum";

    /// <summary>The name of the percentiles: <c>promptops_percentiles(ticks)</c> gives "p50 p95" in ticks, or NULL without values.</summary>
    public const string Percentiles = "promptops_percentiles";

    /// <summary>
    /// Registers both functions on an open connection. Their argument must not be NULL (call them with
    /// <c>FILTER (WHERE x IS NOT NULL)</c>): a non-nullable argument is several times cheaper per row than a nullable one.
    /// </summary>
    public static void Register(SqliteConnection connection)
    {
        connection.CreateAggregate<string, decimal, string>(
            DecimalSum,
            0m,
            static (sum, value) => sum + SqliteDatabase.ParseUsd(value),
            static sum => sum.ToString(CultureInfo.InvariantCulture),
            isDeterministic: true);
        connection.CreateAggregate<long, List<long>?, string?>(
            Percentiles,
            null,
            static (values, ticks) =>
            {
                values ??= [];
                values.Add(ticks);
                return values;
            },
            static values => values is null ? null : Format(values),
            isDeterministic: true);
    }

    /// <summary>
    /// Dollars from whole pico-dollars, with as many decimals as the most precise cost summed: the value and the scale a decimal
    /// sum of the stored costs has (and PostgreSQL's numeric sum), so reports print the same from either engine.
    /// </summary>
    public static decimal FromPicoUsd(long picoUsd, int decimals) =>
        SqliteDatabase.ParseUsd((picoUsd / 1_000_000_000_000m).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));

    /// <summary>Reads a <see cref="DecimalSum"/> column.</summary>
    public static decimal ReadDecimal(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? 0m : SqliteDatabase.ParseUsd(reader.GetString(ordinal));

    /// <summary>Reads a <see cref="Percentiles"/> column: the median and the 95th percentile, or <see langword="null"/> without values.</summary>
    public static (TimeSpan P50, TimeSpan P95)? ReadPercentiles(SqliteDataReader reader, int ordinal)
    {
        if (reader.IsDBNull(ordinal))
        {
            return null;
        }

        var text = reader.GetString(ordinal);
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        return (TimeSpan.FromTicks(long.Parse(text.AsSpan(0, space), CultureInfo.InvariantCulture)),
            TimeSpan.FromTicks(long.Parse(text.AsSpan(space + 1), CultureInfo.InvariantCulture)));
    }

    private static string Format(List<long> values)
    {
        values.Sort();
        return string.Create(CultureInfo.InvariantCulture, $"{NearestRank(values, 0.50)} {NearestRank(values, 0.95)}");
    }

    /// <summary>The smallest value with at least that share of the values at or below it.</summary>
    private static long NearestRank(List<long> sorted, double share) => sorted[Math.Max(0, (int)Math.Ceiling(share * sorted.Count) - 1)];
}
