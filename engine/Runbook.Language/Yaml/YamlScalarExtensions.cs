using Runbook.Language.Text;

namespace Runbook.Language.Yaml;

public static class YamlScalarExtensions
{
    public static SourceLocator Locator(this YamlScalar scalar) => new(scalar.Span.Path, scalar.PositionOf);
}
