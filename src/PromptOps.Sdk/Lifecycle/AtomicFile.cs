using System.Text;

namespace PromptOps;

/// <summary>
/// Writes a file completely or not at all: into a hidden temporary file next to it, then a rename over it. Readers see the
/// old file or the new one, never half of one, and a failed write leaves no temporary file behind. Used by the CLI's
/// library writers (prompts, lock file) and the testing package's cassettes.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = File.Create(temporary))
            {
                write(stream);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public static void WriteAllText(string path, string content) =>
        Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(content)));
}
