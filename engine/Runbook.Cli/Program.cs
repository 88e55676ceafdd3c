using Scriban;
using Scriban.Parsing;
var t = Template.Parse("1 + 2", lexerOptions: new LexerOptions { Mode = ScriptMode.ScriptOnly });
Spectre.Console.AnsiConsole.WriteLine(t.Page?.ToString() ?? "");
var p = new YamlDotNet.Core.Parser(new StringReader("a: 1"));
while (p.MoveNext()) Console.WriteLine(p.Current);
