using System.Text;
using Runbook.Execution.Actions;
using Runbook.Execution.Actions.Files;
using Runbook.Execution.Engine;
using Runbook.Execution.Journal;
using Runbook.Execution.Tests.Support;
using Runbook.Language;
using Runbook.Language.Actions;

namespace Runbook.Execution.Tests.Engine;

/// <summary>
/// A file an argument names (a notify template, a sub-playbook) is read only from inside the playbook's folder or the
/// configured templates folder, whatever the value: absolute paths, '..', symlinks and symlinked folders that lead out,
/// control characters and absurd lengths are refused, and nothing of the file outside reaches any output.
/// </summary>
public sealed class FileArgumentTests
{
    private const string Outside = "TOP-SECRET-OUTSIDE-CONTENT";

    /// <summary>
    /// case/book holds the playbook; case/outside a file it must not read; case/book has symlinks leading out and one
    /// staying in; case/shared is a templates folder.
    /// </summary>
    private sealed class Layout
    {
        public Layout(string root)
        {
            Root = root;
            Directory.CreateDirectory(Book);
            Directory.CreateDirectory(System.IO.Path.Combine(Root, "outside"));
            Directory.CreateDirectory(Shared);
            Directory.CreateDirectory(System.IO.Path.Combine(Book, "sub"));
            File.WriteAllText(System.IO.Path.Combine(Root, "outside", "secret.txt"), Outside);
            File.WriteAllText(System.IO.Path.Combine(Book, "inside.txt"), "inside for {{ inputs.path }}");
            File.WriteAllText(System.IO.Path.Combine(Book, "sub", "nested.txt"), "nested");
            File.WriteAllText(System.IO.Path.Combine(Shared, "shared.txt"), "shared");
            File.CreateSymbolicLink(System.IO.Path.Combine(Book, "link-out.txt"), System.IO.Path.Combine(Root, "outside", "secret.txt"));
            File.CreateSymbolicLink(System.IO.Path.Combine(Book, "relative-link-out.txt"), "../outside/secret.txt");
            File.CreateSymbolicLink(System.IO.Path.Combine(Book, "etc-link"), "/etc/hostname");
            Directory.CreateSymbolicLink(System.IO.Path.Combine(Book, "linked-folder"), System.IO.Path.Combine(Root, "outside"));
            File.CreateSymbolicLink(System.IO.Path.Combine(Book, "link-in.txt"), "sub/nested.txt");
        }

        public string Root { get; }

        public string Book => System.IO.Path.Combine(Root, "book");

        public string Shared => System.IO.Path.Combine(Root, "shared");
    }

    private static LoadedPlaybook Write(Layout layout, string yaml)
    {
        var path = Path.Combine(layout.Book, $"p-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        var loaded = PlaybookLoader.LoadFile(path, ActionCatalog.Create([]));
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Diagnostics));
        return loaded;
    }

    private const string Templated = """
        apiVersion: runbook/v1
        kind: Playbook
        name: templated
        inputs:
          path: { type: string }
        phases:
          communicate:
            - id: update
              uses: notify.console
              with: { template: "${{ inputs.path }}" }
        """;

    public static TheoryData<string, string> Hostile => new()
    {
        { "/etc/hostname", "an absolute path reaches outside the playbook's folder" },
        { "/etc/passwd", "an absolute path reaches outside the playbook's folder" },
        { "../../etc/passwd", "'..' leaves the playbook's folder" },
        { "../outside/secret.txt", "'..' leaves the playbook's folder" },
        { "sub/../../outside/secret.txt", "'..' leaves the playbook's folder" },
        { "..\\outside\\secret.txt", "'..' leaves the playbook's folder" },
        { "~/.bashrc", "an absolute path reaches outside the playbook's folder" },
        { "link-out.txt", "a symlink leads out of the folder" },
        { "relative-link-out.txt", "a symlink leads out of the folder" },
        { "etc-link", "a symlink leads out of the folder" },
        { "linked-folder/secret.txt", "a symlink leads out of the folder" },
        { "%2e%2e/outside/secret.txt", "does not exist" },
        { "%2e%2e%2foutside%2fsecret.txt", "does not exist" },
        { "inside.txt\0../../etc/passwd", "contains a control character" },
        { "inside.txt\n", "contains a control character" },
        { new string('a', 5000), "longer than 1024 characters" },
        { string.Concat(Enumerable.Repeat("sub/", 300)) + "x", "longer than 1024 characters" },
        { "sub", "is a folder, not a file" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task A_template_named_by_a_hostile_value_is_refused_and_nothing_of_it_is_sent(string path, string reason)
    {
        var console = new FakeAction("notify.console");
        await using var harness = new ExecutorHarness(console);
        var layout = new Layout(Path.Combine(harness.Folder, "case"));
        var loaded = Write(layout, Templated);

        var result = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(loaded, new Dictionary<string, string> { ["path"] = path }));

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Contains(reason, result.Summary, StringComparison.Ordinal);
        Assert.Empty(console.Calls);
        var written = new StringBuilder(result.Summary);
        foreach (var entry in await harness.EntriesAsync(result.RunId))
        {
            written.Append(entry.Data);
        }

        foreach (var e in harness.Observer.Events)
        {
            written.Append(e);
        }

        Assert.DoesNotContain(Outside, written.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("root:", written.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("inside.txt", "inside for inside.txt")]
    [InlineData("./inside.txt", "inside for ./inside.txt")]
    [InlineData("sub/nested.txt", "nested")]
    [InlineData("link-in.txt", "nested")]
    [InlineData("shared.txt", "shared")]
    public async Task A_template_inside_the_playbook_folder_or_the_templates_folder_is_rendered(string path, string expected)
    {
        var console = new FakeAction("notify.console");
        await using var harness = new ExecutorHarness(console);
        var layout = new Layout(Path.Combine(harness.Folder, "case"));
        var loaded = Write(layout, Templated);
        var services = (await harness.ServicesAsync()) with { TemplateDirectories = [layout.Shared] };

        var result = await Executor.StartAsync(services, ExecutorHarness.Request(loaded, new Dictionary<string, string> { ["path"] = path }));

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(expected, Assert.Single(console.Calls).GetString("text"));
    }

    [Fact]
    public async Task A_template_folder_that_is_not_configured_is_not_searched()
    {
        var console = new FakeAction("notify.console");
        await using var harness = new ExecutorHarness(console);
        var layout = new Layout(Path.Combine(harness.Folder, "case"));

        var result = await Executor.StartAsync(await harness.ServicesAsync(),
            ExecutorHarness.Request(Write(layout, Templated), new Dictionary<string, string> { ["path"] = "shared.txt" }));

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Contains("template 'shared.txt' does not exist", result.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../outside/child.yaml", "'..' leaves the playbook's folder")]
    [InlineData("/etc/passwd", "an absolute path reaches outside the playbook's folder")]
    [InlineData("linked-folder/child.yaml", "a symlink leads out of the folder")]
    public async Task A_sub_playbook_outside_the_folder_is_refused_and_never_run(string path, string reason)
    {
        var run = new FakeAction("run", _ => StepOutcome.Success());
        await using var harness = new ExecutorHarness(run);
        var layout = new Layout(Path.Combine(harness.Folder, "case"));
        File.WriteAllText(Path.Combine(layout.Root, "outside", "child.yaml"), """
            apiVersion: runbook/v1
            kind: Playbook
            name: child
            phases:
              assess:
                - id: outside_step
                  run: echo outside
                  mutates: false
            """);
        var loaded = Write(layout, """
            apiVersion: runbook/v1
            kind: Playbook
            name: parent
            inputs:
              path: { type: string }
            phases:
              mitigate:
                - id: child
                  uses: playbook.run
                  with: { path: "${{ inputs.path }}" }
            """);

        var result = await Executor.StartAsync(await harness.ServicesAsync(), ExecutorHarness.Request(loaded, new Dictionary<string, string> { ["path"] = path }));

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Contains(reason, result.Summary, StringComparison.Ordinal);
        Assert.Empty(run.Calls);
    }

    [Fact]
    public void A_file_larger_than_the_limit_is_refused_without_reading_it_whole()
    {
        var root = Directory.CreateTempSubdirectory("runbook-big-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(root, "big.sbn"), new byte[ContainedFile.MaxBytes + 1]);

            var error = Assert.Throws<ContainedFileException>(() => ContainedFile.ReadText("big.sbn", [root], "template"));

            Assert.Equal("template 'big.sbn' is larger than 4 MB", error.Message);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void A_file_that_is_not_utf8_is_refused()
    {
        var root = Directory.CreateTempSubdirectory("runbook-bytes-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(root, "latin1.sbn"), [0x63, 0x61, 0x66, 0xE9, 0x0A]);

            var error = Assert.Throws<ContainedFileException>(() => ContainedFile.ReadText("latin1.sbn", [root], "template"));

            Assert.Equal("template 'latin1.sbn' is not UTF-8 text", error.Message);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_symlink_flipped_between_inside_and_outside_while_reading_never_yields_the_outside_file()
    {
        var root = Directory.CreateTempSubdirectory("runbook-toctou-").FullName;
        try
        {
            var layout = new Layout(root);
            var link = Path.Combine(layout.Book, "flip.txt");
            var inside = Path.Combine(layout.Book, "inside.txt");
            var outside = Path.Combine(layout.Root, "outside", "secret.txt");
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            var flipper = Task.Run(() =>
            {
                var flips = 0;
                while (!stop.IsCancellationRequested)
                {
                    var next = Path.Combine(layout.Book, $"flip-{flips}.tmp");
                    File.CreateSymbolicLink(next, flips++ % 2 == 0 ? outside : inside);
                    File.Move(next, link, overwrite: true); // rename(2): the link is swapped atomically
                }

                return flips;
            });

            var reads = 0;
            var refusals = 0;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var (text, _) = ContainedFile.ReadText("flip.txt", [layout.Book], "template");
                    Assert.DoesNotContain(Outside, text, StringComparison.Ordinal);
                    reads++;
                }
                catch (ContainedFileException)
                {
                    refusals++;
                }
            }

            var flips = await flipper;
            Assert.True(flips > 100, $"the link flipped only {flips} times");
            Assert.True(reads > 0 && refusals > 0, $"reads {reads}, refusals {refusals}: the race did not exercise both sides");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
