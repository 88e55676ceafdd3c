namespace Runbook.Execution.Journal;

/// <summary>The journal cannot be opened or written; the message says where and how to fix it.</summary>
public sealed class JournalException(string message, Exception? inner = null) : Exception(message, inner);
