using System.Text.Json;
using System.Text.Json.Serialization;
using Runbook.Language.Planning;

namespace Runbook.Cli.Rendering;

/// <summary>Source-generated JSON for plans (schemas/plan.schema.json): no reflection, so trim- and AOT-safe.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UseStringEnumConverter = true,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PlanDocument))]
internal sealed partial class PlanJsonContext : JsonSerializerContext;

/// <summary>The plan file: a format version beside the plan, so later versions can read older files.</summary>
internal sealed record PlanDocument(string Format, Plan Plan)
{
    public const string CurrentFormat = "runbook.plan/v1";

    public static string Serialize(Plan plan) =>
        JsonSerializer.Serialize(new PlanDocument(CurrentFormat, plan), PlanJsonContext.Default.PlanDocument) + "\n";
}
