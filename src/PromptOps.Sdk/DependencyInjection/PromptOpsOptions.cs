using Microsoft.Extensions.Options;

namespace PromptOps;

/// <summary>
/// Settings of PromptOps, bound from the <c>PromptOps</c> configuration section when you call
/// <c>AddPromptOps(configuration.GetSection("PromptOps"))</c>. Validated when the host starts.
/// </summary>
public sealed class PromptOpsOptions
{
    /// <summary>Gets or sets the environment whose labels choose the served prompt versions.</summary>
    /// <value>The default value is the host environment name in lowercase, or <c>production</c> without a host.</value>
    public string? Environment { get; set; }

    /// <summary>Gets or sets a value indicating whether <see cref="IPromptCatalog.Get(string)"/> may serve a draft that is newer than every published version.</summary>
    /// <value>The default value is <see langword="false"/>: drafts are served only when asked for by exact version.</value>
    public bool AllowDrafts { get; set; }

    /// <summary>
    /// Gets the label overrides per environment (<c>PromptOps:Labels:&lt;environment&gt;:&lt;prompt-id&gt;</c>), applied on top of
    /// <c>labels.yaml</c>. A value is a version (<c>2.0.0</c>) or an A/B split (<c>2.1.0:90, 2.2.0:10</c>, optionally
    /// followed by <c>; salt=text</c>).
    /// </summary>
    /// <remarks>
    /// Read through <c>IOptionsMonitor</c>: when the configuration reloads, the next <see cref="IPromptCatalog.Get(string)"/>
    /// serves the new version, with no restart. A value naming a missing or draft version fails the host at start; at run
    /// time it is rejected with a logged error and the previous version keeps serving.
    /// </remarks>
    public Dictionary<string, Dictionary<string, string>> Labels { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets the settings of each environment (<c>PromptOps:Environments:&lt;environment&gt;</c>), for example
    /// <c>PromptOps:Environments:production:RequireApproval = true</c>. An environment named here is known to
    /// <see cref="IPromptActivations"/> and <c>promptops activate</c> even before anything was activated in it.
    /// </summary>
    public Dictionary<string, PromptOpsEnvironmentOptions> Environments { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets or sets how often each instance reads the activation log for activations made elsewhere (<c>promptops activate</c>,
    /// <see cref="IPromptActivations"/> on another instance). A PostgreSQL store also tells instances at once.
    /// </summary>
    /// <value>The default value is 5 seconds.</value>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan ActivationPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets the models to call instead of the ones prompts and requests name (<c>PromptOps:Models:&lt;named&gt; = &lt;called&gt;</c>),
    /// for example <c>gpt-4o = llama3.2</c> to develop against a local Ollama, or <c>* = my-deployment</c> for every model.
    /// A prompt's <c>model.id</c> is a default: the model called is the one mapped here, and it is what is budgeted, priced and
    /// recorded. An exact name wins over <c>*</c>.
    /// </summary>
    public Dictionary<string, string> Models { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets the safety limits applied to every render.</summary>
    [ValidateObjectMembers]
    public PromptRenderLimits RenderLimits { get; set; } = new();

    /// <summary>Gets or sets the token budgets per request (<c>PromptOps:Budgets</c>).</summary>
    [ValidateObjectMembers]
    public PromptOpsBudgetOptions Budgets { get; set; } = new();

    /// <summary>Gets or sets the spend budgets in USD per period (<c>PromptOps:Spending</c>).</summary>
    [ValidateObjectMembers]
    public PromptOpsSpendingOptions Spending { get; set; } = new();

    /// <summary>Gets or sets where model prices come from (<c>PromptOps:Pricing</c>).</summary>
    public PromptOpsPricingOptions Pricing { get; set; } = new();

    /// <summary>Gets or sets how calls are recorded (<c>PromptOps:Calls</c>).</summary>
    [ValidateObjectMembers]
    public PromptOpsCallOptions Calls { get; set; } = new();

    /// <summary>Gets or sets drift alerts (<c>PromptOps:Drift</c>): off unless <see cref="PromptOpsDriftOptions.Enabled"/>.</summary>
    [ValidateObjectMembers]
    public PromptOpsDriftOptions Drift { get; set; } = new();
}

/// <summary>The settings of one environment (<c>PromptOps:Environments:&lt;environment&gt;</c>).</summary>
public sealed class PromptOpsEnvironmentOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether activations and rollouts in this environment need a second person's approval:
    /// <see cref="IPromptActivations.ActivateAsync"/> and <c>promptops activate</c> then record a request, served only once
    /// someone other than the requester approves it (<c>promptops approve &lt;id&gt; --by &lt;name&gt;</c>). Aborting a running
    /// rollout and the guard's automatic rollback need no approval: they return to the version approved before.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool RequireApproval { get; set; }
}
