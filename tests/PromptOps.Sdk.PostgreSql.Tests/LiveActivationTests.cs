using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace PromptOps.Tests.PostgreSql;

public sealed class LiveActivationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ActivateAsync_TwoInstancesOfOnePostgreSqlStore_TheOtherServesItAtOnceWithoutWaitingForItsPoll()
    {
        await using var pg = await PgStore.CreateAsync();
        using var first = Instance(pg.ConnectionString);
        using var second = Instance(pg.ConnectionString);
        await first.StartAsync();
        await second.StartAsync();
        var secondCatalog = second.Services.GetRequiredService<IPromptCatalog>();
        Assert.Equal("2.1.0", secondCatalog.Get("customer-support").Version.ToString());
        await Task.Delay(500); // the second instance is listening

        var clock = Stopwatch.StartNew();
        await first.Services.GetRequiredService<IPromptActivations>().ActivateAsync("customer-support", "2.0.0", "production", "rollback (INC-4312)", "ann");
        while (secondCatalog.Get("customer-support").Version.ToString() != "2.0.0")
        {
            // The poll interval is a minute: only the notification can switch it this fast.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the second instance never served the activated version");
            await Task.Delay(5);
        }

        output.WriteLine($"The second instance served the activation {clock.Elapsed.TotalMilliseconds:N0} ms after it was made (LISTEN/NOTIFY; poll interval 60 s).");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        await first.StopAsync();
        await second.StopAsync();
    }

    private static IHost Instance(string store)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddPromptOps(o =>
        {
            o.Environment = "production";
            o.ActivationPollInterval = TimeSpan.FromSeconds(60);
        }).AddPromptDirectory(RepositoryPaths.Prompts).AddPostgreSqlStore(store);
        return builder.Build();
    }
}
