using System.CommandLine;
using PromptOps.Cli.Lifecycle;

namespace PromptOps.Cli.Commands;

/// <summary><c>promptops lock [--check] [--dir D]</c>: writes or verifies <c>prompts.lock.json</c>.</summary>
internal static class LockCommand
{
    private static readonly HashSet<string> LockCodes =
    [
        PromptDiagnosticCodes.LockMismatch, PromptDiagnosticCodes.LockEntryMissing, PromptDiagnosticCodes.LockEntryStale, PromptDiagnosticCodes.InvalidLockFile,
    ];

    public static Command Create(TextWriter output, TextWriter error)
    {
        var directoryOption = PromptOpsCli.DirectoryOption();
        var checkOption = new Option<bool>("--check") { Description = "Verify only, write nothing: exit 1 when a published version is unlocked, edited, or locked but gone (for CI)." };
        var command = new Command("lock", "Write prompts.lock.json with the SHA-256 of every published version, or verify it with --check.")
        {
            directoryOption,
            checkOption,
        };

        command.SetAction(parseResult =>
        {
            var directory = PromptOpsCli.RequireDirectory(parseResult.GetValue(directoryOption)!);
            if (parseResult.GetValue(checkOption))
            {
                return Check(directory, output, error);
            }

            using var writeLock = LibraryWriteLock.Acquire(directory, "lock");
            return Write(directory, output, error);
        });
        return command;
    }

    private static int Check(string directory, TextWriter output, TextWriter error)
    {
        var library = PromptLibrary.LoadDirectory(directory);

        // Under --check every lock finding fails the build, warnings included: CI must see an unlocked version.
        var problems = library.Diagnostics
            .Where(d => d.IsError || LockCodes.Contains(d.Code))
            .Select(d => d.IsError ? d : new PromptDiagnostic(d.Code, PromptDiagnosticSeverity.Error, d.Message, d.FilePath, d.Line, d.Column))
            .ToList();
        foreach (var problem in problems)
        {
            error.WriteLine(problem);
        }

        var locked = library.Prompts.Count(p => p.Status != PromptStatus.Draft);
        if (problems.Count > 0)
        {
            output.WriteLine($"FAILED: {problems.Count} problem(s). Published versions are immutable: undo edits to them and publish new versions; run 'promptops lock' to add unlocked versions.");
            return ExitCodes.Failed;
        }

        output.WriteLine($"OK: {locked} published version(s) match {PromptLock.FileName}.");
        return ExitCodes.Success;
    }

    private static int Write(string directory, TextWriter output, TextWriter error)
    {
        var library = PromptLibrary.LoadDirectory(directory);
        var blocking = library.Diagnostics.Where(d => d.IsError).ToList();
        if (blocking.Count > 0)
        {
            foreach (var problem in blocking)
            {
                error.WriteLine(problem);
            }

            error.WriteLine(blocking.Any(d => d.Code == PromptDiagnosticCodes.LockMismatch)
                ? "Nothing was written: 'promptops lock' never re-hashes an edited published version. Undo the edit and publish the change as a new version."
                : "Nothing was written: fix these errors first ('promptops lint' lists every problem).");
            return ExitCodes.Failed;
        }

        var update = LockUpdate.ForLibrary(directory, library);
        if (update.Added.Count == 0 && update.Removed.Count == 0 && File.Exists(update.Path))
        {
            output.WriteLine($"{PromptLock.FileName} is up to date: {update.Lock.Count} published version(s) locked.");
            return ExitCodes.Success;
        }

        AtomicFile.WriteAllText(update.Path, update.Lock.ToJson());
        foreach (var added in update.Added)
        {
            output.WriteLine($"  locked   {added}");
        }

        foreach (var removed in update.Removed)
        {
            output.WriteLine($"  dropped  {removed} (its file is gone)");
        }

        output.WriteLine($"Wrote {update.Path}: {update.Lock.Count} published version(s) locked ({update.Added.Count} added, {update.Removed.Count} dropped). Commit it with the prompts.");
        return ExitCodes.Success;
    }
}

/// <summary>The lock a library should have: the existing entries, plus every unlocked published version, minus entries whose file is gone.</summary>
internal sealed record LockUpdate(string Path, PromptLock Lock, List<string> Added, List<string> Removed)
{
    public static LockUpdate ForLibrary(string directory, PromptLibrary library)
    {
        var path = System.IO.Path.Combine(directory, PromptLock.FileName);
        var promptLock = File.Exists(path) ? PromptLock.Parse(File.ReadAllText(path), path, []) ?? new PromptLock() : new PromptLock();
        var added = new List<string>();
        foreach (var prompt in library.Prompts.Where(p => p.Status != PromptStatus.Draft))
        {
            var version = prompt.Version.ToString();
            if (!promptLock.TryGet(prompt.Id, version, out _))
            {
                promptLock.Set(prompt.Id, version, PromptLock.ComputeHash(File.ReadAllText(System.IO.Path.Combine(directory, prompt.Id, version + ".yaml"))));
                added.Add($"{prompt.Id}@{version}");
            }
        }

        var removed = new List<string>();
        foreach (var (id, version, _) in promptLock.Entries.ToList())
        {
            if (!File.Exists(System.IO.Path.Combine(directory, id, version + ".yaml")))
            {
                promptLock.Remove(id, version);
                removed.Add($"{id}@{version}");
            }
        }

        return new LockUpdate(path, promptLock, added, removed);
    }
}
