namespace PromptOps.Cli.Tests.Commands;

/// <summary><c>promptops activate</c> in a protected environment, <c>approve</c>, and <c>rollout</c> with <c>status</c> and <c>abort</c>, against a SQLite store.</summary>
public sealed class ApprovalAndRolloutCommandsTests
{
    private const string ProtectedSettings = """{ "PromptOps": { "Environments": { "production": { "RequireApproval": true } } } }""";

    [Fact]
    public async Task Activate_ProtectedEnvironment_RecordsARequestThatApproveMakesLive()
    {
        using var cli = new CliRunner();
        var prompts = cli.CopyRepositoryPrompts();
        var store = Path.Combine(cli.Root, "promptops.db");
        var config = cli.Write("appsettings.json", ProtectedSettings);

        var (exitCode, output, error) = CliRunner.Run("activate", "customer-support", "2.0.0", "--env", "production", "--reason", "rollback (INC-4312)", "--by", "ann", "--store", store, "--dir", prompts, "--config", config);

        Assert.True(exitCode == 0, error);
        Assert.Contains("requires approval", output, StringComparison.Ordinal);
        var request = Assert.Single(await SqliteStoreBuilderExtensions.OpenActivationLog($"Data Source={store}").GetHistoryAsync());
        Assert.Equal(PromptActivationKind.Requested, request.Kind);
        Assert.Contains($"promptops approve {request.Id} --by <name>", output, StringComparison.Ordinal);

        var self = CliRunner.Run("approve", request.Id, "--by", "ann", "--store", store, "--dir", prompts, "--config", config);
        Assert.Equal(1, self.ExitCode);
        Assert.Contains("cannot approve it", self.Error, StringComparison.Ordinal);

        var approved = CliRunner.Run("approve", request.Id, "--by", "bob", "--store", store, "--dir", prompts, "--config", config);
        Assert.True(approved.ExitCode == 0, approved.Error);
        Assert.Contains("Approved in", approved.Output, StringComparison.Ordinal);

        var twice = CliRunner.Run("approve", request.Id, "--by", "carol", "--store", store, "--dir", prompts, "--config", config);
        Assert.Equal(1, twice.ExitCode);
        Assert.Contains("already approved by bob", twice.Error, StringComparison.Ordinal);

        var labels = CliRunner.Run("labels", "--history", "--store", store, "--dir", prompts);
        Assert.Contains($"(re {request.Id})", labels.Output, StringComparison.Ordinal);
        Assert.Contains("requested", labels.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Rollout_StartStatusAbort_RecordsEachStepAndShowsWhereItStands()
    {
        using var cli = new CliRunner();
        var prompts = cli.CopyRepositoryPrompts();
        var store = Path.Combine(cli.Root, "promptops.db");
        Assert.Equal(0, CliRunner.Run("activate", "customer-support", "2.1.0", "--env", "production", "--reason", "baseline", "--store", store, "--dir", prompts).ExitCode);

        var (exitCode, output, error) = CliRunner.Run(
            "rollout", "customer-support", "2.0.0", "--env", "production", "--steps", "10,50,100", "--interval", "15m",
            "--guard", "error_rate<=+1pp, p95_latency<=+25%", "--min-calls", "200", "--reason", "shorter answers", "--by", "ann", "--store", store, "--dir", prompts);

        Assert.True(exitCode == 0, error);
        Assert.Contains("10% of users now", output, StringComparison.Ordinal);
        var second = CliRunner.Run("rollout", "customer-support", "2.0.0", "--env", "production", "--reason", "again", "--store", store, "--dir", prompts);
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("already has a rollout running", second.Error, StringComparison.Ordinal);

        var status = CliRunner.Run("rollout", "status", "--store", store);
        Assert.True(status.ExitCode == 0, status.Error);
        Assert.Contains("running", status.Output, StringComparison.Ordinal);
        Assert.Contains("2.1.0 -> 2.0.0", status.Output, StringComparison.Ordinal);
        Assert.Contains("guard=error_rate<=+1pp, p95_latency<=+25%; min-calls=200", status.Output, StringComparison.Ordinal);

        var abort = CliRunner.Run("rollout", "abort", "customer-support", "--env", "production", "--reason", "support asked", "--by", "bob", "--store", store, "--dir", prompts);
        Assert.True(abort.ExitCode == 0, abort.Error);
        Assert.Contains("serves customer-support 2.1.0 to everyone", abort.Output, StringComparison.Ordinal);
        Assert.Contains("aborted", CliRunner.Run("rollout", "status", "--store", store).Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--steps", "5,25,50", "the last step must be 100")]
    [InlineData("--guard", "error_rate<=banana", "not understood")]
    public void Rollout_BadPlan_FailsNamingTheProblemAndRecordsNothing(string option, string value, string expected)
    {
        using var cli = new CliRunner();
        var prompts = cli.CopyRepositoryPrompts();
        var store = Path.Combine(cli.Root, "promptops.db");
        Assert.Equal(0, CliRunner.Run("activate", "customer-support", "2.1.0", "--env", "production", "--reason", "baseline", "--store", store, "--dir", prompts).ExitCode);

        var (exitCode, _, error) = CliRunner.Run("rollout", "customer-support", "2.0.0", "--env", "production", option, value, "--reason", "r", "--store", store, "--dir", prompts);

        Assert.Equal(1, exitCode);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("running", CliRunner.Run("rollout", "status", "--store", store).Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Rollout_IntervalThatIsNotADuration_IsAUsageError()
    {
        using var cli = new CliRunner();
        var prompts = cli.CopyRepositoryPrompts();

        var (exitCode, _, error) = CliRunner.Run("rollout", "customer-support", "2.0.0", "--env", "production", "--interval", "soon", "--reason", "r", "--store", Path.Combine(cli.Root, "x.db"), "--dir", prompts);

        Assert.Equal(2, exitCode);
        Assert.Contains("--interval 'soon' is not a duration", error, StringComparison.Ordinal);
    }
}
