using Microsoft.Extensions.Hosting;

namespace PromptOps;

/// <summary>Loads the catalog when the host starts, so invalid prompt files stop the app at start, not on the first request.</summary>
internal sealed class PromptCatalogStartupCheck(IPromptCatalog catalog) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Resolving the catalog (done by the constructor) loaded and validated every source.
        _ = catalog.List();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
