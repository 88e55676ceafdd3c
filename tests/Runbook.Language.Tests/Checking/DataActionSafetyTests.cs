using System.Text;
using Runbook.Language.Actions;
using Runbook.Language.Diagnostics;

namespace Runbook.Language.Tests.Checking;

/// <summary>
/// The safety rules on the data actions, tried the way a careless or hostile playbook would: a mutating Redis
/// command hidden in a read-only phase, FLUSH* or a restore without an approval, a command name computed at run time.
/// </summary>
public sealed class DataActionSafetyTests
{
    private static IReadOnlyList<Diagnostic> Diagnostics(string phase, string step) => PlaybookLoader.Load("p.yaml", Encoding.UTF8.GetBytes($$"""
        apiVersion: runbook/v1
        kind: Playbook
        name: p
        inputs:
          redis: { type: secret, from: env:REDIS_URL }
          db: { type: secret, from: env:DATABASE_URL }
          key: { type: string, default: "session:1" }
        phases:
          {{phase}}:
            - id: s
        {{step}}
        """), ActionCatalog.Create([])).Diagnostics.Where(d => d.Code != "RB0305").ToList(); // each test uses only some of the inputs

    private static string Redis(string command, string extra = "") =>
        $"      uses: redis.command\n{extra}      with:\n        connection: \"${{{{ inputs.redis }}}}\"\n        command: {command}\n        timeout: 5s";

    private static IEnumerable<string> Codes(IReadOnlyList<Diagnostic> diagnostics) => diagnostics.Select(d => d.Code).Order();

    [Theory]
    [InlineData("[DEL, session:1]")]
    [InlineData("[del, session:1]")]
    [InlineData("[UNLINK, a, b]")]
    [InlineData("[SET, k, v]")]
    [InlineData("[EXPIRE, k, 10]")]
    [InlineData("[CONFIG, SET, maxmemory, 1gb]")]
    [InlineData("[config, set, maxmemory, 1gb]")]
    [InlineData("[EVAL, \"return 1\", 0]")]
    [InlineData("[SOMEFUTURECOMMAND, x]")]
    [InlineData("[CONFIG, \"${{ inputs.key }}\", x]")]
    public void A_mutating_redis_command_in_assess_is_refused_as_a_mutation_in_a_read_only_phase(string command)
    {
        var diagnostics = Diagnostics("assess", Redis(command));

        Assert.Equal(["RB0301"], Codes(diagnostics));
    }

    [Theory]
    [InlineData("[GET, session:1]")]
    [InlineData("[TTL, \"${{ inputs.key }}\"]")]
    [InlineData("[CONFIG, GET, maxmemory]")]
    [InlineData("[Config, Get, maxmemory]")]
    [InlineData("[INFO, memory]")]
    [InlineData("[SCAN, 0, MATCH, \"session:*\"]")]
    [InlineData("[MEMORY, USAGE, \"${{ inputs.key }}\"]")]
    public void A_read_only_redis_command_is_accepted_in_gather(string command)
    {
        Assert.Empty(Diagnostics("gather", Redis(command)));
    }

    [Theory]
    [InlineData("[FLUSHALL]")]
    [InlineData("[flushdb, async]")]
    [InlineData("[SCRIPT, FLUSH]")]
    public void Flush_without_an_approval_is_refused_as_irreversible(string command)
    {
        var diagnostics = Diagnostics("mitigate", Redis(command));

        Assert.Equal(["RB0303"], Codes(diagnostics));
    }

    [Fact]
    public void Flush_with_an_approval_is_accepted_without_a_rollback()
    {
        Assert.Empty(Diagnostics("mitigate", Redis("[FLUSHDB]", "      approval: { approvers: [oncall] }\n")));
    }

    [Fact]
    public void Saying_mutates_false_does_not_let_a_deleting_command_into_assess()
    {
        var error = Assert.Single(Diagnostics("assess", Redis("[DEL, session:1]", "      mutates: false\n")));

        Assert.Equal("RB0321", error.Code);
        Assert.Equal("step 's' says 'mutates: false', but DEL changes data", error.Message);
    }

    [Fact]
    public void Saying_irreversible_false_does_not_remove_the_approval_flush_needs()
    {
        var diagnostics = Diagnostics("mitigate", Redis("[FLUSHALL]", "      irreversible: false\n"));

        Assert.Equal(["RB0303"], Codes(diagnostics));
    }

    [Theory]
    [InlineData("[KEYS, \"*\"]", "KEYS")]
    [InlineData("[keys, \"session:*\"]", "KEYS")]
    [InlineData("[MONITOR]", "MONITOR")]
    [InlineData("[AUTH, secret]", "AUTH")]
    public void A_command_the_action_never_sends_is_refused_with_the_reason(string command, string name)
    {
        var error = Assert.Single(Diagnostics("gather", Redis(command)));

        Assert.Equal("RB0322", error.Code);
        Assert.StartsWith($"'redis.command' never sends {name}: ", error.Message);
    }

    [Theory]
    [InlineData("[\"${{ inputs.key }}\", x]")]
    [InlineData("[]")]
    [InlineData("\"${{ inputs.key }}\"")]
    public void A_command_whose_name_is_not_literal_is_refused(string command)
    {
        var diagnostics = Diagnostics("mitigate", Redis(command, "      approval: { approvers: [oncall] }\n      irreversible: true\n"));

        Assert.Equal(["RB0323"], Codes(diagnostics));
    }

    [Fact]
    public void A_restore_without_an_approval_is_refused_as_irreversible()
    {
        var diagnostics = Diagnostics("resolve",
            "      uses: postgres.restore\n      with:\n        connection: \"${{ inputs.db }}\"\n        path: b.dump\n        database: orders");

        Assert.Equal(["RB0303"], Codes(diagnostics));
    }

    [Fact]
    public void A_restore_that_says_irreversible_false_still_needs_an_approval()
    {
        var diagnostics = Diagnostics("resolve",
            "      uses: postgres.restore\n      irreversible: false\n      with:\n        connection: \"${{ inputs.db }}\"\n        path: b.dump\n        database: orders");

        Assert.Equal(["RB0303"], Codes(diagnostics));
    }

    [Fact]
    public void A_restore_in_a_read_only_phase_is_refused()
    {
        var diagnostics = Diagnostics("gather",
            "      uses: postgres.restore\n      approval: { approvers: [dba] }\n      with:\n        connection: \"${{ inputs.db }}\"\n        path: b.dump\n        database: orders");

        Assert.Contains("RB0301", Codes(diagnostics));
    }

    [Fact]
    public void A_backup_is_read_only_and_fits_gather()
    {
        Assert.Empty(Diagnostics("gather",
            "      uses: postgres.backup\n      with:\n        connection: \"${{ inputs.db }}\"\n        path: backups/"));
    }

    [Fact]
    public void Deleting_keys_by_pattern_mutates()
    {
        var diagnostics = Diagnostics("assess",
            "      uses: redis.delete_keys\n      with:\n        connection: \"${{ inputs.redis }}\"\n        pattern: \"session:*\"");

        Assert.Equal(["RB0301"], Codes(diagnostics));
    }

    [Fact]
    public void The_rule_matches_a_subcommand_before_its_command()
    {
        var rule = DataActions.RedisCommands;

        Assert.Equal(CommandEffect.ReadOnly, rule.Classify(["config", "get", "maxmemory"]));
        Assert.Equal(CommandEffect.Mutating, rule.Classify(["CONFIG", "SET", "maxmemory", "1"]));
        Assert.Equal(CommandEffect.Mutating, rule.Classify(["CONFIG"]));
        Assert.Equal(CommandEffect.Irreversible, rule.Classify(["FLUSHALL", "ASYNC"]));
        Assert.Equal(CommandEffect.Refused, rule.Classify(["KEYS", "*"]));
        Assert.Equal(CommandEffect.Unknown, rule.Classify(Array.Empty<string>()));
    }

    // A rollback runs unattended after something failed: the command rule holds there too, and nothing irreversible.
    private static string SetWithRollback(string rollbackCommand) =>
        "      uses: redis.command\n      with:\n        connection: \"${{ inputs.redis }}\"\n        command: [SET, \"${{ inputs.key }}\", v]\n" +
        $"      rollback:\n        uses: redis.command\n        with:\n          connection: \"${{{{ inputs.redis }}}}\"\n          command: {rollbackCommand}";

    [Fact]
    public void A_rollback_that_deletes_the_key_the_step_wrote_is_accepted()
    {
        Assert.Empty(Diagnostics("mitigate", SetWithRollback("[DEL, \"${{ inputs.key }}\"]")));
    }

    [Theory]
    [InlineData("[FLUSHALL]")]
    [InlineData("[flushdb, async]")]
    [InlineData("[FlushAll, SYNC]")]
    public void A_rollback_that_flushes_is_refused_because_no_one_approves_a_rollback(string command)
    {
        var diagnostics = Diagnostics("mitigate", SetWithRollback(command));

        var rb0340 = Assert.Single(diagnostics);
        Assert.Equal("RB0340", rb0340.Code);
        Assert.Contains("rollback of step 's'", rb0340.Message);
    }

    [Fact]
    public void A_rollback_that_sends_a_refused_command_is_refused()
    {
        Assert.Equal(["RB0322"], Codes(Diagnostics("mitigate", SetWithRollback("[KEYS, \"*\"]"))));
    }

    [Theory]
    [InlineData("[\"${{ inputs.key }}\", x]")]
    [InlineData("[]")]
    [InlineData("\"${{ inputs.key }}\"")]
    public void A_rollback_whose_command_name_is_not_literal_is_refused(string command)
    {
        var diagnostics = Diagnostics("mitigate", SetWithRollback(command));

        Assert.Contains("RB0323", Codes(diagnostics));
        Assert.Contains(diagnostics, d => d.Code == "RB0323" && d.Message.Contains("rollback of step 's'"));
    }

    [Fact]
    public void A_restore_as_a_rollback_is_refused_even_when_the_step_has_an_approval()
    {
        var diagnostics = Diagnostics("mitigate",
            "      uses: redis.command\n      approval: { approvers: [dba] }\n      with:\n        connection: \"${{ inputs.redis }}\"\n        command: [SET, k, v]\n" +
            "      rollback:\n        uses: postgres.restore\n        with:\n          connection: \"${{ inputs.db }}\"\n          path: b.dump\n          database: orders");

        Assert.Contains("RB0340", Codes(diagnostics));
    }
}
