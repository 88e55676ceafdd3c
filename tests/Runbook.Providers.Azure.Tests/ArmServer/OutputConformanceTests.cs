using System.Net;
using Runbook.Providers.Azure.Tests.Support;

namespace Runbook.Providers.Azure.Tests.ArmServer;

/// <summary>Every kind of body the server sends, produced in one run and held against the Microsoft.App definitions.</summary>
public sealed class OutputConformanceTests
{
    [Fact]
    public async Task Every_body_the_server_sends_holds_only_properties_the_spec_defines_with_the_types_and_values_it_allows()
    {
        await using var server = await ContainerAppsTestServer.StartAsync(new ArmServerOptions(TimeSpan.FromMilliseconds(100)) { RevisionPageSize = 1 });
        using var http = new ArmHttp(server);
        server.SeedApp("rg", "web", "registry.test/web:1", 2, 3, multipleRevisions: true);
        server.MarkImageBad("registry.test/web:bad");
        var app = http.AppPath("rg", "web");
        var first = server.App("rg", "web").LatestRevision;
        var answers = new List<ArmResponse>();

        answers.Add(await http.GetAsync(app));
        answers.Add(await http.GetAsync($"subscriptions/{server.Subscription}/resourceGroups/rg/providers/Microsoft.App/containerApps"));
        answers.Add(await http.GetAsync($"subscriptions/{server.Subscription}/providers/Microsoft.App/containerApps"));
        var good = await http.PatchAsync(app, ProtocolTests.Image("registry.test/web:2"));
        answers.Add(good);
        answers.Add(await http.GetAsync(good.Header("Azure-AsyncOperation")!)); // InProgress
        answers.Add((await http.PollAsync(good.Header("Azure-AsyncOperation")!, TimeSpan.FromSeconds(10))).Last); // Succeeded
        answers.Add(await http.GetAsync(good.Header("Location")!));
        var bad = await http.PatchAsync(app, ProtocolTests.Image("registry.test/web:bad"));
        answers.Add((await http.PollAsync(bad.Header("Azure-AsyncOperation")!, TimeSpan.FromSeconds(10))).Last); // Failed, with error
        answers.Add(await http.GetAsync(bad.Header("Location")!));
        answers.Add(await http.GetAsync($"{app}/revisions"));
        answers.Add(await http.GetAsync($"{app}/revisions/{first}"));
        answers.Add(await http.GetAsync($"{app}/revisions/{server.App("rg", "web").LatestRevision}")); // with provisioningError
        var replicas = await http.GetAsync($"{app}/revisions/{first}/replicas");
        answers.Add(replicas);
        answers.Add(await http.GetAsync($"{app}/revisions/{first}/replicas/{(string)replicas.Body!["value"]![0]!["name"]!}"));
        answers.Add(await http.PostAsync($"{app}/getAuthtoken"));
        answers.Add(await http.GetAsync(http.AppPath("rg", "nope")));
        answers.Add(await http.GetAsync(app, token: string.Empty));

        Assert.Empty(server.OutputProblems);
        Assert.Equal(answers.Count, answers.Count(a => a.Body is not null));
        Assert.Contains(answers, a => a.Status == HttpStatusCode.BadRequest && a.ErrorCode == "ContainerAppOperationError");
        Assert.Contains(answers, a => (string?)a.Body?["properties"]?["provisioningError"] is not null);
        Assert.Contains(answers, a => (string?)a.Body?["status"] == "InProgress");
    }
}
