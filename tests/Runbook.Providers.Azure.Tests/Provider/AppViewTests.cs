using System.Text.Json;
using Runbook.Providers.Azure;

namespace Runbook.Providers.Azure.Tests.Provider;

/// <summary>Which revision an app serves and which came before it, from ARM's shapes (the revision list of Revisions_List.json).</summary>
public sealed class AppViewTests
{
    private static AppView View(string mode, string? latest, string? latestReady, string traffic, params string[] revisions)
    {
        var app = JsonSerializer.Deserialize($$"""
            { "name": "web", "properties": { "provisioningState": "Succeeded", "latestRevisionName": {{Json(latest)}}, "latestReadyRevisionName": {{Json(latestReady)}},
              "configuration": { "activeRevisionsMode": "{{mode}}", "ingress": { "traffic": {{traffic}} } },
              "template": { "containers": [ { "name": "web", "image": "registry.example/web:2" } ], "scale": { "minReplicas": 2, "maxReplicas": 5 } } } }
            """, ArmJson.Default.ContainerApp)!;
        return new AppView("web", app, [.. revisions.Select(r => JsonSerializer.Deserialize(r, ArmJson.Default.ContainerAppRevision)!)]);
    }

    private static string Json(string? text) => text is null ? "null" : $"\"{text}\"";

    private static string Revision(string name, int minute, bool active, int weight = 0, string provisioning = "Provisioned", bool wasActive = false) => $$"""
        { "name": "{{name}}", "properties": { "createdTime": "2026-11-30T10:{{minute:00}}:00+00:00", {{(wasActive ? "\"lastActiveTime\": \"2026-11-30T11:00:00+00:00\"," : string.Empty)}}
          "active": {{(active ? "true" : "false")}}, "trafficWeight": {{weight}}, "replicas": 1, "provisioningState": "{{provisioning}}", "healthState": "Healthy", "runningState": "Running",
          "template": { "containers": [ { "name": "web", "image": "registry.example/web:{{name[^1]}}" } ] } } }
        """;

    [Fact]
    public void In_single_mode_the_current_revision_is_the_latest_even_before_it_is_ready()
    {
        var view = View("Single", "web--3", "web--2", """[{ "latestRevision": true, "weight": 100 }]""",
            Revision("web--1", 1, false, wasActive: true), Revision("web--2", 2, true, 100), Revision("web--3", 3, true, 0, "Provisioning"));

        Assert.Equal("web--3", view.Current);
        Assert.Equal("web--2", view.Previous);
    }

    [Fact]
    public void A_revision_that_failed_is_never_the_previous_one()
    {
        var view = View("Single", "web--3", "web--1", """[{ "latestRevision": true, "weight": 100 }]""",
            Revision("web--1", 1, true, 100), Revision("web--2", 2, false, provisioning: "Failed"), Revision("web--3", 3, true));

        Assert.Equal("web--1", view.Previous);
    }

    [Fact]
    public void A_revision_that_never_ran_is_not_the_previous_one()
    {
        var view = View("Single", "web--3", "web--3", """[{ "latestRevision": true, "weight": 100 }]""",
            Revision("web--1", 1, false, wasActive: true), Revision("web--2", 2, false), Revision("web--3", 3, true, 100));

        Assert.Equal("web--1", view.Previous);
    }

    [Fact]
    public void In_multiple_mode_with_traffic_pinned_the_current_revision_is_the_one_with_the_most_traffic()
    {
        var view = View("Multiple", "web--3", "web--3", """[{ "revisionName": "web--2", "weight": 90 }, { "revisionName": "web--3", "weight": 10 }]""",
            Revision("web--1", 1, true), Revision("web--2", 2, true, 90), Revision("web--3", 3, true, 10));

        Assert.True(view.TrafficPinned);
        Assert.Equal("web--2", view.Current);
        Assert.Equal("web--1", view.Previous);
    }

    [Fact]
    public void In_multiple_mode_following_the_latest_revision_the_current_one_is_the_latest()
    {
        var view = View("Multiple", "web--2", "web--2", """[{ "latestRevision": true, "weight": 100 }]""", Revision("web--1", 1, true), Revision("web--2", 2, true, 100));

        Assert.False(view.TrafficPinned);
        Assert.Equal("web--2", view.Current);
        Assert.Equal("web--1", view.Previous);
    }

    [Fact]
    public void Revisions_are_ordered_by_created_time_not_by_name()
    {
        var view = View("Single", "web--a", "web--a", "[]", Revision("web--a", 9, true, 100), Revision("web--z", 1, false, wasActive: true));

        Assert.Equal(["web--a", "web--z"], view.Newest.Select(r => r.Name));
        Assert.Equal("web--z", view.Previous);
    }

    [Fact]
    public void The_scale_and_the_image_come_from_the_template()
    {
        var view = View("Single", "web--1", "web--1", "[]", Revision("web--1", 1, true, 100));

        Assert.Equal(2, view.MinReplicas);
        Assert.Equal(5, view.MaxReplicas);
        Assert.Equal("registry.example/web:2", AppView.Image(view.Properties.Template, null));
        Assert.Null(AppView.Image(view.Properties.Template, "sidecar"));
    }

    [Fact]
    public void History_words_a_revision_as_az_containerapp_revision_list_shows_it()
    {
        var revision = JsonSerializer.Deserialize(Revision("web--2", 7, true, 100), ArmJson.Default.ContainerAppRevision)!;

        Assert.Equal("active, 100% traffic, Healthy, Running, 1 replicas, Provisioned, created 2026-11-30T10:07:00Z", ContainerAppsBackend.Describe(revision));
    }
}
