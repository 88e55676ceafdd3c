namespace Runbook.Language.Diagnostics;

/// <summary>
/// Every diagnostic the language can report. Codes are stable: never renumber, only add.
/// RB00xx file and YAML, RB01xx structure, RB02xx expressions, RB03xx graph and safety, RB04xx import.
/// </summary>
public static class Descriptors
{
    private static DiagnosticDescriptor Error(string code, string title) => new(code, DiagnosticSeverity.Error, title);

    private static DiagnosticDescriptor Warning(string code, string title) => new(code, DiagnosticSeverity.Warning, title);

    // File and YAML.
    public static readonly DiagnosticDescriptor FileUnreadable = Error("RB0001", "File cannot be read");
    public static readonly DiagnosticDescriptor BinaryFile = Error("RB0002", "File is binary, not YAML text");
    public static readonly DiagnosticDescriptor InvalidEncoding = Error("RB0003", "File is not valid UTF-8");
    public static readonly DiagnosticDescriptor MisEncodedText = Warning("RB0004", "Text looks mis-encoded (UTF-8 read as a legacy code page)");
    public static readonly DiagnosticDescriptor EmptyFile = Error("RB0005", "File is empty");
    public static readonly DiagnosticDescriptor YamlSyntax = Error("RB0006", "YAML syntax error");
    public static readonly DiagnosticDescriptor TabIndentation = Error("RB0007", "Tab used for indentation");
    public static readonly DiagnosticDescriptor DuplicateKey = Error("RB0008", "Duplicate key in a mapping");
    public static readonly DiagnosticDescriptor AliasExpansion = Error("RB0009", "Aliases expand beyond the limit");
    public static readonly DiagnosticDescriptor NestingTooDeep = Error("RB0010", "Nesting too deep");
    public static readonly DiagnosticDescriptor FileTooLarge = Error("RB0011", "File too large");
    public static readonly DiagnosticDescriptor MultipleDocuments = Error("RB0012", "More than one YAML document");
    public static readonly DiagnosticDescriptor UnknownAnchor = Error("RB0013", "Alias to an unknown anchor");

    // Structure.
    public static readonly DiagnosticDescriptor UnknownKey = Error("RB0100", "Unknown key");
    public static readonly DiagnosticDescriptor WrongType = Error("RB0101", "Value has the wrong type");
    public static readonly DiagnosticDescriptor MissingKey = Error("RB0102", "Required key missing");
    public static readonly DiagnosticDescriptor InvalidValue = Error("RB0103", "Value not allowed");
    public static readonly DiagnosticDescriptor InvalidDuration = Error("RB0104", "Invalid duration");
    public static readonly DiagnosticDescriptor InvalidIdentifier = Error("RB0105", "Invalid identifier");
    public static readonly DiagnosticDescriptor DuplicateStepId = Error("RB0106", "Duplicate step id");
    public static readonly DiagnosticDescriptor UnknownStep = Error("RB0107", "Reference to an unknown step");
    public static readonly DiagnosticDescriptor UnsupportedVersion = Error("RB0108", "Unsupported apiVersion or kind");
    public static readonly DiagnosticDescriptor StepBodyConflict = Error("RB0109", "Step needs exactly one of run or uses");
    public static readonly DiagnosticDescriptor UnknownAction = Error("RB0110", "Unknown action");
    public static readonly DiagnosticDescriptor UnknownArgument = Error("RB0111", "Unknown action argument");
    public static readonly DiagnosticDescriptor MissingArgument = Error("RB0112", "Required action argument missing");
    public static readonly DiagnosticDescriptor InvalidInput = Error("RB0114", "Invalid input definition");
    public static readonly DiagnosticDescriptor EmptyPlaybook = Warning("RB0115", "Playbook has no steps");
    public static readonly DiagnosticDescriptor RunOnlyKey = Error("RB0116", "Key applies only to run steps");

    // Expressions.
    public static readonly DiagnosticDescriptor ExpressionSyntax = Error("RB0200", "Expression syntax error");
    public static readonly DiagnosticDescriptor UnterminatedExpression = Error("RB0201", "Unterminated ${{ expression");
    public static readonly DiagnosticDescriptor ExpressionStatement = Error("RB0202", "Only expressions are allowed inside ${{ }}");
    public static readonly DiagnosticDescriptor UnknownInput = Error("RB0203", "Reference to an unknown input");
    public static readonly DiagnosticDescriptor UnknownStepInExpression = Error("RB0204", "Expression references an unknown step");
    public static readonly DiagnosticDescriptor StepNotYetCompleted = Error("RB0205", "Expression references a step that cannot have completed yet");
    public static readonly DiagnosticDescriptor UnknownFunction = Error("RB0206", "Unknown function");
    public static readonly DiagnosticDescriptor WrongArgumentCount = Error("RB0207", "Wrong number of arguments");
    public static readonly DiagnosticDescriptor TypeMismatch = Error("RB0208", "Type mismatch in expression");
    public static readonly DiagnosticDescriptor UnknownOutput = Error("RB0209", "Reference to an output the step does not produce");
    public static readonly DiagnosticDescriptor UnknownContext = Error("RB0210", "Unknown name in expression");
    public static readonly DiagnosticDescriptor HyphenInExpression = Error("RB0211", "Hyphenated name in expression");
    public static readonly DiagnosticDescriptor InvalidFormatString = Error("RB0212", "Invalid format() string");
    public static readonly DiagnosticDescriptor FormatArgumentMissing = Error("RB0213", "format() placeholder without an argument");

    // Graph and safety.
    public static readonly DiagnosticDescriptor Cycle = Error("RB0300", "Cycle in step dependencies");
    public static readonly DiagnosticDescriptor MutationInReadOnlyPhase = Error("RB0301", "Mutating step in a read-only phase");
    public static readonly DiagnosticDescriptor MutationWithoutRollback = Warning("RB0302", "Mutating step without rollback");
    public static readonly DiagnosticDescriptor IrreversibleWithoutApproval = Error("RB0303", "Irreversible step without approval");
    public static readonly DiagnosticDescriptor ApprovalOnReadOnlyStep = Warning("RB0304", "Approval on a step that does not mutate");
    public static readonly DiagnosticDescriptor UnusedInput = Warning("RB0305", "Input declared and never used");
    public static readonly DiagnosticDescriptor SecretMayBePrinted = Warning("RB0306", "Secret used where it may be printed");
    public static readonly DiagnosticDescriptor ActionNotSupportedByProvider = Error("RB0307", "Action not supported by the provider");
    public static readonly DiagnosticDescriptor NeedsLaterStep = Error("RB0308", "needs names a step that runs later");
    public static readonly DiagnosticDescriptor ValueWhereShellRunsCode = Error("RB0310", "Value where the shell runs code");
    public static readonly DiagnosticDescriptor ValueInShellArithmetic = Warning("RB0311", "Value where the shell evaluates arithmetic");
    public static readonly DiagnosticDescriptor ExpressionInCode = Error("RB0312", "Expression inside an argument that is code");
    public static readonly DiagnosticDescriptor FileOutsidePlaybookFolder = Error("RB0313", "File argument outside the playbook's folder");
    public static readonly DiagnosticDescriptor SecretInNotification = Warning("RB0315", "Secret flows into a notification's text");
    public static readonly DiagnosticDescriptor UndeclaredEnvironmentVariable = Error("RB0316", "Environment variable not declared");

    // Fan-out (for_each).
    public static readonly DiagnosticDescriptor ForEachNotAList = Error("RB0117", "for_each is not a list or a mapping");
    public static readonly DiagnosticDescriptor InvalidItemName = Error("RB0118", "Invalid or shadowing item name (as:)");
    public static readonly DiagnosticDescriptor FanOutKeyWithoutForEach = Error("RB0119", "Fan-out key without for_each");
    public static readonly DiagnosticDescriptor ItemOutsideForEach = Error("RB0214", "Item name used outside a for_each step");
    public static readonly DiagnosticDescriptor ItemMemberUnknown = Error("RB0215", "Item has no such member");

    // Providers a playbook is for (providers:).
    public static readonly DiagnosticDescriptor UnknownProvider = Error("RB0120", "Unknown provider");
    public static readonly DiagnosticDescriptor ProviderListedTwice = Error("RB0121", "Provider listed twice");
    public static readonly DiagnosticDescriptor SubPlaybookNotForProvider = Error("RB0317", "Sub-playbook not for every provider of the playbook");

    // Typed outputs.
    public static readonly DiagnosticDescriptor UnknownOutputType = Error("RB0122", "Unknown output type");
    public static readonly DiagnosticDescriptor TextOutputUsedAsNumber = Warning("RB0216", "Text output used as a number");
    public static readonly DiagnosticDescriptor OutputComparedWithWrongType = Warning("RB0217", "Typed output compared with a value of another type");
    public static readonly DiagnosticDescriptor SkippableOutputAsRequiredArgument = Warning("RB0318", "Output of a step that may be skipped passed as a required argument");

    // Metrics and alerts actions.
    public static readonly DiagnosticDescriptor InvalidThreshold = Error("RB0319", "expect: is not a threshold");
    public static readonly DiagnosticDescriptor QueryPlaceholderMismatch = Error("RB0320", "PromQL placeholder and labels: do not match");

    // Data actions (PostgreSQL, Redis).
    public static readonly DiagnosticDescriptor CommandMutatesDespiteDeclaration = Error("RB0321", "Step says it does not mutate, but its command does");
    public static readonly DiagnosticDescriptor CommandRefused = Error("RB0322", "Command the action never sends");
    public static readonly DiagnosticDescriptor CommandNameNotLiteral = Error("RB0323", "Command name is an expression");

    // TLS and exec actions.

    // Kubernetes workloads (StatefulSets, HPA): RB0326-RB0329.
    public static readonly DiagnosticDescriptor ArgumentNotForProvider = Error("RB0326", "Argument means nothing on the provider");
    public static readonly DiagnosticDescriptor InvalidHpaPolicy = Error("RB0327", "hpa: is not adjust or refuse");

    // Engine gaps the playbook library hit (issue 22): RB0328-RB0329, RB0331-RB0338 (as they are needed).
    public static readonly DiagnosticDescriptor ApprovalStepAskedTwice = Error("RB0328", "Approval step with two messages");

    // Kubernetes objects (kubernetes.patch, apply, top): RB0330-RB0334.
    public static readonly DiagnosticDescriptor KubernetesSecretObject = Error("RB0330", "Kubernetes action on a Secret");

    // Playbook library: RB0335-RB0338.

    // Action safety (lead): RB0340-RB0341.
    public static readonly DiagnosticDescriptor IrreversibleRollback = Error("RB0340", "Rollback does what cannot be undone");

    // Import (runbook import): RB0400-RB0419.
    public static readonly DiagnosticDescriptor ImportUnreadable = Error("RB0400", "Runbook cannot be read");
    public static readonly DiagnosticDescriptor ImportBinary = Error("RB0401", "Runbook is binary, not markdown text");
    public static readonly DiagnosticDescriptor ImportInvalidEncoding = Error("RB0402", "Runbook is not valid UTF-8");
    public static readonly DiagnosticDescriptor ImportEmpty = Error("RB0403", "Runbook is empty");
    public static readonly DiagnosticDescriptor ImportNotMarkdown = Error("RB0404", "Not a markdown runbook");
    public static readonly DiagnosticDescriptor ImportNoCommands = Error("RB0405", "No commands to import");
    public static readonly DiagnosticDescriptor ImportRepairedEncoding = Warning("RB0406", "Mis-encoded text repaired");
    public static readonly DiagnosticDescriptor ImportUnrepairableEncoding = Error("RB0407", "Mis-encoded text cannot be repaired");
    public static readonly DiagnosticDescriptor ImportOutputExists = Error("RB0408", "Draft would overwrite an existing file");
    public static readonly DiagnosticDescriptor ImportOutputUnwritable = Error("RB0409", "Draft cannot be written");
    public static readonly DiagnosticDescriptor ImportDraftInvalid = Error("RB0410", "Draft does not validate");
    public static readonly DiagnosticDescriptor ImportTooLarge = Error("RB0411", "Runbook too large");

    public static IReadOnlyList<DiagnosticDescriptor> All { get; } =
    [
        FileUnreadable, BinaryFile, InvalidEncoding, MisEncodedText, EmptyFile, YamlSyntax, TabIndentation,
        DuplicateKey, AliasExpansion, NestingTooDeep, FileTooLarge, MultipleDocuments, UnknownAnchor,
        UnknownKey, WrongType, MissingKey, InvalidValue, InvalidDuration, InvalidIdentifier, DuplicateStepId,
        UnknownStep, UnsupportedVersion, StepBodyConflict, UnknownAction, UnknownArgument, MissingArgument,
        InvalidInput, EmptyPlaybook, RunOnlyKey,
        ExpressionSyntax, UnterminatedExpression, ExpressionStatement, UnknownInput, UnknownStepInExpression,
        StepNotYetCompleted, UnknownFunction, WrongArgumentCount, TypeMismatch, UnknownOutput, UnknownContext,
        HyphenInExpression, InvalidFormatString, FormatArgumentMissing,
        Cycle, MutationInReadOnlyPhase, MutationWithoutRollback, IrreversibleWithoutApproval, ApprovalOnReadOnlyStep,
        UnusedInput, SecretMayBePrinted, ActionNotSupportedByProvider, NeedsLaterStep,
        ValueWhereShellRunsCode, ValueInShellArithmetic, ExpressionInCode, FileOutsidePlaybookFolder,
        SecretInNotification, UndeclaredEnvironmentVariable,

        // fan-out
        ForEachNotAList, InvalidItemName, FanOutKeyWithoutForEach, ItemOutsideForEach, ItemMemberUnknown,

        // providers
        UnknownProvider, ProviderListedTwice, SubPlaybookNotForProvider,

        // typed outputs
        UnknownOutputType, TextOutputUsedAsNumber, OutputComparedWithWrongType, SkippableOutputAsRequiredArgument,

        // metrics and alerts
        InvalidThreshold, QueryPlaceholderMismatch,

        // data
        CommandMutatesDespiteDeclaration, CommandRefused, CommandNameNotLiteral,

        // tls and exec

        // kubernetes workloads
        ArgumentNotForProvider, InvalidHpaPolicy,

        // engine gaps
        ApprovalStepAskedTwice,

        // kubernetes objects
        KubernetesSecretObject,

        // playbook library

        // action safety
        IrreversibleRollback,

        // import
        ImportUnreadable, ImportBinary, ImportInvalidEncoding, ImportEmpty, ImportNotMarkdown, ImportNoCommands,
        ImportRepairedEncoding, ImportUnrepairableEncoding, ImportOutputExists, ImportOutputUnwritable, ImportDraftInvalid, ImportTooLarge,
    ];
}
