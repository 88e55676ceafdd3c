using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Runbook.Providers.Azure.Credentials;

/// <summary>
/// A managed identity endpoint's answer. Both protocols send expires_on (and IMDS expires_in) as strings of
/// seconds; numbers are read too.
/// </summary>
internal sealed record ManagedIdentityResponse(
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("expires_on"), JsonConverter(typeof(StringOrNumber))] string? ExpiresOn,
    [property: JsonPropertyName("expires_in"), JsonConverter(typeof(StringOrNumber))] string? ExpiresIn,
    [property: JsonPropertyName("resource")] string? Resource,
    [property: JsonPropertyName("token_type")] string? TokenType);

/// <summary>An OAuth error body, as Entra ID and the managed identity endpoints send it.</summary>
internal sealed record OAuthError(
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("error_description")] string? ErrorDescription);

/// <summary>What `az account get-access-token --output json` prints (expires_on since az 2.54; expiresOn is local time).</summary>
internal sealed record AzCliToken(
    [property: JsonPropertyName("accessToken")] string? AccessToken,
    [property: JsonPropertyName("expires_on")] long? ExpiresOnEpoch,
    [property: JsonPropertyName("expiresOn")] string? ExpiresOn,
    [property: JsonPropertyName("tenant")] string? Tenant,
    [property: JsonPropertyName("subscription")] string? Subscription);

[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(ManagedIdentityResponse))]
[JsonSerializable(typeof(OAuthError))]
[JsonSerializable(typeof(AzCliToken))]
internal sealed partial class TokenJson : JsonSerializerContext;

/// <summary>A value some endpoints send as a string and others as a number; kept as its text.</summary>
internal sealed class StringOrNumber : JsonConverter<string?>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => reader.TryGetInt64(out var whole) ? whole.ToString(CultureInfo.InvariantCulture) : reader.GetDouble().ToString(CultureInfo.InvariantCulture),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"expected a string or a number, found {reader.TokenType}"),
    };

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
