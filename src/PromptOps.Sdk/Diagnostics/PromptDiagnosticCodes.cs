namespace PromptOps;

/// <summary>
/// The stable codes of every <see cref="PromptDiagnostic"/> and render error. Each is documented in
/// <c>docs/prompt-files.md</c>; codes are never reused for a different problem.
/// </summary>
public static class PromptDiagnosticCodes
{
    /// <summary>The YAML is malformed and could not be parsed.</summary>
    public const string YamlSyntax = "PO1001";

    /// <summary>A key is not part of the prompt file format (a warning that suggests the nearest known key).</summary>
    public const string UnknownKey = "PO1002";

    /// <summary>The prompt id is not lowercase kebab-case, or does not match its folder name.</summary>
    public const string IdMismatch = "PO1003";

    /// <summary>The version is not SemVer 2.0, or does not match the file name.</summary>
    public const string InvalidVersion = "PO1004";

    /// <summary>The same prompt id and version is defined more than once.</summary>
    public const string DuplicateVersion = "PO1005";

    /// <summary>A value has the wrong type or is out of range (for example <c>temperature: hot</c>).</summary>
    public const string InvalidValue = "PO1006";

    /// <summary>A message role is not one of system, user or assistant.</summary>
    public const string UnknownRole = "PO1007";

    /// <summary>The prompt has no messages, or a message has no content.</summary>
    public const string EmptyMessages = "PO1008";

    /// <summary>An input declaration is invalid (unknown type, default of the wrong type, bad max_length).</summary>
    public const string InvalidInput = "PO1009";

    /// <summary>YAML anchors and aliases expand beyond the allowed number of nodes (an "alias bomb"), or the file is too large.</summary>
    public const string YamlTooLarge = "PO1010";

    /// <summary>A file is not where the layout expects it (<c>&lt;root&gt;/&lt;id&gt;/&lt;version&gt;.yaml</c>).</summary>
    public const string UnexpectedFile = "PO1011";

    /// <summary>A prompt source (a directory or an assembly's embedded prompts) does not exist or cannot be read.</summary>
    public const string SourceNotFound = "PO1012";

    /// <summary>A Liquid template has a syntax error.</summary>
    public const string TemplateSyntax = "PO1101";

    /// <summary>A template uses a variable that the prompt does not declare under <c>inputs</c>.</summary>
    public const string UndeclaredVariable = "PO1102";

    /// <summary>A template uses a filter that does not exist.</summary>
    public const string UnknownFilter = "PO1103";

    /// <summary>A template includes a partial that does not exist in <c>_partials/</c>.</summary>
    public const string MissingPartial = "PO1104";

    /// <summary>An include names a path that leaves the partials folder, or is not a literal name.</summary>
    public const string InvalidPartialPath = "PO1105";

    /// <summary>Partials include each other in a cycle.</summary>
    public const string PartialCycle = "PO1106";

    /// <summary>A declared input is never used by any message (a warning).</summary>
    public const string UnusedInput = "PO1107";

    /// <summary>A required input was not supplied at render time.</summary>
    public const string MissingInput = "PO2001";

    /// <summary>An input value does not have the declared type.</summary>
    public const string InputTypeMismatch = "PO2002";

    /// <summary>A string input is longer than its <c>max_length</c>.</summary>
    public const string InputTooLong = "PO2003";

    /// <summary>Rendering hit a safety limit (loop iterations, include depth, output size or time).</summary>
    public const string RenderLimitExceeded = "PO2004";

    /// <summary>Rendering failed for another reason, reported in the message.</summary>
    public const string RenderFailed = "PO2005";

    /// <summary>A published version's content no longer matches its entry in <c>prompts.lock.json</c>: published versions are immutable.</summary>
    public const string LockMismatch = "PO1201";

    /// <summary>A published version has no entry in <c>prompts.lock.json</c>, or the library has no lock file (a warning; an error under <c>lint --strict</c> and <c>lock --check</c>).</summary>
    public const string LockEntryMissing = "PO1202";

    /// <summary><c>prompts.lock.json</c> has an entry for a version that no longer exists (a warning; an error under <c>lock --check</c>).</summary>
    public const string LockEntryStale = "PO1203";

    /// <summary><c>prompts.lock.json</c> is malformed.</summary>
    public const string InvalidLockFile = "PO1204";

    /// <summary><c>labels.yaml</c> (or a <c>PromptOps:Labels</c> setting) is malformed: wrong shape, bad version text, bad weights.</summary>
    public const string InvalidLabels = "PO1301";

    /// <summary>A label names a prompt that does not exist.</summary>
    public const string LabelUnknownPrompt = "PO1302";

    /// <summary>A label names a version that does not exist, or that is a draft.</summary>
    public const string LabelUnknownVersion = "PO1303";

    /// <summary>A label serves a deprecated version (a warning: allowed for an emergency rollback, not as a steady state).</summary>
    public const string LabelDeprecatedVersion = "PO1304";

    /// <summary>A skill depends on a skill that is not defined.</summary>
    public const string UnknownSkillDependency = "PO3001";

    /// <summary>Skills depend on each other in a cycle (the message prints the path, for example <c>a -&gt; b -&gt; a</c>).</summary>
    public const string SkillDependencyCycle = "PO3002";

    /// <summary>A skill declares a tool that is not registered (no <c>AIFunction</c> of that name).</summary>
    public const string UnregisteredTool = "PO3003";

    /// <summary>Two skills claim the same tool.</summary>
    public const string ToolClaimedTwice = "PO3004";

    /// <summary>An enabled skill depends on a disabled skill.</summary>
    public const string DependsOnDisabledSkill = "PO3005";

    /// <summary>The same skill name is defined more than once (in one file, or across files and code).</summary>
    public const string DuplicateSkill = "PO3006";

    /// <summary>A skills file is malformed, or a skill entry has a missing or invalid value.</summary>
    public const string InvalidSkillsFile = "PO3101";
}
