using System.CommandLine;
using System.Text.RegularExpressions;
using PromptOps.Cli.Lifecycle;

namespace PromptOps.Cli.Commands;

/// <summary>
/// <c>promptops publish &lt;id&gt; [--bump major|minor|patch] [--from V] [--dir D]</c>: turns the prompt's draft into the next
/// published version and locks it. Either everything is written (version file, lock, draft removed) or nothing is.
/// </summary>
internal static partial class PublishCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var idArgument = new Argument<string>("id") { Description = "The prompt id, for example customer-support." };
        var bumpOption = new Option<string?>("--bump") { Description = "Number the new version by bumping the latest published one: major, minor or patch. Default: the draft's own version when it is newer than the latest published, else a minor bump." };
        bumpOption.AcceptOnlyFromAmong("major", "minor", "patch");
        var fromOption = new Option<string?>("--from") { Description = "The draft version to publish, when the prompt has more than one draft." };
        var directoryOption = PromptOpsCli.DirectoryOption();
        var command = new Command("publish", "Turn a prompt's draft into the next published version and add it to prompts.lock.json.")
        {
            idArgument,
            bumpOption,
            fromOption,
            directoryOption,
        };

        command.SetAction(parseResult =>
        {
            var directory = PromptOpsCli.RequireDirectory(parseResult.GetValue(directoryOption)!);
            using var writeLock = LibraryWriteLock.Acquire(directory, "publish");
            return Publish(directory, parseResult.GetValue(idArgument)!, parseResult.GetValue(bumpOption), parseResult.GetValue(fromOption), output, error);
        });
        return command;
    }

    private static int Publish(string directory, string id, string? bump, string? from, TextWriter output, TextWriter error)
    {
        var library = PromptLibrary.LoadDirectory(directory);
        if (library.HasErrors)
        {
            foreach (var problem in library.Diagnostics.Where(d => d.IsError))
            {
                error.WriteLine(problem);
            }

            error.WriteLine("Nothing was published: the library has errors. Fix them first ('promptops lint' lists every problem).");
            return ExitCodes.Failed;
        }

        var versions = library.GetVersions(id);
        if (versions.Count == 0)
        {
            error.WriteLine($"error: {PromptNotFoundException.For(library, id, null).Message}");
            return ExitCodes.Failed;
        }

        var latest = versions.LastOrDefault(v => v.Status != PromptStatus.Draft);
        if (FindDraft(versions, from, latest) is not { } draft)
        {
            return ReportNoDraft(versions, id, from, latest, error);
        }

        var target = TargetVersion(draft.Version, latest?.Version, bump);
        if (latest is not null && target <= latest.Version)
        {
            error.WriteLine($"error: the new version would be {target}, which is not above the latest published version {latest.Version}. Use --bump, or give the draft a higher version.");
            return ExitCodes.Failed;
        }

        var draftPath = Path.Combine(directory, id, draft.Version + ".yaml");
        var targetPath = Path.Combine(directory, id, target + ".yaml");
        if (!string.Equals(draftPath, targetPath, StringComparison.Ordinal) && File.Exists(targetPath))
        {
            error.WriteLine($"error: {targetPath} already exists. Choose another version with --bump, or remove that file.");
            return ExitCodes.Failed;
        }

        if (latest is not null && PromptReviewText.Behaviour(draft.Definition) == PromptReviewText.Behaviour(latest.Definition))
        {
            error.WriteLine($"error: the draft {id}@{draft.Version} is identical to the published {id}@{latest.Version} (same feature, model settings, budget, skills, inputs and messages). Nothing to publish: edit the draft first, or delete it.");
            return ExitCodes.Failed;
        }

        var draftText = File.ReadAllText(draftPath);
        var published = WithStatusAndVersion(draftText, target.ToString());
        var update = LockUpdate.ForLibrary(directory, library);
        update.Lock.Set(id, target.ToString(), PromptLock.ComputeHash(published));
        var originalLock = File.Exists(update.Path) ? File.ReadAllText(update.Path) : null;

        // Write the version, then the lock; undo the version if the lock cannot be written.
        AtomicFile.WriteAllText(targetPath, published);
        try
        {
            AtomicFile.WriteAllText(update.Path, update.Lock.ToJson());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            RestoreDraft(draftPath, targetPath, draftText);
            error.WriteLine($"error: {update.Path} could not be written ({ex.Message.TrimEnd('.')}). Nothing was published; the draft is unchanged.");
            return ExitCodes.Failed;
        }

        var check = PromptLibrary.LoadDirectory(directory);
        if (check.HasErrors)
        {
            // Defensive: the draft was valid and only status/version changed, but never leave a broken library behind.
            RestoreDraft(draftPath, targetPath, draftText);
            if (originalLock is null)
            {
                File.Delete(update.Path);
            }
            else
            {
                AtomicFile.WriteAllText(update.Path, originalLock);
            }

            foreach (var problem in check.Diagnostics.Where(d => d.IsError))
            {
                error.WriteLine(problem);
            }

            error.WriteLine("Nothing was published: the published file did not load. The draft is unchanged.");
            return ExitCodes.Failed;
        }

        if (!string.Equals(draftPath, targetPath, StringComparison.Ordinal))
        {
            File.Delete(draftPath);
        }

        output.WriteLine($"Published {id}@{target} from draft {draft.Version}{(latest is null ? string.Empty : $" (previous: {latest.Version})")}.");
        output.WriteLine($"  wrote   {Path.GetRelativePath(Environment.CurrentDirectory, targetPath)}");
        output.WriteLine($"  locked  {Path.GetRelativePath(Environment.CurrentDirectory, update.Path)}");
        output.WriteLine($"Next: compare with 'promptops diff {id} {latest?.Version.ToString() ?? target.ToString()} {target}', then label it in staging (labels.yaml, or PromptOps:Labels:staging:{id}={target}).");
        return ExitCodes.Success;
    }

    private static PromptTemplate? FindDraft(IReadOnlyList<PromptTemplate> versions, string? from, PromptTemplate? latest)
    {
        var drafts = versions.Where(v => v.Status == PromptStatus.Draft).ToList();
        if (from is not null)
        {
            return drafts.FirstOrDefault(d => d.Version.ToString() == from);
        }

        return drafts.Count switch
        {
            0 => null,
            1 => drafts[0],
            _ => throw new CliUsageException($"Prompt '{versions[0].Id}' has {drafts.Count} drafts ({string.Join(", ", drafts.Select(d => d.Version))}). Choose one with --from, for example --from {drafts[^1].Version}."),
        };
    }

    private static int ReportNoDraft(IReadOnlyList<PromptTemplate> versions, string id, string? from, PromptTemplate? latest, TextWriter error)
    {
        if (from is not null)
        {
            error.WriteLine($"error: prompt '{id}' has no draft version {from}. Versions: {string.Join(", ", versions.Select(v => $"{v.Version} ({v.Status.ToString().ToLowerInvariant()})"))}.");
            return ExitCodes.Failed;
        }

        var next = latest?.Version.Bump("minor").ToString() ?? "1.0.0";
        error.WriteLine($"error: prompt '{id}' has no draft to publish. Copy the latest version to {id}/{next}.yaml, set 'status: draft' and 'version: {next}', edit it, then run 'promptops publish {id}' again.");
        return ExitCodes.Failed;
    }

    private static PromptVersion TargetVersion(PromptVersion draft, PromptVersion? latest, string? bump)
    {
        if (bump is not null)
        {
            return (latest ?? PromptVersion.Parse("0.0.0")).Bump(bump);
        }

        var release = PromptVersion.Parse($"{draft.Major}.{draft.Minor}.{draft.Patch}");
        return latest is null || release > latest ? release : latest.Bump("minor");
    }

    /// <summary>The draft's text with <c>status: published</c> and the new version, changing nothing else (comments and layout stay).</summary>
    internal static string WithStatusAndVersion(string text, string version)
    {
        var result = StatusLine().IsMatch(text)
            ? StatusLine().Replace(text, "status: published", 1)
            : InsertAfterHeader(text, "status: published");
        return VersionLine().IsMatch(result) ? VersionLine().Replace(result, $"version: {version}", 1) : result;
    }

    private static string InsertAfterHeader(string text, string line)
    {
        var match = VersionLine().Match(text);
        if (!match.Success)
        {
            match = IdLine().Match(text);
        }

        if (!match.Success)
        {
            return line + "\n" + text;
        }

        var end = match.Index + match.Length;
        var newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        return text[..end] + newline + line + text[end..];
    }

    private static void RestoreDraft(string draftPath, string targetPath, string draftText)
    {
        if (string.Equals(draftPath, targetPath, StringComparison.Ordinal))
        {
            AtomicFile.WriteAllText(draftPath, draftText);
        }
        else
        {
            File.Delete(targetPath);
        }
    }

    [GeneratedRegex(@"^status:[^\r\n]*", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex StatusLine();

    [GeneratedRegex(@"^version:[^\r\n]*", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex VersionLine();

    [GeneratedRegex(@"^id:[^\r\n]*", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex IdLine();
}
