using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Runbook.Providers.Gcp.Tests.Identity;

/// <summary>Any HTTP server on 127.0.0.1 that answers 200 "ok" to everything and is not Google's (no Metadata-Flavor header).</summary>
public sealed class PlainHttp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PlainHttp(WebApplication app)
    {
        _app = app;
        app.Run(context => context.Response.WriteAsync("ok"));
    }

    public string Authority => new Uri(_app.Urls.First()).Authority;

    public static async Task<PlainHttp> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var http = new PlainHttp(builder.Build());
        await http._app.StartAsync();
        return http;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
