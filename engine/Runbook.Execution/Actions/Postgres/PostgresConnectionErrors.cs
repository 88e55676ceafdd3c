using Npgsql;

namespace Runbook.Execution.Actions.Postgres;

/// <summary>One-line messages for a server that cannot be reached or refuses the credentials, naming the target and the fix.</summary>
internal static class PostgresConnectionErrors
{
    public static string Describe(string action, PostgresTarget target, Exception ex) => ex switch
    {
        PostgresException { SqlState: "28P01" or "28000" } =>
            $"{action}: {target.Display} refused the credentials ({target.Scrub(((PostgresException)ex).MessageText)}); check the user and password in the connection secret",
        PostgresException { SqlState: "3D000" } =>
            $"{action}: database '{target.Database}' does not exist on {target.Display}; create it first (CREATE DATABASE) or name an existing one",
        PostgresException pg =>
            $"{action}: {target.Display} answered {pg.SqlState}: {target.Scrub(pg.MessageText)}",
        _ =>
            $"{action}: cannot reach PostgreSQL at {target.Display} ({target.Scrub(Innermost(ex).Message)}); check the host and port, and that the server accepts connections from here",
    };

    private static Exception Innermost(Exception ex) => ex.InnerException is { } inner ? Innermost(inner) : ex;
}
