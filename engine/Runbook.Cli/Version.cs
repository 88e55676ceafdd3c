using System.Reflection;

namespace Runbook.Cli;

internal static class Version
{
    public static string Current { get; } =
        typeof(Version).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
