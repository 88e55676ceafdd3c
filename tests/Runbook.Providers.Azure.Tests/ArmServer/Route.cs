using System.Net;

namespace Runbook.Providers.Azure.Tests.ArmServer;

internal enum RouteKind
{
    Apps,
    App,
    AuthToken,
    Revisions,
    Revision,
    RevisionAction,
    Replicas,
    Replica,
    OperationStatus,
    OperationResult,
}

/// <summary>
/// A request path matched to the ARM resource it names, with the RBAC action it needs and the scope ARM names in a
/// 403. Path segments are compared without regard to case, as ARM does.
/// </summary>
internal sealed record Route(RouteKind Kind, string Method, string Subscription, string ResourceType, string Action, string Scope)
{
    public string? ResourceGroup { get; init; }

    public string? App { get; init; }

    public string? Revision { get; init; }

    public string? Replica { get; init; }

    public string? ActionName { get; init; }

    public string? OperationId { get; init; }

    public static Route Parse(string[] s, string method)
    {
        bool Is(int i, string word) => s.Length > i && s[i].Equals(word, StringComparison.OrdinalIgnoreCase);
        string Path(int count) => "/" + string.Join('/', s.Take(count));

        if (!Is(0, "subscriptions") || s.Length < 2)
        {
            throw new ArmError(HttpStatusCode.NotFound, "NotFound", $"No route matches '{Path(s.Length)}'; ARM paths start with /subscriptions/{{subscriptionId}}.");
        }

        var subscription = s[1];

        // /subscriptions/{s}/providers/Microsoft.App/containerApps  and  …/locations/{l}/containerappOperation{Statuses,Results}/{id}
        if (Is(2, "providers") && Is(3, "Microsoft.App"))
        {
            if (s.Length == 5 && Is(4, "containerApps"))
            {
                return Read(new Route(RouteKind.Apps, method, subscription, "containerApps", "Microsoft.App/containerApps/read", Path(2)));
            }

            if (s.Length == 8 && Is(4, "locations") && (Is(6, "containerappOperationStatuses") || Is(6, "containerappOperationResults")))
            {
                var statuses = Is(6, "containerappOperationStatuses");
                var type = statuses ? "locations/containerappOperationStatuses" : "locations/containerappOperationResults";
                return Read(new Route(statuses ? RouteKind.OperationStatus : RouteKind.OperationResult, method, subscription, type,
                    $"Microsoft.App/{type}/read", Path(8))
                { OperationId = s[7] });
            }

            throw Unknown(s, 4);
        }

        if (!Is(2, "resourceGroups") || s.Length < 7 || !Is(4, "providers") || !Is(5, "Microsoft.App"))
        {
            throw Unknown(s, 4);
        }

        var rg = s[3];
        if (!Is(6, "containerApps"))
        {
            throw Unknown(s, 6);
        }

        if (s.Length == 7)
        {
            return Read(new Route(RouteKind.Apps, method, subscription, "containerApps", "Microsoft.App/containerApps/read", Path(4)) { ResourceGroup = rg });
        }

        var app = s[7];
        var appScope = Path(8);
        if (s.Length == 8)
        {
            if (method is not ("GET" or "PUT" or "PATCH"))
            {
                throw NotAllowed(method, appScope);
            }

            return new Route(RouteKind.App, method, subscription, "containerApps", method == "GET" ? "Microsoft.App/containerApps/read" : "Microsoft.App/containerApps/write",
                appScope)
            { ResourceGroup = rg, App = app };
        }

        if (s.Length == 9 && Is(8, "getAuthtoken"))
        {
            return Post(new Route(RouteKind.AuthToken, method, subscription, "containerApps", "Microsoft.App/containerApps/getAuthToken/action", appScope)
            { ResourceGroup = rg, App = app });
        }

        if (!Is(8, "revisions"))
        {
            throw Unknown(s, 8);
        }

        const string revisionType = "containerApps/revisions";
        if (s.Length == 9)
        {
            return Read(new Route(RouteKind.Revisions, method, subscription, revisionType, "Microsoft.App/containerApps/revisions/read", Path(9))
            { ResourceGroup = rg, App = app });
        }

        var revision = s[9];
        var revisionScope = Path(10);
        if (s.Length == 10)
        {
            return Read(new Route(RouteKind.Revision, method, subscription, revisionType, "Microsoft.App/containerApps/revisions/read", revisionScope)
            { ResourceGroup = rg, App = app, Revision = revision });
        }

        if (s.Length == 11 && (Is(10, "activate") || Is(10, "deactivate") || Is(10, "restart")))
        {
            var action = s[10].ToLowerInvariant();
            return Post(new Route(RouteKind.RevisionAction, method, subscription, revisionType, $"Microsoft.App/containerApps/revisions/{action}/action", revisionScope)
            { ResourceGroup = rg, App = app, Revision = revision, ActionName = action });
        }

        if (Is(10, "replicas") && s.Length is 11 or 12)
        {
            return Read(new Route(s.Length == 11 ? RouteKind.Replicas : RouteKind.Replica, method, subscription, "containerApps/revisions/replicas",
                "Microsoft.App/containerApps/revisions/replicas/read", Path(s.Length))
            { ResourceGroup = rg, App = app, Revision = revision, Replica = s.Length == 12 ? s[11] : null });
        }

        throw Unknown(s, 10);
    }

    private static Route Read(Route route) => route.Method == "GET" ? route : throw NotAllowed(route.Method, route.Scope);

    private static Route Post(Route route) => route.Method == "POST" ? route : throw NotAllowed(route.Method, route.Scope);

    private static ArmError NotAllowed(string method, string path) => new(HttpStatusCode.MethodNotAllowed, "HttpMethodNotAllowed",
        $"The HTTP method '{method}' is not supported for the resource '{path}'.");

    private static ArmError Unknown(string[] s, int from) => new(HttpStatusCode.NotFound, "InvalidResourceType",
        $"The resource type '{string.Join('/', s.Skip(from))}' could not be found in the namespace 'Microsoft.App'.");
}

/// <summary>
/// …/subscriptions/{s}/resourceGroups/{rg}/containerApps/{app}/revisions/{r}/replicas/{replica}/containers/{c}/logstream:
/// the path of a replica container's <c>logStreamEndpoint</c> (the data plane's, without ARM's providers/Microsoft.App).
/// </summary>
internal sealed record LogStreamRoute(string ResourceGroup, string App, string Revision, string Replica, string Container)
{
    public static LogStreamRoute? Parse(string[] s)
    {
        bool Is(int i, string word) => s.Length > i && s[i].Equals(word, StringComparison.OrdinalIgnoreCase);
        return s.Length == 13 && Is(0, "subscriptions") && Is(2, "resourceGroups") && Is(4, "containerApps") && Is(6, "revisions") && Is(8, "replicas")
            && Is(10, "containers") && Is(12, "logstream")
            ? new LogStreamRoute(s[3], s[5], s[7], s[9], s[11])
            : null;
    }
}
