using Runbook.Tests;

namespace Runbook.Execution.Tests.Support;

/// <summary>One Prometheus and Alertmanager for every metrics test class (their startup is the slow part).</summary>
[CollectionDefinition(Name)]
public sealed class MetricsCollection : ICollectionFixture<MetricsStack>
{
    public const string Name = "Prometheus and Alertmanager";
}
