using System.Text.Json.Serialization;

namespace Runbook.Providers.Gcp.Credentials;

/// <summary>
/// A credentials file as gcloud and Google's consoles write it: a service-account key, an authorized-user file
/// (gcloud auth application-default login), an external-account (workload identity federation) configuration, or an
/// impersonated-service-account file (login --impersonate-service-account). One shape for all: 'type' says which
/// fields matter.
/// </summary>
internal sealed record CredentialFile(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("project_id")] string? ProjectId,
    [property: JsonPropertyName("private_key_id")] string? PrivateKeyId,
    [property: JsonPropertyName("private_key")] string? PrivateKey,
    [property: JsonPropertyName("client_email")] string? ClientEmail,
    [property: JsonPropertyName("token_uri")] string? TokenUri,
    [property: JsonPropertyName("client_id")] string? ClientId,
    [property: JsonPropertyName("client_secret")] string? ClientSecret,
    [property: JsonPropertyName("refresh_token")] string? RefreshToken,
    [property: JsonPropertyName("quota_project_id")] string? QuotaProjectId,
    [property: JsonPropertyName("audience")] string? Audience,
    [property: JsonPropertyName("subject_token_type")] string? SubjectTokenType,
    [property: JsonPropertyName("token_url")] string? TokenUrl,
    [property: JsonPropertyName("service_account_impersonation_url")] string? ServiceAccountImpersonationUrl,
    [property: JsonPropertyName("credential_source")] CredentialSource? CredentialSource,
    [property: JsonPropertyName("workforce_pool_user_project")] string? WorkforcePoolUserProject,
    [property: JsonPropertyName("source_credentials")] CredentialFile? SourceCredentials,
    [property: JsonPropertyName("delegates")] string[]? Delegates);

/// <summary>Where an external account's subject token comes from: a file or a URL (text, or a field of a JSON body).</summary>
internal sealed record CredentialSource(
    [property: JsonPropertyName("file")] string? File,
    [property: JsonPropertyName("url")] string? Url,
    [property: JsonPropertyName("headers")] Dictionary<string, string>? Headers,
    [property: JsonPropertyName("format")] SubjectTokenFormat? Format,
    [property: JsonPropertyName("environment_id")] string? EnvironmentId,
    [property: JsonPropertyName("executable")] System.Text.Json.JsonElement? Executable);

internal sealed record SubjectTokenFormat(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("subject_token_field_name")] string? SubjectTokenFieldName);

/// <summary>An OAuth 2.0 token response (RFC 6749 5.1, RFC 8693 2.2), or its error (5.2).</summary>
internal sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("expires_in")] long? ExpiresIn,
    [property: JsonPropertyName("token_type")] string? TokenType,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("error_description")] string? ErrorDescription);

/// <summary>IAM Credentials generateAccessToken: the request and its answer.</summary>
internal sealed record GenerateAccessTokenRequest(
    [property: JsonPropertyName("scope")] string[] Scope,
    [property: JsonPropertyName("lifetime")] string Lifetime,
    [property: JsonPropertyName("delegates"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string[]? Delegates);

internal sealed record GenerateAccessTokenResponse(
    [property: JsonPropertyName("accessToken")] string? AccessToken,
    [property: JsonPropertyName("expireTime")] DateTimeOffset? ExpireTime);

/// <summary>A Google API error body: {"error": {"code", "message", "status"}}.</summary>
internal sealed record GoogleErrorBody([property: JsonPropertyName("error")] GoogleErrorDetail? Error);

internal sealed record GoogleErrorDetail(
    [property: JsonPropertyName("code")] int? Code,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("status")] string? Status);

/// <summary>The JWT header and claims of the service-account JWT-bearer grant (RFC 7523).</summary>
internal sealed record JwtHeader(
    [property: JsonPropertyName("alg")] string Alg,
    [property: JsonPropertyName("typ")] string Typ,
    [property: JsonPropertyName("kid"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Kid);

internal sealed record JwtClaims(
    [property: JsonPropertyName("iss")] string Iss,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("aud")] string Aud,
    [property: JsonPropertyName("iat")] long Iat,
    [property: JsonPropertyName("exp")] long Exp);

[JsonSerializable(typeof(CredentialFile))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(GenerateAccessTokenRequest))]
[JsonSerializable(typeof(GenerateAccessTokenResponse))]
[JsonSerializable(typeof(GoogleErrorBody))]
[JsonSerializable(typeof(JwtHeader))]
[JsonSerializable(typeof(JwtClaims))]
[JsonSerializable(typeof(System.Text.Json.JsonElement))]
internal sealed partial class CredentialJsonContext : JsonSerializerContext;
