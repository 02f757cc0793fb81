using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace PromptOps.Tests.TestSupport;

internal static class Hosts
{
    /// <summary>Builds a host the way an application does, with PromptOps configured by <paramref name="configure"/>.</summary>
    public static IHost Build(Action<IServiceCollection> configure, Dictionary<string, string?>? settings = null, string environment = "Production")
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = environment, DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        configure(builder.Services);
        return builder.Build();
    }
}
