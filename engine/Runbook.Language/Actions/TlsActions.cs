using System.Collections.Immutable;
using O = Runbook.Language.Actions.OutputDescriptor;

namespace Runbook.Language.Actions;

/// <summary>tls.check: what certificate an endpoint serves, and whether a client would accept it.</summary>
public static class TlsActions
{
    private static ParameterDescriptor Opt(string name, ParameterType type, string description) => new(name, type, false, description);

    public static ImmutableArray<ActionDescriptor> All { get; } =
    [
        new("tls.check", "Connect with TLS and report the served certificate: days left, issuer, names, whether the chain validates (read-only).", false,
            [
                new("host", ParameterType.String, true, "Host name or IP address to connect to."),
                Opt("port", ParameterType.Number, "TCP port (default 443)."),
                Opt("sni", ParameterType.String, "Server name sent in the handshake and checked against the certificate (default: host)."),
                Opt("timeout", ParameterType.Duration, "Give up on connect and handshake after this long (default 10s)."),
                Opt("min_days", ParameterType.Number, "Fail the step when the leaf certificate expires in fewer days than this."),
                Opt("expect_valid", ParameterType.Boolean, "Fail the step when the chain does not validate, the name does not match or the leaf has expired (default true)."),
                Opt("ca_file", ParameterType.String, "PEM file of the CA certificate(s) to trust instead of the system's roots (a private CA); inside the playbook's folder.") with { IsFile = true },
            ],
            [
                O.Integer("days_left"), O.Text("not_after"), O.Text("issuer"), O.Text("subject"), O.List("sans"), O.Boolean("name_matches"),
                O.Boolean("chain_valid"), O.List("chain"), O.Text("protocol"), O.List("errors"),
            ],
            "check the TLS certificate of {host}:{port} (at least {min_days} days left)"),
    ];
}
