using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Runbook.Providers.Gcp.Tests.Identity;

/// <summary>
/// Any HTTP server on 127.0.0.1 that answers 200 "ok" to everything: not Google's (no Metadata-Flavor header), or, with
/// <c>slowMetadata</c>, a metadata server that answers only after <c>delay</c>.
/// </summary>
public sealed class PlainHttp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PlainHttp(WebApplication app, TimeSpan delay, bool slowMetadata)
    {
        _app = app;
        app.Run(async context =>
        {
            await Task.Delay(delay);
            if (slowMetadata)
            {
                context.Response.Headers["Metadata-Flavor"] = "Google";
            }

            await context.Response.WriteAsync("ok");
        });
    }

    public string Authority => new Uri(_app.Urls.First()).Authority;

    public static async Task<PlainHttp> StartAsync(TimeSpan delay = default, bool slowMetadata = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var http = new PlainHttp(builder.Build(), delay, slowMetadata);
        await http._app.StartAsync();
        return http;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
