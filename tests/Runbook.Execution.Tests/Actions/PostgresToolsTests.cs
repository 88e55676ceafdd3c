using Runbook.Execution.Actions.Postgres;

namespace Runbook.Execution.Tests.Actions;

/// <summary>Which pg_dump runs against which server: the matching major version, else a newer one, else PATH.</summary>
public sealed class PostgresToolsTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("runbook-pgtools-");

    public void Dispose() => _root.Delete(recursive: true);

    private string Tool(string folder)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_root.FullName, folder));
        var file = Path.Combine(dir.FullName, "pg_dump");
        File.WriteAllText(file, "#!/bin/sh\n");
        return file;
    }

    [Fact]
    public void The_pg_dump_of_the_server_s_major_version_is_chosen_among_several()
    {
        Tool("lib/13/bin");
        var fifteen = Tool("lib/15/bin");
        Tool("lib/16/bin");

        Assert.Equal(fifteen, new PostgresTools(Path.Combine(_root.FullName, "lib"), null).Find("pg_dump", 15));
    }

    [Fact]
    public void Without_the_matching_version_the_oldest_newer_one_is_chosen_never_an_older_one()
    {
        Tool("lib/13/bin");
        var fifteen = Tool("lib/15/bin");
        Tool("lib/17/bin");

        Assert.Equal(fifteen, new PostgresTools(Path.Combine(_root.FullName, "lib"), null).Find("pg_dump", 14));
    }

    [Fact]
    public void Without_a_versioned_one_that_fits_the_one_on_path_is_chosen()
    {
        Tool("lib/13/bin");
        var onPath = Tool("usr/bin");

        Assert.Equal(onPath, new PostgresTools(Path.Combine(_root.FullName, "lib"), $"/nonexistent:{Path.GetDirectoryName(onPath)}").Find("pg_dump", 16));
    }

    [Fact]
    public void Without_any_pg_dump_none_is_found_and_the_message_names_the_package_to_install()
    {
        Tool("lib/not-a-version/bin");
        var tools = new PostgresTools(Path.Combine(_root.FullName, "lib"), "/nonexistent");

        Assert.Null(tools.Find("pg_dump", 16));
        Assert.EndsWith("install the client of that version (Debian: apt-get install postgresql-client-16)", tools.Missing("pg_dump", 16));
    }
}
