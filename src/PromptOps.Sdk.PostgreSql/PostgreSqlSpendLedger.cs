using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace PromptOps;

/// <summary>
/// An <see cref="ISpendLedger"/> in PostgreSQL, shared by every instance of the application: a fleet never spends more than
/// a budget's limit together, and a call under a budget usually needs no round trip to the database.
/// </summary>
/// <remarks>
/// <para>Each instance leases a slice of each limited budget's remaining money in one atomic statement and reserves calls
/// against it in memory. Slices are never more than a quarter of what is left, so they shrink as a budget nears its limit;
/// then the instance asks for exactly what each call needs and returns what it does not use after every call. The database
/// keeps, per budget period, what was spent plus what each instance holds, and never lets that exceed the limit.</para>
/// <para>Settled costs are added to the database by one background exchange at a time, as soon as the previous one ends,
/// so a killed process loses at most the costs of its last few milliseconds. A lease lasts
/// <see cref="PostgreSqlStoreOptions.LeaseDuration"/> and is renewed while the instance runs; the lease of an instance that
/// died is reclaimed by the others when it expires. Expiry is judged by the database's clock only, so clock skew between
/// instances does not matter; an instance that cannot renew stops using its lease before the database considers it expired.</para>
/// </remarks>
public sealed partial class PostgreSqlSpendLedger : ISpendLedger, IAsyncDisposable, IDisposable
{
    /// <summary>How many calls' worth of money an instance asks for beyond the call that needs it.</summary>
    private const int SliceCalls = 16;

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long a refusal by the database answers later calls that need as much, without asking again.</summary>
    internal static readonly TimeSpan RefusalMemory = TimeSpan.FromMilliseconds(100);

    /// <summary>How often, at most, settled costs alone are sent to the database: what a killed process can lose of them.</summary>
    internal static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(50);

    private readonly PostgreSqlDatabase _database;
    private readonly TimeSpan _leaseDuration;
    private readonly IOptionsMonitor<PromptOpsOptions> _promptOps;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<SpendBucket, BucketState> _buckets = [];
    private readonly Dictionary<string, Hold> _holds = new(StringComparer.Ordinal);
    private readonly Queue<Waiter> _waiters = new();
    private readonly List<TaskCompletionSource> _flushWaiters = [];
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private long _lastHeartbeat;
    private long _lastExchange;
    private int _disposed;

    internal PostgreSqlSpendLedger(PostgreSqlDatabase database, TimeSpan leaseDuration, IOptionsMonitor<PromptOpsOptions> promptOps, TimeProvider timeProvider, ILogger? logger = null)
    {
        _database = database;
        _leaseDuration = leaseDuration;
        _promptOps = promptOps;
        _timeProvider = timeProvider;
        _logger = logger ?? NullLogger.Instance;
        InstanceId = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
        _lastHeartbeat = timeProvider.GetTimestamp();
        _loop = Task.Run(RunAsync, CancellationToken.None);
    }

    /// <summary>Gets the id under which this instance holds its leases (host name, process id and a random part).</summary>
    public string InstanceId { get; }

    /// <summary>The longest a reservation waits for the database before it is answered with a timeout.</summary>
    private TimeSpan WaitLimit => _promptOps.CurrentValue.Spending.LedgerTimeout * FailSafeSpendLedger.MaxBusyWaits * 0.9;

    /// <inheritdoc />
    public ValueTask<SpendReservationResult> TryReserveAsync(SpendReservationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var amount = PostgreSqlDatabase.RoundUpToNanoUsd(request.AmountUsd);
        var now = _timeProvider.GetTimestamp();
        lock (_lock)
        {
            if (TryHoldLocally(request, amount, now))
            {
                return ValueTask.FromResult(SpendReservationResult.Success);
            }

            if (RecentRefusal(request, amount, now) is { } refusal)
            {
                return ValueTask.FromResult(refusal);
            }

            var waiter = new Waiter(request, amount, now);
            Waits++;
            _waiters.Enqueue(waiter);
            _signal.Release();
            return new ValueTask<SpendReservationResult>(waiter.Completion.Task);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Far from a budget's limit the cost is added to the database in the background and the totals returned are what this
    /// instance knows (the fleet's total as of its last exchange, plus its own since), so a threshold alert below the limit
    /// can fire up to one exchange late. Near the limit (when a full slice can no longer be leased) the settlement waits for
    /// the database and returns the fleet's exact total, so the alert at the limit fires on the call that reaches it.
    /// </remarks>
    public async ValueTask<IReadOnlyList<SpendBucketTotal>> SettleAsync(string reservationId, IReadOnlyList<SpendBucket> buckets, decimal actualCostUsd, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        var cost = PostgreSqlDatabase.ToNanoUsd(actualCostUsd);
        TaskCompletionSource? flushed = null;
        lock (_lock)
        {
            if (_holds.Remove(reservationId, out var hold))
            {
                foreach (var claim in hold.Claims)
                {
                    State(claim.Bucket, claim.LimitUsd).Reserved -= hold.Amount;
                }
            }

            foreach (var bucket in buckets)
            {
                var state = State(bucket, limit: null, keepLimit: true);
                state.Unflushed += cost;
                if (state.Tight && state.Limit is not null && Volatile.Read(ref _disposed) == 0)
                {
                    flushed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }

            if (flushed is not null)
            {
                _flushWaiters.Add(flushed);
            }
        }

        _signal.Release();
        if (flushed is not null)
        {
            try
            {
                await flushed.Task.WaitAsync(WaitLimit, _timeProvider, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or PromptOpsException or ObjectDisposedException)
            {
                // The cost stays queued here and is added when the database answers; the totals are what this instance knows.
            }
        }

        var totals = new SpendBucketTotal[buckets.Count];
        lock (_lock)
        {
            for (var i = 0; i < buckets.Count; i++)
            {
                totals[i] = State(buckets[i], limit: null, keepLimit: true).Totals(buckets[i]);
            }
        }

        return totals;
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryRecordAlertAsync(SpendBucket bucket, double threshold, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var insert = new NpgsqlCommand(
            $"INSERT INTO {_database.Schema}.spend_alerts (budget, scope_value, period_start, threshold, fired_at) VALUES ($1, $2, $3, $4, now()) ON CONFLICT DO NOTHING;",
            connection);
        insert.Parameters.Add(new NpgsqlParameter { Value = bucket.Budget });
        insert.Parameters.Add(new NpgsqlParameter { Value = bucket.ScopeValue });
        insert.Parameters.Add(new NpgsqlParameter { Value = bucket.PeriodStart.UtcDateTime });
        insert.Parameters.Add(new NpgsqlParameter { Value = threshold });
        return await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<SpendBucketTotal> GetAsync(SpendBucket bucket, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var query = new NpgsqlCommand(
            $"SELECT COALESCE((SELECT spent_nanousd FROM {_database.Schema}.spend_ledger WHERE budget = $1 AND scope_value = $2 AND period_start = $3), 0), "
            + $"COALESCE((SELECT SUM(amount_nanousd) FROM {_database.Schema}.spend_leases WHERE budget = $1 AND scope_value = $2 AND period_start = $3 AND instance_id <> $4 AND expires_at > now()), 0)::bigint;",
            connection);
        query.Parameters.Add(new NpgsqlParameter { Value = bucket.Budget });
        query.Parameters.Add(new NpgsqlParameter { Value = bucket.ScopeValue });
        query.Parameters.Add(new NpgsqlParameter { Value = bucket.PeriodStart.UtcDateTime });
        query.Parameters.Add(new NpgsqlParameter { Value = InstanceId });
        await using var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var spent = reader.GetInt64(0);
        var others = reader.GetInt64(1);
        lock (_lock)
        {
            _buckets.TryGetValue(bucket, out var state);
            var unflushed = state?.Unflushed ?? 0;
            var reserved = state?.Reserved ?? 0;
            return new SpendBucketTotal(bucket, PostgreSqlDatabase.FromNanoUsd(spent + unflushed), PostgreSqlDatabase.FromNanoUsd(others + reserved));
        }
    }

    /// <summary>Adds every settled cost to the database and gives back every lease this instance holds; then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        try
        {
            using var timeout = new CancellationTokenSource(CommandTimeout);
            await ExchangeAsync(null, release: true, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogShutdownFailed(_logger, ex, _database.Name);
        }

        lock (_lock)
        {
            while (_waiters.TryDequeue(out var waiter))
            {
                waiter.Completion.TrySetException(new ObjectDisposedException(nameof(PostgreSqlSpendLedger)));
            }
        }

        _signal.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Adds every settled cost to the database and gives back every lease this instance holds; then stops (waits for <see cref="DisposeAsync"/>).</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// Exchanges nothing with the database once, so that the first call under a budget finds a connection open and the code
    /// that leases compiled (a cold process under load can otherwise outlast the fail-safe front's wait on its first burst).
    /// </summary>
    internal async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var empty = new Exchange([], [], [], [], [], [], []);
        await CallAsync(empty, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets the store's database, for tests.</summary>
    internal PostgreSqlDatabase Database => _database;

    /// <summary>Gets how many reservations had to wait for the database (the rest were answered in memory), for tests and benchmarks.</summary>
    internal long Waits { get; private set; }

    /// <summary>Gets what this instance holds and owes in one bucket, for tests: (leased, reserved, unflushed).</summary>
    internal (long Leased, long Reserved, long Unflushed) Inspect(SpendBucket bucket)
    {
        lock (_lock)
        {
            return _buckets.TryGetValue(bucket, out var s) ? (s.Leased, s.Reserved, s.Unflushed) : default;
        }
    }

    /// <summary>
    /// The database's answer of the last <see cref="RefusalMemory"/> for a bucket the call needs more from than was left:
    /// a budget that ran out keeps refusing without a round trip per call (refusing can never overspend). Call under the lock.
    /// </summary>
    private SpendReservationResult? RecentRefusal(SpendReservationRequest request, long amount, long now)
    {
        for (var i = 0; i < request.Claims.Count; i++)
        {
            var claim = request.Claims[i];
            if (claim.LimitUsd is not null
                && _buckets.TryGetValue(claim.Bucket, out var state)
                && state.Refusal is { } refusal
                && _timeProvider.GetElapsedTime(state.RefusedAt, now) < RefusalMemory
                && amount > state.LeftAtRefusal + Math.Max(0, state.Free(now)))
            {
                return refusal with { RejectedIndex = i };
            }
        }

        return null;
    }

    /// <summary>Holds the amount in every claimed bucket from this instance's leases, when every limited one has room (call under the lock).</summary>
    private bool TryHoldLocally(SpendReservationRequest request, long amount, long now)
    {
        foreach (var claim in request.Claims)
        {
            if (claim.LimitUsd is not null && State(claim.Bucket, claim.LimitUsd).Free(now) < amount)
            {
                return false;
            }
        }

        var topUp = false;
        foreach (var claim in request.Claims)
        {
            var state = State(claim.Bucket, claim.LimitUsd);
            state.Reserved += amount;
            state.LastReserve = now;
            if (claim.LimitUsd is not null && !state.Tight && state.Free(now) < state.LastSlice / 2)
            {
                // Half the slice is used: lease the next one in the background, before a call has to wait for it.
                state.TopUp = true;
                topUp = true;
            }
        }

        _holds[request.ReservationId] = new Hold([.. request.Claims], amount, request.ExpiresAt);
        if (topUp)
        {
            _signal.Release();
        }

        return true;
    }

    private BucketState State(SpendBucket bucket, decimal? limit, bool keepLimit = false)
    {
        if (!_buckets.TryGetValue(bucket, out var state))
        {
            state = new BucketState();
            _buckets[bucket] = state;
        }

        if (!keepLimit)
        {
            state.Limit = limit is { } l ? PostgreSqlDatabase.ToNanoUsd(l) : null;
        }

        return state;
    }

    /// <summary>The background exchange with the database: answers waiting reservations, adds settled costs, renews and trims leases.</summary>
    private async Task RunAsync()
    {
        var backoff = TimeSpan.Zero;
        var wait = _leaseDuration / 6;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(wait, _stopping.Token).ConfigureAwait(false);
                if (backoff > TimeSpan.Zero)
                {
                    await Task.Delay(backoff, _timeProvider, _stopping.Token).ConfigureAwait(false);
                }

                await ServeWaitersAsync().ConfigureAwait(false);
                var heartbeat = _timeProvider.GetElapsedTime(_lastHeartbeat) >= _leaseDuration / 3;
                var (urgent, costs) = Pending();
                var sinceLast = _timeProvider.GetElapsedTime(_lastExchange);
                wait = _leaseDuration / 6;
                if (heartbeat || urgent || (costs && sinceLast >= FlushInterval))
                {
                    await ExchangeAsync(null, release: false, _stopping.Token, heartbeat).ConfigureAwait(false);
                }
                else if (costs)
                {
                    // Settled costs go out at most every FlushInterval, so that a busy instance sends one exchange for many calls.
                    wait = FlushInterval - sinceLast;
                }

                backoff = TimeSpan.Zero;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The database is down or slow: reservations that need it were answered with the error (the fail-safe front
                // then enforces budgets in this process); settled costs wait here and are added when it answers again.
                backoff = backoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                LogExchangeFailed(_logger, ex, _database.Name, backoff.TotalMilliseconds);
            }
        }
    }

    /// <summary>
    /// Whether an exchange is due now (a slice running low, or unused money to return from a tight budget) and whether
    /// settled costs wait to be added.
    /// </summary>
    private (bool Urgent, bool Costs) Pending()
    {
        var now = _timeProvider.GetTimestamp();
        lock (_lock)
        {
            var urgent = _flushWaiters.Count > 0;
            var costs = false;
            foreach (var state in _buckets.Values)
            {
                costs |= state.Unflushed != 0;
                urgent |= (state.Tight && state.Leased > state.Reserved) || (state.TopUp && !state.Tight && state.Free(now) < state.LastSlice / 2);
            }

            return (urgent, costs);
        }
    }

    private async Task ServeWaitersAsync()
    {
        while (true)
        {
            Waiter? waiter;
            lock (_lock)
            {
                if (!_waiters.TryDequeue(out waiter))
                {
                    return;
                }

                var now = _timeProvider.GetTimestamp();
                if (_timeProvider.GetElapsedTime(waiter.Since, now) > WaitLimit)
                {
                    waiter.Completion.TrySetException(new TimeoutException($"The PromptOps store {_database.Name} did not lease budget in time."));
                    continue;
                }

                if (TryHoldLocally(waiter.Request, waiter.Amount, now))
                {
                    waiter.Completion.TrySetResult(SpendReservationResult.Success);
                    continue;
                }
            }

            try
            {
                await ExchangeAsync(waiter, release: false, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Everyone waiting would wait for the same unreachable database: answer them all now.
                var failure = new PromptOpsException($"The PromptOps store {_database.Name} could not lease spend budget: {ex.Message}", ex);
                waiter.Completion.TrySetException(failure);
                lock (_lock)
                {
                    while (_waiters.TryDequeue(out var other))
                    {
                        other.Completion.TrySetException(failure);
                    }
                }

                throw;
            }
        }
    }

    /// <summary>
    /// One call of <c>sync_spend</c>: adds the settled costs of every bucket, renews this instance's leases, leases what a
    /// waiting reservation needs (and a slice more), and returns unused money where a budget is tight, idle or on shutdown.
    /// </summary>
    private async Task ExchangeAsync(Waiter? waiter, bool release, CancellationToken cancellationToken, bool heartbeat = false)
    {
        var sent = _timeProvider.GetTimestamp();
        Exchange exchange;
        TaskCompletionSource[] flushes;
        lock (_lock)
        {
            exchange = Prepare(waiter, release, heartbeat, sent);
            flushes = [.. _flushWaiters];
            _flushWaiters.Clear();
        }

        if (exchange.Buckets.Length == 0)
        {
            if (heartbeat)
            {
                _lastHeartbeat = sent;
            }

            waiter?.Completion.TrySetResult(SpendReservationResult.Success);
            Complete(flushes, null);
            return;
        }

        Result[] results;
        try
        {
            results = await CallAsync(exchange, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            lock (_lock)
            {
                foreach (var bucket in exchange.Buckets)
                {
                    _buckets[bucket.Key].Floor = long.MaxValue;
                }
            }

            Complete(flushes, ex);
            throw;
        }

        _lastExchange = sent;
        lock (_lock)
        {
            Apply(exchange, results, sent);
            if (heartbeat)
            {
                _lastHeartbeat = sent;
            }

            if (waiter is not null)
            {
                Answer(waiter, exchange, results);
            }
        }

        Complete(flushes, null);
    }

    private static void Complete(TaskCompletionSource[] flushes, Exception? failure)
    {
        foreach (var flush in flushes)
        {
            if (failure is null)
            {
                flush.TrySetResult();
            }
            else
            {
                flush.TrySetException(new PromptOpsException("The spend ledger could not add settled costs.", failure));
            }
        }
    }

    /// <summary>What to send (call under the lock): every bucket with something to add or a lease to renew, in one fixed order.</summary>
    private Exchange Prepare(Waiter? waiter, bool release, bool heartbeat, long now)
    {
        if (heartbeat)
        {
            ReleaseExpiredHolds();
        }

        var wanted = new Dictionary<SpendBucket, long>();
        if (waiter is not null)
        {
            foreach (var claim in waiter.Request.Claims)
            {
                if (claim.LimitUsd is not null)
                {
                    wanted[claim.Bucket] = waiter.Amount;
                    State(claim.Bucket, claim.LimitUsd);
                }
            }
        }

        var buckets = new List<KeyValuePair<SpendBucket, BucketState>>();
        foreach (var entry in _buckets)
        {
            var s = entry.Value;
            if (wanted.ContainsKey(entry.Key) || s.Unflushed != 0 || (s.Limit is not null && (s.Leased > 0 || heartbeat)))
            {
                buckets.Add(entry);
            }
        }

        buckets.Sort((a, b) => Compare(a.Key, b.Key));
        var exchange = new Exchange(buckets.ToArray(), new long[buckets.Count], new long[buckets.Count], new long[buckets.Count], new long[buckets.Count], new long[buckets.Count], waiter is null ? [] : new int[waiter.Request.Claims.Count]);
        for (var i = 0; i < buckets.Count; i++)
        {
            var (bucket, s) = buckets[i];
            var delta = s.Unflushed;
            exchange.Deltas[i] = delta;
            if (s.Limit is null)
            {
                continue;
            }

            var held = Math.Max(0, s.Leased - delta);
            var needed = Math.Max(0, s.Reserved);
            var idle = heartbeat && _timeProvider.GetElapsedTime(s.LastReserve, now) >= _leaseDuration / 3;
            var keep = release || idle || s.Tight ? Math.Min(held, needed) : held;
            exchange.Keeps[i] = keep;
            if (wanted.TryGetValue(bucket, out var amount))
            {
                exchange.Minimums[i] = Math.Max(keep, needed + amount);
                exchange.Demands[i] = Demand(bucket);
                s.LastSlice = Slice(s, amount * SliceCalls, now);
                exchange.Extras[i] = s.Tight ? 0 : s.LastSlice;
            }
            else
            {
                exchange.Minimums[i] = keep;
                if (s.TopUp && !s.Tight && !release)
                {
                    s.LastSlice = Slice(s, s.LastSlice, now);
                    exchange.Extras[i] = s.LastSlice;
                }
            }

            s.TopUp = false;

            // Until the answer, reservations here may use only what this exchange cannot take away.
            s.Floor = keep + delta;
        }

        if (waiter is not null)
        {
            for (var c = 0; c < waiter.Request.Claims.Count; c++)
            {
                exchange.ClaimIndex[c] = buckets.FindIndex(b => b.Key == waiter.Request.Claims[c].Bucket);
            }
        }

        return exchange;
    }

    /// <summary>
    /// The next slice: at least <paramref name="floor"/>; doubled while slices last less than a second, halved (not below the
    /// floor) while they last longer than ten, so an instance asks the database about once a second at most whatever its call
    /// rate. The database never grants more than a quarter of what is left (call under the lock).
    /// </summary>
    private long Slice(BucketState s, long floor, long now)
    {
        var lasted = s.LastLease == 0 ? TimeSpan.MaxValue : _timeProvider.GetElapsedTime(s.LastLease, now);
        s.LastLease = now;
        var slice = Math.Max(floor, s.LastSlice);
        if (lasted < TimeSpan.FromSeconds(1))
        {
            slice = Math.Min(slice * 2, long.MaxValue / 4);
        }
        else if (lasted > TimeSpan.FromSeconds(10))
        {
            slice = Math.Max(floor, slice / 2);
        }

        return slice;
    }

    /// <summary>
    /// Releases reservations past their expiry that were never settled (call under the lock), as the SQLite ledger does:
    /// a caller that lost track of one must not hold budget for the rest of the period.
    /// </summary>
    private void ReleaseExpiredHolds()
    {
        var now = _timeProvider.GetUtcNow();
        foreach (var (id, hold) in _holds.Where(h => h.Value.ExpiresAt < now).ToList())
        {
            _holds.Remove(id);
            foreach (var claim in hold.Claims)
            {
                State(claim.Bucket, claim.LimitUsd).Reserved -= hold.Amount;
            }
        }
    }

    /// <summary>What the other waiting reservations need from a bucket, so one exchange serves them all (call under the lock).</summary>
    private long Demand(SpendBucket bucket)
    {
        long demand = 0;
        foreach (var waiting in _waiters)
        {
            foreach (var claim in waiting.Request.Claims)
            {
                if (claim.Bucket == bucket && claim.LimitUsd is not null)
                {
                    demand += waiting.Amount;
                }
            }
        }

        return demand;
    }

    private async Task<Result[]> CallAsync(Exchange exchange, CancellationToken cancellationToken)
    {
        var n = exchange.Buckets.Length;
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"SELECT o_index, o_lease, o_spent, o_others, o_refused FROM {_database.Schema}.sync_spend($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ORDER BY o_index;",
            connection)
        {
            CommandTimeout = (int)CommandTimeout.TotalSeconds,
        };
        command.Parameters.Add(new NpgsqlParameter { Value = InstanceId });
        command.Parameters.Add(new NpgsqlParameter { Value = _leaseDuration, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new NpgsqlParameter { Value = exchange.Buckets.Select(b => b.Key.Budget).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = exchange.Buckets.Select(b => b.Key.ScopeValue).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = exchange.Buckets.Select(b => b.Key.PeriodStart.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = exchange.Buckets.Select(b => b.Value.Limit).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = exchange.Deltas });
        command.Parameters.Add(new NpgsqlParameter { Value = exchange.Keeps });
        command.Parameters.Add(new NpgsqlParameter { Value = exchange.Minimums });
        command.Parameters.Add(new NpgsqlParameter { Value = exchange.Demands });
        command.Parameters.Add(new NpgsqlParameter { Value = exchange.Extras });
        var results = new Result[n];
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < n && await reader.ReadAsync(cancellationToken).ConfigureAwait(false); i++)
        {
            results[i] = new Result(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt32(4));
        }

        return results;
    }

    /// <summary>Takes the database's answer (call under the lock).</summary>
    private void Apply(Exchange exchange, Result[] results, long sent)
    {
        var validUntil = sent + (long)((_leaseDuration - LeaseMargin).TotalSeconds * _timeProvider.TimestampFrequency);
        for (var i = 0; i < exchange.Buckets.Length; i++)
        {
            var s = exchange.Buckets[i].Value;
            var r = results[i];
            s.Unflushed -= exchange.Deltas[i];
            s.Floor = long.MaxValue;
            s.KnownSpent = r.Spent;
            if (s.Limit is not { } limit)
            {
                continue;
            }

            s.Leased = r.Lease;
            s.KnownOthers = r.Others;
            s.ValidUntil = validUntil;
            var headroom = limit - r.Spent - r.Others - r.Lease;
            s.Tight = headroom < Math.Max(1, s.LastSlice);
        }

        // Buckets that hold and owe nothing, and that no call used for a while, are forgotten.
        foreach (var (bucket, s) in exchange.Buckets)
        {
            if (s.Leased == 0 && s.Reserved == 0 && s.Unflushed == 0 && _timeProvider.GetElapsedTime(s.LastReserve, sent) >= _leaseDuration)
            {
                _buckets.Remove(bucket);
            }
        }
    }

    /// <summary>Answers the reservation the exchange was for (call under the lock).</summary>
    private void Answer(Waiter waiter, Exchange exchange, Result[] results)
    {
        var refused = results.Length == 0 ? 0 : results[0].Refused;
        if (refused == 0)
        {
            var now = _timeProvider.GetTimestamp();
            if (_timeProvider.GetElapsedTime(waiter.Since, now) > WaitLimit)
            {
                // The caller has given up on this answer; what was leased stays free in this instance for the next calls.
                waiter.Completion.TrySetException(new TimeoutException($"The PromptOps store {_database.Name} leased budget too late."));
            }
            else if (TryHoldLocally(waiter.Request, waiter.Amount, now))
            {
                waiter.Completion.TrySetResult(SpendReservationResult.Success);
            }
            else
            {
                // Calls reserved meanwhile took what was leased: queue it again, ahead of the next exchange.
                _waiters.Enqueue(waiter);
                _signal.Release();
            }

            return;
        }

        var (bucket, state) = exchange.Buckets[refused - 1];
        var result = results[refused - 1];
        var refusal = new SpendReservationResult(
            false,
            Math.Max(0, Array.IndexOf(exchange.ClaimIndex, refused - 1)),
            PostgreSqlDatabase.FromNanoUsd(result.Spent + state.Unflushed),
            PostgreSqlDatabase.FromNanoUsd(result.Others + state.Reserved));
        waiter.Completion.TrySetResult(refusal);
        if (state.Limit is { } spentLimit && spentLimit - result.Spent - state.Unflushed < waiter.Amount)
        {
            // Spent money alone leaves no room: the budget ran out and stays out, so later calls are refused without asking.
            // Money that is merely held (calls in flight, other instances' slices) may come back: those calls ask again.
            state.Refusal = refusal;
            state.RefusedAt = _timeProvider.GetTimestamp();
        }

        // The calls that were already waiting when the database refused this one, and that need at least as much from the
        // same bucket than is left there, get the same answer now rather than one round trip each.
        state.LeftAtRefusal = state.Limit is { } limit ? Math.Max(0, limit - result.Spent - result.Others - state.Leased) : long.MaxValue;
        var left = state.LeftAtRefusal == long.MaxValue ? long.MaxValue : state.LeftAtRefusal + Math.Max(0, state.Free(_timeProvider.GetTimestamp()));
        var count = _waiters.Count;
        for (var i = 0; i < count; i++)
        {
            var other = _waiters.Dequeue();
            var index = other.Request.Claims.ToList().FindIndex(c => c.Bucket == bucket && c.LimitUsd is not null);
            if (index >= 0 && other.Amount > left)
            {
                other.Completion.TrySetResult(refusal with { RejectedIndex = index });
            }
            else
            {
                _waiters.Enqueue(other);
            }
        }
    }

    /// <summary>How long before the database's expiry an instance stops using a lease, for latency and clock-rate differences.</summary>
    private TimeSpan LeaseMargin => TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(500).Ticks, _leaseDuration.Ticks / 5));

    private static int Compare(SpendBucket a, SpendBucket b)
    {
        var c = string.CompareOrdinal(a.Budget, b.Budget);
        if (c == 0)
        {
            c = string.CompareOrdinal(a.ScopeValue, b.ScopeValue);
        }

        return c != 0 ? c : a.PeriodStart.UtcTicks.CompareTo(b.PeriodStart.UtcTicks);
    }

    [LoggerMessage(EventId = 2620, Level = LogLevel.Warning, Message = "The spend ledger in the PromptOps store {Store} did not answer; settled costs wait in this process and are added when it answers (next try in {DelayMs} ms).")]
    private static partial void LogExchangeFailed(ILogger logger, Exception exception, string store, double delayMs);

    [LoggerMessage(EventId = 2621, Level = LogLevel.Warning, Message = "On shutdown, the spend ledger in the PromptOps store {Store} could not receive the last settled costs or take back this instance's leases; the leases are reclaimed when they expire.")]
    private static partial void LogShutdownFailed(ILogger logger, Exception exception, string store);

    /// <summary>What this instance knows, holds and owes in one bucket, in nano-dollars.</summary>
    private sealed class BucketState
    {
        public long? Limit;
        public long Leased;
        public long Reserved;
        public long Unflushed;
        public long Floor = long.MaxValue;
        public long KnownSpent;
        public long KnownOthers;
        public long ValidUntil;
        public long LastReserve;
        public long LastSlice;
        public long LastLease;
        public SpendReservationResult? Refusal;
        public long RefusedAt;
        public long LeftAtRefusal;
        public bool Tight;
        public bool TopUp;

        /// <summary>What a new reservation may take from the lease now: nothing once the lease may have expired.</summary>
        public long Free(long now) => now >= ValidUntil ? 0 : Math.Min(Leased, Floor) - Reserved - Unflushed;

        public SpendBucketTotal Totals(SpendBucket bucket) =>
            new(bucket, PostgreSqlDatabase.FromNanoUsd(KnownSpent + Unflushed), PostgreSqlDatabase.FromNanoUsd(KnownOthers + Reserved));
    }

    private sealed record Hold(SpendClaim[] Claims, long Amount, DateTimeOffset ExpiresAt);

    private sealed class Waiter(SpendReservationRequest request, long amount, long since)
    {
        public SpendReservationRequest Request { get; } = request;

        public long Amount { get; } = amount;

        public long Since { get; } = since;

        public TaskCompletionSource<SpendReservationResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record Exchange(KeyValuePair<SpendBucket, BucketState>[] Buckets, long[] Deltas, long[] Keeps, long[] Minimums, long[] Demands, long[] Extras, int[] ClaimIndex);

    private readonly record struct Result(long Lease, long Spent, long Others, int Refused);
}
