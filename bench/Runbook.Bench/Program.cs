using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Runbook.Bench.LanguageBenchmarks).Assembly).Run(args);
