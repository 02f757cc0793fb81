using System.Globalization;
using System.Text.Json;
using Microsoft.VisualBasic.FileIO;

namespace PromptOps.Testing;

/// <summary>Reads dataset files into cases: JSON Lines (one object per line) and CSV with a header row.</summary>
/// <remarks>
/// JSONL: each line is an object; <c>"name"</c> names the case, <c>"inputs"</c> holds the prompt inputs, <c>"vars"</c> extra values,
/// and every other property is a column assertions can read with <c>value_from</c>. Without <c>"inputs"</c> the other properties
/// are the inputs. CSV: the header names the columns; <c>name</c> names the case; the columns listed in <c>dataset.inputs</c> (all
/// others when not listed) are inputs, as text.
/// </remarks>
internal sealed class EvalDatasetReader(string path, IReadOnlyDictionary<string, object?> sharedInputs, List<PromptDiagnostic> diagnostics)
{
    private readonly string _name = Path.GetFileName(path);

    public void ReadJsonLines(List<EvalCase> cases)
    {
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JsonElement row;
            try
            {
                using var document = JsonDocument.Parse(line);
                row = document.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                Error(EvalDiagnosticCodes.MalformedDatasetLine, $"Line {lineNumber} of the dataset is not valid JSON: {ex.Message} Each line must be one JSON object, for example {{\"name\": \"refund\", \"inputs\": {{\"text\": \"...\"}}}}.", lineNumber, (int)(ex.BytePositionInLine ?? 0) + 1);
                continue;
            }

            if (row.ValueKind != JsonValueKind.Object)
            {
                Error(EvalDiagnosticCodes.MalformedDatasetLine, $"Line {lineNumber} of the dataset is a JSON {row.ValueKind.ToString().ToLowerInvariant()}, not an object. Each line must be one object with \"inputs\" and any columns.", lineNumber, 1);
                continue;
            }

            var inputs = new Dictionary<string, object?>(sharedInputs, StringComparer.Ordinal);
            var vars = new Dictionary<string, object?>(StringComparer.Ordinal);
            string? name = null;
            var hasInputs = row.TryGetProperty("inputs", out var inputsElement);
            if (hasInputs && inputsElement.ValueKind != JsonValueKind.Object)
            {
                Error(EvalDiagnosticCodes.MalformedDatasetLine, $"Line {lineNumber}: \"inputs\" must be an object of input names and values.", lineNumber, 1);
                continue;
            }

            foreach (var property in row.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "name" when property.Value.ValueKind == JsonValueKind.String:
                        name = property.Value.GetString();
                        break;
                    case "inputs":
                        foreach (var input in property.Value.EnumerateObject())
                        {
                            inputs[input.Name] = JsonValues.ToClr(input.Value);
                        }

                        break;
                    case "vars" when property.Value.ValueKind == JsonValueKind.Object:
                        foreach (var value in property.Value.EnumerateObject())
                        {
                            vars[value.Name] = JsonValues.ToClr(value.Value);
                        }

                        break;
                    default:
                        vars[property.Name] = JsonValues.ToClr(property.Value);
                        if (!hasInputs)
                        {
                            inputs[property.Name] = vars[property.Name];
                        }

                        break;
                }
            }

            cases.Add(Case(name ?? string.Create(CultureInfo.InvariantCulture, $"line-{lineNumber}"), inputs, vars, lineNumber));
        }
    }

    public void ReadCsv(IReadOnlyList<string>? inputColumns, List<EvalCase> cases)
    {
        using var parser = new TextFieldParser(path) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true, TrimWhiteSpace = false };
        parser.SetDelimiters(",");
        string[]? header;
        try
        {
            header = parser.ReadFields();
        }
        catch (MalformedLineException ex)
        {
            Error(EvalDiagnosticCodes.MalformedDatasetLine, $"The header row is malformed: {ex.Message}", (int)ex.LineNumber, 1);
            return;
        }

        if (header is null || header.Length == 0)
        {
            Error(EvalDiagnosticCodes.MalformedDatasetLine, "The CSV file is empty. Its first row must name the columns, for example name,text,expected_intent.", 1, 1);
            return;
        }

        foreach (var missing in (inputColumns ?? []).Where(c => !header.Contains(c, StringComparer.Ordinal)))
        {
            Error(EvalDiagnosticCodes.MissingColumn, $"'dataset.inputs' lists the column '{missing}', which the CSV header does not have. Its columns are: {string.Join(", ", header)}.", 1, 1);
        }

        var inputSet = inputColumns?.ToHashSet(StringComparer.Ordinal);
        while (!parser.EndOfData)
        {
            var lineNumber = (int)parser.LineNumber;
            string[]? fields;
            try
            {
                fields = parser.ReadFields();
            }
            catch (MalformedLineException ex)
            {
                Error(EvalDiagnosticCodes.MalformedDatasetLine, $"Line {ex.LineNumber} of the CSV is malformed (an unclosed quote?): {ex.Message}", (int)ex.LineNumber, 1);
                continue;
            }

            if (fields is null || (fields.Length == 1 && fields[0].Length == 0))
            {
                continue;
            }

            if (fields.Length != header.Length)
            {
                Error(EvalDiagnosticCodes.MalformedDatasetLine, $"Line {lineNumber} of the CSV has {fields.Length} field(s); the header has {header.Length}. Quote fields that contain commas.", lineNumber, 1);
                continue;
            }

            var inputs = new Dictionary<string, object?>(sharedInputs, StringComparer.Ordinal);
            var vars = new Dictionary<string, object?>(StringComparer.Ordinal);
            string? name = null;
            for (var i = 0; i < header.Length; i++)
            {
                if (header[i] == "name")
                {
                    name = fields[i].Length > 0 ? fields[i] : null;
                    continue;
                }

                vars[header[i]] = fields[i];
                if (inputSet is null || inputSet.Contains(header[i]))
                {
                    inputs[header[i]] = fields[i];
                }
            }

            cases.Add(Case(name ?? string.Create(CultureInfo.InvariantCulture, $"row-{cases.Count + 1}"), inputs, vars, lineNumber));
        }
    }

    private EvalCase Case(string name, Dictionary<string, object?> inputs, Dictionary<string, object?> vars, int line)
    {
        foreach (var (key, value) in inputs)
        {
            vars.TryAdd(key, value);
        }

        return new EvalCase { Id = name, Inputs = inputs, Vars = vars, Source = string.Create(CultureInfo.InvariantCulture, $"{_name}({line},1)") };
    }

    private void Error(string code, string message, int line, int column) =>
        diagnostics.Add(new PromptDiagnostic(code, PromptDiagnosticSeverity.Error, message, path, line, column));
}
