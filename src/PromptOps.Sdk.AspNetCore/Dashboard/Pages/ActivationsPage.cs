using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PromptOps.Dashboard.Pages;

/// <summary>
/// What each environment serves, the rollouts, the requests awaiting approval and the activation log, newest first; with
/// the activate, roll back, approve and abort forms when actions are on.
/// </summary>
internal static class ActivationsPage
{
    /// <summary>The most log entries shown.</summary>
    private const int MaxEntries = 200;

    public static async Task WriteAsync(DashboardPage page, CancellationToken cancellationToken)
    {
        var log = page.Services.GetRequiredService<IActivationLog>();
        var history = await log.GetHistoryAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var rollouts = await page.Services.GetRequiredService<IPromptActivations>().GetRolloutsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var html = page.Body;
        if (page.Query("done") is { Length: > 0 } done && history.FirstOrDefault(e => e.Id == done) is { } recorded)
        {
            html.Open("div", ("class", "card"), ("id", "recorded"), ("role", "status")).Element("p", $"Recorded: {recorded}").Close("div");
        }

        var canAct = await page.CanActAsync().ConfigureAwait(false);
        WriteServing(page, history, canAct);
        WriteRollouts(page, rollouts, canAct);
        WritePending(page, history, canAct);
        if (canAct)
        {
            WriteActivateForm(page, history);
        }
        else if (page.ActionsEnabled)
        {
            html.Element("p", $"Sign in as someone the '{page.Options.ActionsPolicy}' policy allows to activate, roll back, approve or abort.", "note");
        }
        else
        {
            html.Element("p", "This dashboard is read-only: PromptOpsDashboardOptions.ActionsPolicy names no authorization policy. The 'promptops activate', 'approve' and 'rollout' commands take the same actions.", "note");
        }

        WriteLog(page, history);
    }

    private static void WriteServing(DashboardPage page, IReadOnlyList<PromptActivation> history, bool canAct)
    {
        var html = page.Body;
        html.Element("h2", "Served now");
        var activated = history.Where(e => e.Kind == PromptActivationKind.Activated).GroupBy(e => (e.PromptId, e.Environment)).OrderBy(g => g.Key.PromptId, StringComparer.Ordinal).ThenBy(g => g.Key.Environment, StringComparer.Ordinal).ToList();
        if (activated.Count == 0)
        {
            html.Element("p", "Nothing was activated yet: each environment serves what its label or configuration names (promptops labels shows it).", "note");
            return;
        }

        html.Raw("<div class=\"scroll\"><table id=\"serving\">").HeaderRow("Prompt", "Environment", "Version", "Since", "By", "").Raw("<tbody>");
        foreach (var entries in activated)
        {
            var latest = entries.Last();
            html.Raw("<tr>").Cell(latest.PromptId, cssClass: "nowrap").Cell(latest.Environment).Cell(latest.ToVersion).Cell(DashboardFormat.Time(latest.Timestamp), cssClass: "nowrap").Cell(latest.ActivatedBy).Raw("<td>");
            var previous = entries.Reverse().Skip(1).Select(e => e.ToVersion).FirstOrDefault(v => v != latest.ToVersion && !v.Contains('=', StringComparison.Ordinal))
                ?? (latest.FromVersion is { } from && from != latest.ToVersion && !from.Contains('=', StringComparison.Ordinal) ? from : null);
            if (canAct && previous is not null)
            {
                page.OpenForm("/actions/activate", "inline");
                html.Hidden("prompt", latest.PromptId).Hidden("version", previous).Hidden("environment", latest.Environment)
                    .Hidden("reason", $"rolled back from {latest.ToVersion} on the dashboard");
                html.Open("button", ("type", "submit"), ("class", "secondary"), ("data-action", "rollback")).Text($"Roll back to {previous}").Close("button").Close("form");
            }

            html.Raw("</td></tr>");
        }

        html.Raw("</tbody></table></div>");
    }

    private static void WriteRollouts(DashboardPage page, IReadOnlyList<PromptRolloutStatus> rollouts, bool canAct)
    {
        if (rollouts.Count == 0)
        {
            return;
        }

        var html = page.Body;
        html.Element("h2", "Rollouts");
        html.Raw("<div class=\"scroll\"><table id=\"rollouts\">").HeaderRow("Prompt", "Environment", "From", "To", "State", "#Share", "Next step", "Last decision", "").Raw("<tbody>");
        foreach (var rollout in rollouts.OrderByDescending(r => r.UpdatedAt))
        {
            html.Raw("<tr>").Cell(rollout.PromptId).Cell(rollout.Environment).Cell(rollout.FromVersion).Cell(rollout.ToVersion).Raw("<td>")
                .Element("span", rollout.State.ToString(), rollout.State switch { PromptRolloutState.RolledBack => "badge bad", PromptRolloutState.Completed => "badge good", PromptRolloutState.Running => "badge warn", _ => "badge" })
                .Raw("</td>").Cell(rollout.Share + "%", numeric: true).Cell(rollout.NextStepAt is { } next ? DashboardFormat.Time(next) : "-", cssClass: "nowrap")
                .Cell($"{rollout.LastBy}: {rollout.LastReason}", cssClass: "wide").Raw("<td>");
            if (canAct && rollout.State is PromptRolloutState.Running or PromptRolloutState.PendingApproval)
            {
                page.OpenForm("/actions/abort", "inline");
                html.Hidden("prompt", rollout.PromptId).Hidden("environment", rollout.Environment)
                    .Raw("<button type=\"submit\" class=\"secondary\" data-action=\"abort\">Abort</button></form>");
            }

            html.Raw("</td></tr>");
        }

        html.Raw("</tbody></table></div>");
    }

    private static void WritePending(DashboardPage page, IReadOnlyList<PromptActivation> history, bool canAct)
    {
        var answered = history.Where(e => e.RelatesTo is not null).Select(e => e.RelatesTo!).ToHashSet(StringComparer.Ordinal);
        var pending = history.Where(e => e.Kind == PromptActivationKind.Requested && !answered.Contains(e.Id)).Reverse().ToList();
        if (pending.Count == 0)
        {
            return;
        }

        var html = page.Body;
        html.Element("h2", "Awaiting approval");
        html.Raw("<div class=\"scroll\"><table id=\"pending\">").HeaderRow("Request", "Prompt", "Environment", "Version", "Requested by", "When", "Reason", "").Raw("<tbody>");
        foreach (var request in pending)
        {
            html.Raw("<tr>").Cell(request.Id).Cell(request.PromptId).Cell(request.Environment).Cell(request.ToVersion).Cell(request.ActivatedBy)
                .Cell(DashboardFormat.Time(request.Timestamp), cssClass: "nowrap").Cell(request.Reason ?? "-", cssClass: "wide").Raw("<td>");
            if (canAct)
            {
                page.OpenForm("/actions/approve", "inline");
                html.Hidden("id", request.Id).Raw("<button type=\"submit\" data-action=\"approve\">Approve</button></form>");
            }

            html.Raw("</td></tr>");
        }

        html.Raw("</tbody></table></div>");
    }

    private static void WriteActivateForm(DashboardPage page, IReadOnlyList<PromptActivation> history)
    {
        var html = page.Body;
        var catalog = page.Services.GetService<IPromptCatalog>();
        var prompts = catalog?.List() ?? [];
        var environments = page.Services.GetRequiredService<IOptionsMonitor<PromptOpsOptions>>().CurrentValue.Environments.Keys
            .Concat(history.Select(e => e.Environment)).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
        html.Element("h2", "Activate a version");
        html.Raw("<div class=\"card\">");
        page.OpenForm("/actions/activate", "stack");
        html.Open("label").Text("Prompt").Raw("<select name=\"prompt\" required>");
        foreach (var id in prompts.Select(p => p.Definition.Id).Distinct(StringComparer.Ordinal))
        {
            html.Open("option", ("value", id)).Text(id).Close("option");
        }

        html.Raw("</select></label>");
        html.Open("label").Text("Version").Raw("<input name=\"version\" list=\"promptops-versions\" required autocomplete=\"off\"><datalist id=\"promptops-versions\">");
        foreach (var version in prompts.Where(p => p.Definition.Status == PromptStatus.Published).Select(p => p.Definition.Version.ToString()).Distinct(StringComparer.Ordinal))
        {
            html.Open("option", ("value", version)).Close("option");
        }

        html.Raw("</datalist></label>");
        html.Open("label").Text("Environment").Raw("<input name=\"environment\" list=\"promptops-environments\" required autocomplete=\"off\"><datalist id=\"promptops-environments\">");
        foreach (var environment in environments)
        {
            html.Open("option", ("value", environment)).Close("option");
        }

        html.Raw("</datalist></label>");
        html.Raw("<label>Reason<input name=\"reason\" required maxlength=\"500\" autocomplete=\"off\"></label>");
        html.Raw("<button type=\"submit\" data-action=\"activate\">Activate</button></form>");
        html.Element("p", "Environments that require approval record a request instead; someone else approves it here or with 'promptops approve'.", "note");
        html.Raw("</div>");
    }

    private static void WriteLog(DashboardPage page, IReadOnlyList<PromptActivation> history)
    {
        var html = page.Body;
        html.Element("h2", "Activation log");
        if (history.Count == 0)
        {
            html.Element("p", "The activation log is empty.", "note");
            return;
        }

        html.Raw("<div class=\"scroll\"><table id=\"log\">").HeaderRow("Id", "When", "Kind", "Prompt", "Environment", "From", "To", "By", "Reason").Raw("<tbody>");
        foreach (var entry in history.Reverse().Take(MaxEntries))
        {
            html.Raw("<tr>").Cell(entry.Id, cssClass: "nowrap").Cell(DashboardFormat.Time(entry.Timestamp), cssClass: "nowrap").Cell(ActivationKindText.Of(entry.Kind)).Cell(entry.PromptId, cssClass: "nowrap").Cell(entry.Environment)
                .Cell(entry.FromVersion ?? "-").Cell(entry.ToVersion).Cell(entry.ActivatedBy).Cell(entry.Reason ?? "-", cssClass: "wide").Raw("</tr>");
        }

        html.Raw("</tbody></table></div>");
        if (history.Count > MaxEntries)
        {
            html.Element("p", $"The {MaxEntries} newest of {history.Count} entries; 'promptops labels --history --store ...' lists them all.", "note");
        }
    }
}
