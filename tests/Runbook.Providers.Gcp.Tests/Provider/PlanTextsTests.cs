using Runbook.Language.Actions;
using Runbook.Providers.Gcp;

namespace Runbook.Providers.Gcp.Tests.Provider;

/// <summary>What `runbook plan --provider gcp` says each service verb will do: the API calls it makes.</summary>
public sealed class PlanTextsTests
{
    public static TheoryData<string, string> Calls() => new()
    {
        { "service.describe", "services.get" },
        { "service.history", "revisions.list" },
        { "service.logs", "entries.list" },
        { "service.scale", "services.patch" },
        { "service.restart", "services.patch" },
        { "service.deploy", "services.patch" },
        { "service.rollback", "services.patch" },
        { "service.wait", "operations.get" },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public void Each_service_verb_is_worded_with_the_api_call_it_makes(string action, string call)
    {
        Assert.Contains(call, GcpProvider.Describe.PlanTexts[action], StringComparison.Ordinal);
    }

    [Fact]
    public void Every_service_verb_the_provider_supports_has_its_own_wording()
    {
        Assert.Equal(GcpProvider.Describe.SupportedServiceActions.Order(StringComparer.Ordinal), GcpProvider.Describe.PlanTexts.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Service_exec_is_not_listed_and_the_reason_says_cloud_run_has_no_exec()
    {
        Assert.DoesNotContain(ServiceActions.ExecName, GcpProvider.Describe.SupportedServiceActions);
        Assert.False(GcpProvider.Describe.Supports(ServiceActions.Exec));
        Assert.Contains("Cloud Run has no exec", GcpProvider.Describe.Unsupported[ServiceActions.ExecName].Fix, StringComparison.Ordinal);
    }
}
