using System.Reflection;
using System.Runtime.Loader;

namespace Runbook.Cli.Tests;

/// <summary>
/// What a command builds before it runs (ADR 0019): the providers, their descriptors and the action catalog are built
/// only by the commands that use them. Each case runs the real command line in a fresh load context, so its statics
/// start unbuilt whatever the other tests in this process did, and reads whether the providers were built.
/// </summary>
public sealed class StartupTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("runbook-startup-").FullName;

    [Theory]
    [InlineData(0, "--version")]
    [InlineData(0, "--help")]
    [InlineData(0, "validate", "--help")]
    [InlineData(0, "exec", "--help")]
    [InlineData(0, "history", "--journal", "{folder}/journal.db")]
    [InlineData(2, "validate")] // a usage error: parsing alone refuses it
    public void A_command_that_uses_no_provider_does_not_build_the_providers(int expectedExit, params string[] args)
    {
        var (exit, built) = RunIsolated(args);

        Assert.Equal(expectedExit, exit);
        Assert.False(built, $"runbook {string.Join(' ', args)} built the providers");
    }

    [Fact]
    public void Validate_builds_the_providers_it_checks_actions_against()
    {
        // The probe must be able to see a build, or the test above proves nothing.
        var playbook = Path.Combine(_folder, "one.yaml");
        File.WriteAllText(playbook, "apiVersion: runbook/v1\nkind: Playbook\nname: one\nphases:\n  mitigate:\n    - { id: s0, run: /bin/true }\n");

        var (exit, built) = RunIsolated(["validate", playbook]);

        Assert.Equal(0, exit);
        Assert.True(built);
    }

    [Fact]
    public void An_unknown_provider_is_refused_with_the_registered_names()
    {
        var (exit, output) = RunIsolatedWithOutput(["validate", "x.yaml", "--provider", "kubernets"]);

        Assert.Equal(2, exit);
        Assert.Contains("did you mean 'kubernetes'", output, StringComparison.Ordinal);
        Assert.Contains("choose one of: compose, kubernetes, aws, azure, gcp", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_names_listed_before_the_providers_are_built_are_the_providers_own_names_in_order()
    {
        Assert.Equal(Composition.ProviderRegistry.Names, Composition.ProviderRegistry.All.Select(p => p.Name));
    }

    private (int Exit, bool Built) RunIsolated(string[] args)
    {
        var (exit, _, built) = Run(args);
        return (exit, built);
    }

    private (int Exit, string Output) RunIsolatedWithOutput(string[] args)
    {
        var (exit, output, _) = Run(args);
        return (exit, output);
    }

    /// <summary>runbook's own CommandLine.Run in a new load context: a second copy of its assemblies and statics.</summary>
    private (int Exit, string Output, bool Built) Run(string[] args)
    {
        args = [.. args.Select(a => a.Replace("{folder}", _folder, StringComparison.Ordinal))];
        var cli = typeof(CliConsole).Assembly.Location;
        var context = new IsolatedContext(cli);
        try
        {
            var assembly = context.LoadFromAssemblyPath(cli);
            Assert.NotSame(typeof(CliConsole).Assembly, assembly);
            var consoleType = assembly.GetType("Runbook.Cli.CliConsole", throwOnError: true)!;
            using var output = new StringWriter();
            var console = Activator.CreateInstance(consoleType, output, output, false, _folder)!;
            var run = assembly.GetType("Runbook.Cli.CommandLine", throwOnError: true)!.GetMethod("Run", BindingFlags.Public | BindingFlags.Static)!;
            var exit = (int)run.Invoke(null, [args, console])!;
            var built = (bool)assembly.GetType("Runbook.Cli.Composition.ProviderRegistry", throwOnError: true)!
                .GetProperty("IsBuilt", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
            return (exit, output.ToString(), built);
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>Loads runbook's own assemblies afresh from beside it; the framework's come from the default context.</summary>
    private sealed class IsolatedContext(string main) : AssemblyLoadContext(isCollectible: true)
    {
        private readonly string _folder = Path.GetDirectoryName(main)!;

        protected override Assembly? Load(AssemblyName name) =>
            Path.Combine(_folder, name.Name + ".dll") is var path && File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
