using System.Globalization;
using System.Text;

namespace PromptOps;

/// <summary>
/// The store's tables and its one function, as migrations: migration <c>n</c> takes a schema from version <c>n</c> to
/// <c>n + 1</c>. <c>{schema}</c> stands for the quoted schema name.
/// </summary>
internal static class PostgreSqlSchema
{
    private static readonly string[] Migrations =
    [
        // 1: call records, spend ledger with leases, alerts, budget definitions, activation log.
        """
        CREATE TABLE {schema}.calls (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            request_id text NOT NULL,
            started_at timestamptz NOT NULL,
            feature text NOT NULL,
            user_id text,
            tenant_id text,
            prompt_id text,
            prompt_version text,
            variant text,
            label text,
            model text,
            downgraded_from text,
            response_model text,
            provider text,
            temperature real,
            max_output_tokens integer,
            input_tokens bigint,
            output_tokens bigint,
            cached_input_tokens bigint,
            cache_write_input_tokens bigint,
            reasoning_tokens bigint,
            estimated_input_tokens integer,
            usage_estimated boolean NOT NULL,
            usage_clamped boolean NOT NULL,
            latency_ticks bigint NOT NULL,
            time_to_first_token_ticks bigint,
            cost_usd numeric,
            price_source text,
            tools_available text[] NOT NULL,
            tools_called text[] NOT NULL,
            finish_reason text,
            success boolean NOT NULL,
            error_type text,
            error text,
            streaming boolean NOT NULL,
            tags jsonb NOT NULL,
            input_content text,
            output_content text
        );
        COMMENT ON COLUMN {schema}.calls.latency_ticks IS 'Latency in 100-nanosecond ticks (divide by 10000 for milliseconds).';
        COMMENT ON COLUMN {schema}.calls.time_to_first_token_ticks IS 'Time to the first streamed token in 100-nanosecond ticks.';
        CREATE INDEX calls_request_id ON {schema}.calls (request_id);
        CREATE INDEX calls_started_at ON {schema}.calls (started_at);
        CREATE INDEX calls_feature ON {schema}.calls (feature, started_at);
        CREATE INDEX calls_model ON {schema}.calls (model, started_at);
        CREATE INDEX calls_user ON {schema}.calls (user_id, started_at);
        CREATE INDEX calls_tenant ON {schema}.calls (tenant_id, started_at);
        CREATE INDEX calls_prompt ON {schema}.calls (prompt_id, prompt_version, started_at);

        CREATE TABLE {schema}.spend_ledger (
            budget text NOT NULL,
            scope_value text NOT NULL,
            period_start timestamptz NOT NULL,
            spent_nanousd bigint NOT NULL,
            PRIMARY KEY (budget, scope_value, period_start)
        );
        CREATE TABLE {schema}.spend_leases (
            budget text NOT NULL,
            scope_value text NOT NULL,
            period_start timestamptz NOT NULL,
            instance_id text NOT NULL,
            amount_nanousd bigint NOT NULL,
            expires_at timestamptz NOT NULL,
            PRIMARY KEY (budget, scope_value, period_start, instance_id)
        );
        CREATE TABLE {schema}.spend_alerts (
            budget text NOT NULL,
            scope_value text NOT NULL,
            period_start timestamptz NOT NULL,
            threshold double precision NOT NULL,
            fired_at timestamptz NOT NULL,
            PRIMARY KEY (budget, scope_value, period_start, threshold)
        );
        CREATE TABLE {schema}.spend_budgets (
            name text PRIMARY KEY,
            scope text NOT NULL,
            match text,
            period text NOT NULL,
            limit_usd numeric NOT NULL,
            action text NOT NULL,
            downgrade_model text,
            time_zone text NOT NULL,
            updated_at timestamptz NOT NULL
        );
        CREATE TABLE {schema}.activations (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            prompt_id text NOT NULL,
            environment text NOT NULL,
            from_version text,
            to_version text NOT NULL,
            activated_by text NOT NULL,
            activated_at timestamptz NOT NULL,
            reason text,
            kind text NOT NULL
        );
        CREATE INDEX activations_prompt ON {schema}.activations (prompt_id, environment, activated_at);

        -- One instance's exchange with the ledger, atomic for all its buckets: adds the costs it settled (deltas) to the
        -- spent totals, and sets its lease in each limited bucket: at least p_minimums (refused, for every bucket, when
        -- one bucket cannot give that much), then what its other waiting calls need (p_demands) as far as it goes, then
        -- up to p_extras more but never more than a quarter of what is left, so slices shrink as a budget nears its limit.
        -- p_keeps is what it may keep without asking (what it already holds).
        -- Other instances' leases that expired are reclaimed. Row locks on the ledger rows, taken in the order given,
        -- serialise instances per bucket; callers pass buckets in one fixed order.
        CREATE FUNCTION {schema}.sync_spend(
            p_instance text, p_lease interval,
            p_budgets text[], p_scopes text[], p_periods timestamptz[], p_limits bigint[],
            p_deltas bigint[], p_keeps bigint[], p_minimums bigint[], p_demands bigint[], p_extras bigint[])
        RETURNS TABLE (o_index integer, o_lease bigint, o_spent bigint, o_others bigint, o_refused integer)
        LANGUAGE plpgsql AS $fn$
        DECLARE
            n integer := COALESCE(array_length(p_budgets, 1), 0);
            v_spent bigint;
            v_others bigint;
            v_avail bigint[] := array_fill(0::bigint, ARRAY[GREATEST(n, 1)]);
            v_grants bigint[] := array_fill(0::bigint, ARRAY[GREATEST(n, 1)]);
            v_spents bigint[] := array_fill(0::bigint, ARRAY[GREATEST(n, 1)]);
            v_others_all bigint[] := array_fill(0::bigint, ARRAY[GREATEST(n, 1)]);
            v_refused integer := 0;
        BEGIN
            FOR i IN 1..n LOOP
                INSERT INTO {schema}.spend_ledger AS l (budget, scope_value, period_start, spent_nanousd)
                    VALUES (p_budgets[i], p_scopes[i], p_periods[i], p_deltas[i])
                    ON CONFLICT (budget, scope_value, period_start) DO UPDATE SET spent_nanousd = l.spent_nanousd + excluded.spent_nanousd
                    RETURNING l.spent_nanousd INTO v_spent;
                v_spents[i] := v_spent;
                IF p_limits[i] IS NULL THEN
                    CONTINUE;
                END IF;
                DELETE FROM {schema}.spend_leases s
                    WHERE s.budget = p_budgets[i] AND s.scope_value = p_scopes[i] AND s.period_start = p_periods[i]
                      AND s.instance_id <> p_instance AND s.expires_at <= now();
                SELECT COALESCE(SUM(s.amount_nanousd), 0) INTO v_others FROM {schema}.spend_leases s
                    WHERE s.budget = p_budgets[i] AND s.scope_value = p_scopes[i] AND s.period_start = p_periods[i]
                      AND s.instance_id <> p_instance;
                v_others_all[i] := v_others;
                v_avail[i] := GREATEST(p_limits[i] - v_spent - v_others, 0);
                IF v_avail[i] < p_minimums[i] THEN
                    IF v_refused = 0 AND p_minimums[i] > p_keeps[i] THEN
                        v_refused := i;
                    END IF;
                    v_grants[i] := LEAST(p_keeps[i], v_avail[i]);
                ELSE
                    v_grants[i] := p_minimums[i] + LEAST(p_demands[i], v_avail[i] - p_minimums[i]);
                    v_grants[i] := v_grants[i] + LEAST(p_extras[i], (v_avail[i] - v_grants[i]) / 4);
                END IF;
            END LOOP;
            FOR i IN 1..n LOOP
                IF p_limits[i] IS NULL THEN
                    CONTINUE;
                END IF;
                IF v_refused <> 0 THEN
                    v_grants[i] := LEAST(p_keeps[i], v_avail[i]);
                END IF;
                IF v_grants[i] > 0 THEN
                    INSERT INTO {schema}.spend_leases AS s (budget, scope_value, period_start, instance_id, amount_nanousd, expires_at)
                        VALUES (p_budgets[i], p_scopes[i], p_periods[i], p_instance, v_grants[i], now() + p_lease)
                        ON CONFLICT (budget, scope_value, period_start, instance_id)
                        DO UPDATE SET amount_nanousd = excluded.amount_nanousd, expires_at = excluded.expires_at;
                ELSE
                    DELETE FROM {schema}.spend_leases s
                        WHERE s.budget = p_budgets[i] AND s.scope_value = p_scopes[i] AND s.period_start = p_periods[i]
                          AND s.instance_id = p_instance;
                END IF;
            END LOOP;
            RETURN QUERY SELECT g.i, v_grants[g.i], v_spents[g.i], v_others_all[g.i], v_refused FROM generate_series(1, n) AS g(i);
        END
        $fn$;
        """,

        // 2: activation entries have ids (approvals and rollouts name them) and relate to the request or rollout they act on.
        """
        ALTER TABLE {schema}.activations ADD COLUMN activation_id text, ADD COLUMN relates_to text, ADD COLUMN rollout text;
        UPDATE {schema}.activations SET activation_id = 'a' || id;
        ALTER TABLE {schema}.activations ALTER COLUMN activation_id SET NOT NULL;
        CREATE UNIQUE INDEX activations_id ON {schema}.activations (activation_id);
        """,

        // 3: feedback on recorded calls.
        """
        CREATE TABLE {schema}.feedback (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            request_id text NOT NULL,
            name text NOT NULL,
            score double precision,
            category text,
            comment text,
            given_by text,
            given_at timestamptz NOT NULL
        );
        CREATE INDEX feedback_request_id ON {schema}.feedback (request_id);
        """,

        // 4: aggregates (reports, the dashboard) can read a time range with an index-only scan instead of the wide rows.
        """
        CREATE INDEX calls_aggregates ON {schema}.calls (started_at) INCLUDE (feature, model, user_id, tenant_id, prompt_id, prompt_version, variant, label,
            success, input_tokens, output_tokens, cached_input_tokens, cost_usd, latency_ticks, time_to_first_token_ticks);
        """,
    ];

    /// <summary>The SQL of migration <paramref name="fromVersion"/>, for a quoted schema name.</summary>
    public static string Migration(int fromVersion, string quotedSchema) => Migrations[fromVersion].Replace("{schema}", quotedSchema, StringComparison.Ordinal);

    /// <summary>Everything the store needs, from an empty database, as one script for teams that run migrations themselves.</summary>
    public static string Script(string schema)
    {
        var quoted = "\"" + PostgreSqlDatabase.ValidateSchema(schema) + "\"";
        var sql = new StringBuilder();
        sql.AppendLine(CultureInfo.InvariantCulture, $"-- PromptOps.Sdk.PostgreSql schema version {PostgreSqlDatabase.SchemaVersion}, in schema {schema}. Run once, in one transaction, on an empty schema.");
        sql.AppendLine("BEGIN;");
        sql.AppendLine(CultureInfo.InvariantCulture, $"CREATE SCHEMA IF NOT EXISTS {quoted};");
        sql.AppendLine(CultureInfo.InvariantCulture, $"CREATE TABLE IF NOT EXISTS {quoted}.schema_version (version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL);");
        for (var i = 0; i < Migrations.Length; i++)
        {
            sql.AppendLine(Migration(i, quoted));
            sql.AppendLine(CultureInfo.InvariantCulture, $"INSERT INTO {quoted}.schema_version (version, applied_by) VALUES ({i + 1}, 'script');");
        }

        sql.AppendLine("COMMIT;");
        return sql.ToString();
    }
}
