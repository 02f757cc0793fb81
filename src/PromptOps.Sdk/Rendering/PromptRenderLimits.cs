using System.ComponentModel.DataAnnotations;

namespace PromptOps;

/// <summary>
/// Safety limits applied to every render, so that a template (or a hostile input) cannot hang the process or
/// exhaust its memory. Exceeding one throws <see cref="PromptRenderException"/> with code
/// <see cref="PromptDiagnosticCodes.RenderLimitExceeded"/>. Includes may nest at most 100 deep (checked at load).
/// </summary>
/// <remarks>Limits are captured when prompts are loaded; a change applies from the next load or reload.</remarks>
public sealed class PromptRenderLimits
{
    /// <summary>
    /// Gets or sets the most steps one render may run: every loop iteration, tag, output and include counts, over all the
    /// prompt's messages and the partials they include, and no list or range a template builds may be longer.
    /// </summary>
    /// <value>The default value is 100,000.</value>
    [Range(1, int.MaxValue)]
    public int MaxSteps { get; set; } = 100_000;

    /// <summary>Gets or sets the most characters one rendered message may contain, and any text a template builds with <c>assign</c> or <c>capture</c>.</summary>
    /// <value>The default value is 262,144 (256 Ki characters, far beyond any model's context window in practice).</value>
    [Range(1, int.MaxValue)]
    public int MaxOutputLength { get; set; } = 256 * 1024;

    /// <summary>Gets or sets the longest time one render (all the prompt's messages) may take.</summary>
    /// <value>The default value is 2 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    internal PromptRenderLimits Clone() => new() { MaxSteps = MaxSteps, MaxOutputLength = MaxOutputLength, Timeout = Timeout };
}
