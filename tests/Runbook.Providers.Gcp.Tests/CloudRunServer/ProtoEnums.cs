using System.Text.Json;
using System.Text.Json.Nodes;

namespace Runbook.Providers.Gcp.Tests.CloudRunServer;

/// <summary>
/// The numbers of the proto enums the server reads and writes. Google's REST front end takes an enum as its name or
/// its number, and answers with numbers when the request asks <c>$alt=json;enum-encoding=int</c> — which the
/// official JavaScript client always does in REST mode. The discovery document lists names only, and its order is
/// not the numbering (google.api.LaunchStage, CommonReason have gaps), so the numbers are written out here from the
/// .proto definitions; an enum missing from this table is an output problem, never a guessed number.
/// </summary>
internal static class ProtoEnums
{
    // Keyed by each enum's first (zero) value, which names the enum in the discovery document.
    private static readonly Dictionary<string, Dictionary<string, int>> Tables = new(StringComparer.Ordinal)
    {
        ["STATE_UNSPECIFIED"] = Numbered("STATE_UNSPECIFIED", "CONDITION_PENDING", "CONDITION_RECONCILING", "CONDITION_FAILED", "CONDITION_SUCCEEDED"),
        ["SEVERITY_UNSPECIFIED"] = Numbered("SEVERITY_UNSPECIFIED", "ERROR", "WARNING", "INFO"),
        ["COMMON_REASON_UNDEFINED"] = new()
        {
            ["COMMON_REASON_UNDEFINED"] = 0,
            ["UNKNOWN"] = 1,
            ["REVISION_FAILED"] = 3,
            ["PROGRESS_DEADLINE_EXCEEDED"] = 4,
            ["CONTAINER_MISSING"] = 6,
            ["CONTAINER_PERMISSION_DENIED"] = 7,
            ["CONTAINER_IMAGE_UNAUTHORIZED"] = 8,
            ["CONTAINER_IMAGE_AUTHORIZATION_CHECK_FAILED"] = 9,
            ["ENCRYPTION_KEY_PERMISSION_DENIED"] = 10,
            ["ENCRYPTION_KEY_CHECK_FAILED"] = 11,
            ["SECRETS_ACCESS_CHECK_FAILED"] = 12,
            ["WAITING_FOR_OPERATION"] = 13,
            ["IMMEDIATE_RETRY"] = 14,
            ["POSTPONED_RETRY"] = 15,
            ["INTERNAL"] = 16,
            ["VPC_NETWORK_NOT_FOUND"] = 17,
        },
        ["REVISION_REASON_UNDEFINED"] = Numbered("REVISION_REASON_UNDEFINED", "PENDING", "RESERVE", "RETIRED", "RETIRING", "RECREATING",
            "HEALTH_CHECK_CONTAINER_ERROR", "CUSTOMIZED_PATH_RESPONSE_PENDING", "MIN_INSTANCES_NOT_PROVISIONED", "ACTIVE_REVISION_LIMIT_REACHED",
            "NO_DEPLOYMENT", "HEALTH_CHECK_SKIPPED", "MIN_INSTANCES_WARMING"),
        ["EXECUTION_REASON_UNDEFINED"] = Numbered("EXECUTION_REASON_UNDEFINED", "JOB_STATUS_SERVICE_POLLING_ERROR", "NON_ZERO_EXIT_CODE", "CANCELLED",
            "CANCELLING", "DELETED", "DELAYED_START_PENDING"),
        ["SCALING_MODE_UNSPECIFIED"] = Numbered("SCALING_MODE_UNSPECIFIED", "AUTOMATIC", "MANUAL"),
        ["INGRESS_TRAFFIC_UNSPECIFIED"] = Numbered("INGRESS_TRAFFIC_UNSPECIFIED", "INGRESS_TRAFFIC_ALL", "INGRESS_TRAFFIC_INTERNAL_ONLY",
            "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER", "INGRESS_TRAFFIC_NONE"),
        ["EXECUTION_ENVIRONMENT_UNSPECIFIED"] = Numbered("EXECUTION_ENVIRONMENT_UNSPECIFIED", "EXECUTION_ENVIRONMENT_GEN1", "EXECUTION_ENVIRONMENT_GEN2"),
        ["ENCRYPTION_KEY_REVOCATION_ACTION_UNSPECIFIED"] = Numbered("ENCRYPTION_KEY_REVOCATION_ACTION_UNSPECIFIED", "PREVENT_NEW", "SHUTDOWN"),
        ["TRAFFIC_TARGET_ALLOCATION_TYPE_UNSPECIFIED"] = Numbered("TRAFFIC_TARGET_ALLOCATION_TYPE_UNSPECIFIED", "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST",
            "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION"),
        ["LAUNCH_STAGE_UNSPECIFIED"] = new()
        {
            ["LAUNCH_STAGE_UNSPECIFIED"] = 0,
            ["UNIMPLEMENTED"] = 6,
            ["PRELAUNCH"] = 7,
            ["EARLY_ACCESS"] = 1,
            ["ALPHA"] = 2,
            ["BETA"] = 3,
            ["GA"] = 4,
            ["DEPRECATED"] = 5,
        },
        ["DEFAULT"] = new()
        {
            ["DEFAULT"] = 0,
            ["DEBUG"] = 100,
            ["INFO"] = 200,
            ["NOTICE"] = 300,
            ["WARNING"] = 400,
            ["ERROR"] = 500,
            ["CRITICAL"] = 600,
            ["ALERT"] = 700,
            ["EMERGENCY"] = 800,
        },
    };

    /// <summary>The number of <paramref name="name"/> in the enum whose zero value is <paramref name="firstValue"/>; null when the table lacks it.</summary>
    public static int? Number(string firstValue, string name) =>
        Tables.TryGetValue(firstValue, out var table) && table.TryGetValue(name, out var number) ? number : null;

    /// <summary>The name of <paramref name="number"/> in the enum whose zero value is <paramref name="firstValue"/>; null when the table lacks it.</summary>
    public static string? Name(string firstValue, int number) =>
        Tables.TryGetValue(firstValue, out var table) ? table.FirstOrDefault(p => p.Value == number).Key : null;

    private static Dictionary<string, int> Numbered(params string[] names) =>
        names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
}
