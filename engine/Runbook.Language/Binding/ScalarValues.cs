using System.Globalization;
using Runbook.Language.Model;
using Runbook.Language.Yaml;

namespace Runbook.Language.Binding;

/// <summary>The YAML 1.2 core schema for plain scalars: what is a boolean, a number, a null.</summary>
internal static class ScalarValues
{
    public static bool TryBool(YamlScalar scalar, out bool value)
    {
        value = false;
        if (scalar.Style != ScalarStyle.Plain)
        {
            return false;
        }

        switch (scalar.Value)
        {
            case "true" or "True" or "TRUE":
                value = true;
                return true;
            case "false" or "False" or "FALSE":
                return true;
            default:
                return false;
        }
    }

    public static bool TryNumber(YamlScalar scalar, out decimal value)
    {
        value = 0;
        return scalar.Style == ScalarStyle.Plain &&
               decimal.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    public static ScalarKind KindOf(YamlScalar scalar) =>
        scalar.IsNull ? ScalarKind.Null
        : TryBool(scalar, out _) ? ScalarKind.Boolean
        : TryNumber(scalar, out _) ? ScalarKind.Number
        : ScalarKind.String;
}
