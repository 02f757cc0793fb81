using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using PromptOps.Tests.TestSupport;

namespace PromptOps.Tests.Sqlite;

public sealed class SqliteStoreRegistrationTests
{
    [Fact]
    public async Task ServiceProvider_SqliteStoreAndUsePromptOpsClientResolved_DisposesSynchronouslyAndAsynchronously()
    {
        using var temp = new TempStore();
        var services = new ServiceCollection();
        services.AddLogging().AddPromptOps(o => o.Spending.Budgets["daily"] = new SpendBudget { LimitUsd = 5m }).AddSqliteStore(temp.ConnectionString);
        services.AddChatClient(Fakes.Replying()).UsePromptOps();
        var first = services.BuildServiceProvider();
        await first.GetRequiredService<IChatClient>().GetResponseAsync("hi");
        var second = services.BuildServiceProvider();
        await second.GetRequiredService<IChatClient>().GetResponseAsync("hi");

        // The fail-safe ledger and the record queue are disposable both ways; a container disposed synchronously must not throw.
        first.Dispose();
        await second.DisposeAsync();

        Assert.Equal(2, temp.Scalar("SELECT COUNT(*) FROM calls"));
    }
}
