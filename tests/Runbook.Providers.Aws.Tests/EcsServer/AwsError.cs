namespace Runbook.Providers.Aws.Tests.EcsServer;

/// <summary>An error answer: the shape name that goes in <c>__type</c> and <c>x-amzn-ErrorType</c>, the HTTP status, the message.</summary>
public sealed record AwsError(string Type, int Status, string Message);

/// <summary>Thrown inside an operation to answer with an AWS error.</summary>
internal sealed class AwsErrorException(AwsError error) : Exception(error.Message)
{
    public AwsError Error { get; } = error;

    public static AwsErrorException Client(string type, string message) => new(new AwsError(type, 400, message));
}
