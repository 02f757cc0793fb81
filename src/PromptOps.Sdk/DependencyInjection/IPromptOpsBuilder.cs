using Microsoft.Extensions.DependencyInjection;

namespace PromptOps;

/// <summary>
/// Returned by <c>AddPromptOps()</c>: add prompt sources and other PromptOps features to it. Other packages
/// (PromptOps.Sdk.Sqlite, for example) add their own extension methods.
/// </summary>
public interface IPromptOpsBuilder
{
    /// <summary>Gets the service collection PromptOps is registered in.</summary>
    IServiceCollection Services { get; }
}

internal sealed class PromptOpsBuilder(IServiceCollection services) : IPromptOpsBuilder
{
    public IServiceCollection Services { get; } = services;
}
