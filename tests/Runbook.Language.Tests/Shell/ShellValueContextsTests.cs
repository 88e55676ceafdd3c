using FsCheck;
using FsCheck.Fluent;
using Runbook.Language.Shell;

namespace Runbook.Language.Tests.Shell;

/// <summary>
/// Where the reader of scripts says a variable's value is evaluated again. Each row is a script in which V is a
/// value from outside, and what the shell does with V there; the real shells prove the same rows in
/// Runbook.Execution.Tests (ShellContextMatrixTests).
/// </summary>
public sealed class ShellValueContextsTests
{
    public static TheoryData<string, ShellValueDemand> Posix() => new()
    {
        // data
        { "echo \"$V\"", ShellValueDemand.Data },
        { "echo $V", ShellValueDemand.Data },
        { "printf '%s\\n' \"${V}\" > out", ShellValueDemand.Data },
        { "[[ \"$V\" == prod ]] && echo yes", ShellValueDemand.Data },
        { "[ \"$V\" -eq 1 ]", ShellValueDemand.Data },
        { "case \"$V\" in a) echo a ;; *) echo b ;; esac", ShellValueDemand.Data },
        { "x=\"$V\"; echo \"$x\"", ShellValueDemand.Data },
        { "sh -c 'echo \"$1\"' sh \"$V\"", ShellValueDemand.Data },
        { "bash -c 'printf %s \"$1\"' _ \"$V\"", ShellValueDemand.Data },
        { "cat <<EOF\n$V\nEOF", ShellValueDemand.Data },
        { "cat <<'EOF'\n$V\nEOF\necho ok", ShellValueDemand.Data },
        { "sudo -u \"$V\" systemctl status x", ShellValueDemand.Data },
        { "timeout \"$V\" sleep 1", ShellValueDemand.Data },
        { "# eval \"$V\"\necho ok", ShellValueDemand.Data },
        { "echo 'eval \"$V\"'", ShellValueDemand.Data },
        { "declare -A m; echo \"${m[x]}\" \"$V\"", ShellValueDemand.Data },
        { "grep -q x <<< \"$V\"", ShellValueDemand.Data },
        { "echo \"${V:-default}\" \"${V#x}\" \"${#V}\"", ShellValueDemand.Data },
        { "f() { echo \"$1\"; }\nf \"$V\"", ShellValueDemand.Data },

        // arithmetic: an integer or nothing
        { "if (( V > 0 )); then echo; fi", ShellValueDemand.Integer },
        { "if (( $V > 0 )); then echo; fi", ShellValueDemand.Integer },
        { "if (( \"${V}\" > 0 )); then echo; fi", ShellValueDemand.Integer },
        { "echo $(( \"$V\" + 1 ))", ShellValueDemand.Integer },
        { "echo \"$(( V * 2 ))\"", ShellValueDemand.Integer },
        { "echo $[ $V + 1 ]", ShellValueDemand.Integer },
        { "[[ \"$V\" -gt 0 ]]", ShellValueDemand.Integer },
        { "[[ 0 -lt $V ]]", ShellValueDemand.Integer },
        { "[[ -n x && V -ge 1 ]]", ShellValueDemand.Integer },
        { "let \"x = $V\"", ShellValueDemand.Integer },
        { "let x=V+1", ShellValueDemand.Integer },
        { "declare -i n=\"$V\"", ShellValueDemand.Integer },
        { "local -i n; n=\"$V\"", ShellValueDemand.Integer },
        { "typeset -i n=$V", ShellValueDemand.Integer },
        { "export -i n=\"$V\"", ShellValueDemand.Integer },
        { "arr=(a b); echo \"${arr[$V]}\"", ShellValueDemand.Integer },
        { "arr[$V]=1", ShellValueDemand.Integer },
        { "s=abcdef; echo \"${s:$V}\" \"${s:1:$V}\"", ShellValueDemand.Integer },
        { "n=\"$V\"; if (( n > 0 )); then echo; fi", ShellValueDemand.Integer },
        { "n=$V; m=$n; echo $(( m + 1 ))", ShellValueDemand.Integer },
        { "f() { (( $1 > 0 )); }\nf \"$V\"", ShellValueDemand.Integer },
        { "for i in \"$V\"; do echo $(( i + 1 )); done", ShellValueDemand.Integer },
        { "read -r n <<< \"$V\"; echo $(( n ))", ShellValueDemand.Integer },
        { "for (( i = 0; i < V; i++ )); do :; done", ShellValueDemand.Integer },
        { "x=V; echo $(( x ))", ShellValueDemand.Integer },
        { "echo $(( $(echo \"$V\") + 1 ))", ShellValueDemand.Integer },
        { "(( \\\nV ))", ShellValueDemand.Integer },

        // code: no value is safe
        { "eval \"$V\"", ShellValueDemand.Code },
        { "eval \"echo $V\"", ShellValueDemand.Code },
        { "ev\\\nal \"$V\"", ShellValueDemand.Code },
        { "'eval' \"$V\"", ShellValueDemand.Code },
        { "e\\val \"$V\"", ShellValueDemand.Code },
        { "source \"$V\"", ShellValueDemand.Code },
        { ". \"$V\"", ShellValueDemand.Code },
        { "bash -c \"$V\"", ShellValueDemand.Code },
        { "sh -c \"echo $V\"", ShellValueDemand.Code },
        { "sh -ec \"$V\"", ShellValueDemand.Code },
        { "/bin/sh -c 'echo '\"$V\"", ShellValueDemand.Code },
        { "zsh -c \"$V\"", ShellValueDemand.Code },
        { "bash \"$V\"", ShellValueDemand.Code },
        { "echo \"$V\" | sh", ShellValueDemand.Code },
        { "printf '%s' \"$V\" | bash -s", ShellValueDemand.Code },
        { "bash <<EOF\necho $V\nEOF", ShellValueDemand.Code },
        { "sh <<< \"$V\"", ShellValueDemand.Code },
        { "xargs sh -c 'echo {}' <<< \"$V\"", ShellValueDemand.Code },
        { "sudo sh -c \"$V\"", ShellValueDemand.Code },
        { "sudo -u root bash -c \"$V\"", ShellValueDemand.Code },
        { "timeout 5 sh -c \"$V\"", ShellValueDemand.Code },
        { "env FOO=1 bash -c \"$V\"", ShellValueDemand.Code },
        { "su -c \"$V\" root", ShellValueDemand.Code },
        { "ssh host \"$V\"", ShellValueDemand.Code },
        { "ssh host ls \"$V\"", ShellValueDemand.Code },
        { "kubectl exec pod -- sh -c \"$V\"", ShellValueDemand.Code },
        { "find . -exec sh -c \"$V\" \\;", ShellValueDemand.Code },
        { "trap \"$V\" EXIT", ShellValueDemand.Code },
        { "alias x=\"$V\"", ShellValueDemand.Code },
        { "printf -v \"$V\" x", ShellValueDemand.Code },
        { "read \"$V\" <<< 1", ShellValueDemand.Code },
        { "[[ -v $V ]]", ShellValueDemand.Code },
        { "test -v \"$V\"", ShellValueDemand.Code },
        { "[ -v \"$V\" ]", ShellValueDemand.Code },
        { "[ \"$OP\" \"$V\" ]", ShellValueDemand.Code },
        { "declare \"$V\"", ShellValueDemand.Code },
        { "declare -n ref=\"$V\"", ShellValueDemand.Code },
        { "echo \"${!V}\"", ShellValueDemand.Code },
        { "echo \"${V@P}\"", ShellValueDemand.Code },
        { "\"$V\" --version", ShellValueDemand.Code },
        { "$V", ShellValueDemand.Code },
        { "exec \"$V\"", ShellValueDemand.Code },
        { "command \"$V\"", ShellValueDemand.Code },
        { "x=\"$V\"; eval \"$x\"", ShellValueDemand.Code },
        { "f() { eval \"$1\"; }\nf \"$V\"", ShellValueDemand.Code },
        { "eval \"$(echo \"$V\")\"", ShellValueDemand.Code },
        { "eval `echo \"$V\"`", ShellValueDemand.Code },
        { "source <(echo \"$V\")", ShellValueDemand.Code },
        { "BASH_ENV=\"$V\" bash script.sh", ShellValueDemand.Code },
        { "export PS4=\"$V\"", ShellValueDemand.Code },
        { "python3 -c \"$V\"", ShellValueDemand.Code },
        { "perl -e \"$V\"", ShellValueDemand.Code },
        { "awk \"$V\" file", ShellValueDemand.Code },
        { "sed \"$V\" file", ShellValueDemand.Code },
        { "watch echo \"$V\"", ShellValueDemand.Code },
        { "if true; then\n  eval \"$V\"\nfi", ShellValueDemand.Code },
        { "while read -r l; do eval \"$l\"; done <<< \"$V\"", ShellValueDemand.Code },
        { "x=$( (eval \"$V\") )", ShellValueDemand.Code },
        { "cat <<EOF; eval \"$V\"\nbody\nEOF", ShellValueDemand.Code },
        { "echo \"a\" \\\n  && eval \"$V\"", ShellValueDemand.Code },
        { "case x in x) eval \"$V\" ;; esac", ShellValueDemand.Code },
        { "echo $( eval \"$V\" )", ShellValueDemand.Code },
        { "mapfile -C \"$V\" arr < /dev/null", ShellValueDemand.Code },
    };

    [Theory]
    [MemberData(nameof(Posix))]
    public void The_reader_finds_what_the_shell_does_with_a_value(string script, ShellValueDemand expected)
    {
        var analysis = ShellValueContexts.Analyze(script, "bash");

        Assert.Equal(expected, ShellValueContexts.DemandOn(analysis, "V")?.Demand ?? ShellValueDemand.Data);
    }

    public static TheoryData<string, ShellValueDemand> PowerShell() => new()
    {
        { "Write-Output $env:V", ShellValueDemand.Data },
        { "if ([int]$env:V -gt 0) { 'yes' }", ShellValueDemand.Data },
        { "Write-Output \"value: $($env:V)\"", ShellValueDemand.Data },
        { "Invoke-Expression $env:V", ShellValueDemand.Code },
        { "iex \"echo $($env:V)\"", ShellValueDemand.Code },
        { "$env:V | iex", ShellValueDemand.Code },
        { "& ([scriptblock]::Create($env:V))", ShellValueDemand.Code },
        { "$x = $env:V\nInvoke-Expression $x", ShellValueDemand.Code },
        { "pwsh -c $env:V", ShellValueDemand.Code },
        { "bash -c \"$($env:V)\"", ShellValueDemand.Code },
        { "& $env:V", ShellValueDemand.Code },
        { "if ($true) {\n  Invoke-Expression $env:V\n}", ShellValueDemand.Code },
    };

    [Theory]
    [MemberData(nameof(PowerShell))]
    public void The_reader_finds_what_powershell_does_with_a_value(string script, ShellValueDemand expected)
    {
        var analysis = ShellValueContexts.Analyze(script, "pwsh");

        Assert.Equal(expected, ShellValueContexts.DemandOn(analysis, "V")?.Demand ?? ShellValueDemand.Data);
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("42", true)]
    [InlineData("-7", true)]
    [InlineData("999999999999999999", true)]
    [InlineData("9999999999999999999", false)]
    [InlineData("08", false)]
    [InlineData("010", false)]
    [InlineData("0x1F", false)]
    [InlineData("2#101", false)]
    [InlineData("+5", false)]
    [InlineData(" 5", false)]
    [InlineData("5\n", false)]
    [InlineData("a[$(touch M)]", false)]
    [InlineData("", false)]
    [InlineData("١٢", false)]
    public void Only_a_plain_decimal_integer_counts_as_an_integer(string value, bool integer) =>
        Assert.Equal(integer, ShellValueContexts.IsIntegerLiteral(value));
}

/// <summary>The reader must end, and never throw, whatever text it is given: validate reads every script.</summary>
public sealed class ShellValueContextsRobustnessTests
{
    private static readonly string[] Pieces =
    [
        "$", "(", ")", "((", "))", "[", "]", "[[", "]]", "{", "}", "${", "$(", "$((", "$[", "`", "'", "\"", "\\", "\n", "\\\n", ";", ";;", "&", "|", "<", ">", "<<",
        "<<-", "<<<", "EOF", "#", " ", "\t", "=", "+=", "-eq", "-v", "!", "@", "*", ":", "case", "in", "esac", "for", "do", "done", "if", "fi", "eval", "sh", "-c",
        "declare", "-i", "let", "read", "V", "x", "1", "a[", "@P", "$'", "<(", "function", "f()", "$V", "${V", "$env:V", "iex", "@'", "'@", "<#", "#>", "`n",
    ];

    [FsCheck.Xunit.Property(MaxTest = 2000)]
    public Property The_reader_ends_and_never_throws_on_any_text() =>
        Prop.ForAll(
            Gen.ArrayOf(Gen.Elements(Pieces)).Select(parts => string.Concat(parts)).ToArbitrary(),
            Gen.Elements("bash", "sh", "pwsh").ToArbitrary(),
            (script, shell) =>
            {
                var analysis = Task.Run(() => ShellValueContexts.Analyze(script, shell));
                return analysis.Wait(TimeSpan.FromSeconds(5));
            });

    [Fact]
    public void A_script_nested_too_deep_to_follow_makes_every_value_code()
    {
        var script = string.Concat(Enumerable.Repeat("$(", 200)) + "echo \"$V\"" + new string(')', 200);

        var analysis = ShellValueContexts.Analyze(script, "bash");

        Assert.Equal(ShellValueDemand.Code, ShellValueContexts.DemandOn(analysis, "ANYTHING")?.Demand);
    }
}
