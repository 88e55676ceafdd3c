using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Runbook.Providers.Gcp.Tests.EndToEnd;

/// <summary>A folder for one test's files (HOME of the runbook it starts), removed afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("runbook-gcp-e2e-").FullName;

    public string Write(string relative, string content)
    {
        var path = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>A local HTTP endpoint answering 200 to everything (a service's health URL, a Slack webhook), recording each request.</summary>
internal sealed class LocalWeb : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<string> _requests = [];

    private LocalWeb(WebApplication app)
    {
        _app = app;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            lock (_requests)
            {
                _requests.Add($"{context.Request.Method} {context.Request.Path} {body}");
            }

            await context.Response.WriteAsync("ok");
        });
    }

    public string Url => _app.Urls.First().TrimEnd('/') + "/";

    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<LocalWeb> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var web = new LocalWeb(builder.Build());
        await web._app.StartAsync();
        return web;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
