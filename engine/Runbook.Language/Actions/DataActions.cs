using System.Collections.Immutable;
using O = Runbook.Language.Actions.OutputDescriptor;

namespace Runbook.Language.Actions;

/// <summary>The data actions: PostgreSQL backup and restore (pg_dump, pg_restore), Redis inspection and commands.</summary>
public static class DataActions
{
    private static ParameterDescriptor Req(string name, ParameterType type, string description) => new(name, type, true, description);

    private static ParameterDescriptor Opt(string name, ParameterType type, string description) => new(name, type, false, description);

    /// <summary>
    /// Redis commands that only read. Anything else mutates, including commands Redis adds later, so a read-only
    /// phase admits only what is known to read.
    /// </summary>
    public static ImmutableHashSet<string> RedisReadOnlyCommands { get; } = ImmutableHashSet.Create(StringComparer.Ordinal,
        "GET", "MGET", "STRLEN", "GETRANGE", "SUBSTR", "EXISTS", "TYPE", "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "DBSIZE",
        "INFO", "PING", "ECHO", "TIME", "LASTSAVE", "ROLE", "RANDOMKEY", "SCAN", "SSCAN", "HSCAN", "ZSCAN",
        "HGET", "HMGET", "HGETALL", "HKEYS", "HVALS", "HLEN", "HEXISTS", "HSTRLEN", "HRANDFIELD",
        "LLEN", "LRANGE", "LINDEX", "LPOS", "SCARD", "SMEMBERS", "SISMEMBER", "SMISMEMBER", "SRANDMEMBER", "SINTER", "SUNION", "SDIFF", "SINTERCARD",
        "ZCARD", "ZCOUNT", "ZLEXCOUNT", "ZRANGE", "ZRANGEBYSCORE", "ZRANGEBYLEX", "ZREVRANGE", "ZREVRANGEBYSCORE", "ZREVRANGEBYLEX",
        "ZRANK", "ZREVRANK", "ZSCORE", "ZMSCORE", "ZRANDMEMBER",
        "XLEN", "XRANGE", "XREVRANGE", "XINFO", "XPENDING", "PFCOUNT", "GETBIT", "BITCOUNT", "BITPOS",
        "OBJECT ENCODING", "OBJECT FREQ", "OBJECT IDLETIME", "OBJECT REFCOUNT",
        "MEMORY USAGE", "MEMORY STATS", "MEMORY DOCTOR", "CONFIG GET", "CLIENT LIST", "CLIENT INFO", "CLIENT GETNAME", "CLIENT ID",
        "SLOWLOG GET", "SLOWLOG LEN", "LATENCY LATEST", "LATENCY HISTORY", "LATENCY DOCTOR",
        "CLUSTER INFO", "CLUSTER NODES", "CLUSTER SLOTS", "CLUSTER SHARDS", "CLUSTER KEYSLOT", "CLUSTER COUNTKEYSINSLOT",
        "COMMAND COUNT", "COMMAND INFO", "COMMAND DOCS", "PUBSUB CHANNELS", "PUBSUB NUMSUB", "PUBSUB NUMPAT");

    // The arguments every redis.* action takes, in the order `runbook providers` and the schema list them.
    private static ParameterDescriptor RedisConnection { get; } =
        Req("connection", ParameterType.String, "redis://[user:password@]host:6379[/db] or rediss:// for TLS (a secret input).");

    private static ParameterDescriptor RedisCaFile { get; } =
        Opt("ca_file", ParameterType.String, "PEM file of the CA that issued the server's certificate, trusted instead of the system's roots (rediss:// with a private CA); inside the playbook's folder.") with { IsFile = true };

    private static ParameterDescriptor RedisTimeout { get; } = Opt("timeout", ParameterType.Duration, "Connect and command timeout (default 10s).");

    /// <summary>The rule behind <c>redis.command</c>'s safety: FLUSH* cannot be undone, KEYS and the streaming commands are never sent.</summary>
    public static CommandRule RedisCommands { get; } = new(
        "command",
        RedisReadOnlyCommands,
        ImmutableHashSet.Create(StringComparer.Ordinal, "FLUSHDB", "FLUSHALL", "SCRIPT FLUSH", "FUNCTION FLUSH"),
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["KEYS"] = "KEYS walks every key in one call and blocks the server meanwhile; use SCAN, or redis.delete_keys to delete by pattern",
            ["MONITOR"] = "MONITOR streams every command until the connection closes; a step must end",
            ["SUBSCRIBE"] = "SUBSCRIBE waits for messages until the connection closes; a step must end",
            ["PSUBSCRIBE"] = "PSUBSCRIBE waits for messages until the connection closes; a step must end",
            ["SSUBSCRIBE"] = "SSUBSCRIBE waits for messages until the connection closes; a step must end",
            ["SHUTDOWN"] = "SHUTDOWN stops the server; stop it through its service (service.stop or run:)",
            ["DEBUG"] = "DEBUG can crash or stall the server",
            ["AUTH"] = "the connection authenticates from 'connection'; a password in the command would be printed",
            ["HELLO"] = "the connection sets the protocol itself",
            ["SELECT"] = "the database comes from 'connection' (redis://host:6379/2)",
        }.ToImmutableDictionary(StringComparer.Ordinal));

    public static ImmutableArray<ActionDescriptor> All { get; } =
    [
        new("postgres.backup",
            "Back up a PostgreSQL database with pg_dump (custom format), verified by pg_restore --list before the step succeeds.",
            false,
            [
                Req("connection", ParameterType.String, "postgres://user:password@host:5432/db or key=value (a secret input); the password reaches pg_dump in a 0600 passfile, never on its command line."),
                Req("path", ParameterType.String, "The backup file, or a folder (existing, or written with a trailing /) for <database>-<UTC time>.dump; relative to the playbook's folder."),
                Opt("database", ParameterType.String, "The database to back up (default: the connection's)."),
                Opt("compress", ParameterType.Number, "pg_dump compression level 0-9 (default pg_dump's)."),
                Opt("overwrite", ParameterType.Boolean, "Replace an existing file at path (default false: the step fails instead)."),
            ],
            [O.Text("path"), O.Integer("bytes"), O.Text("sha256"), O.Number("duration"), O.Integer("objects"), O.Text("server_version")],
            "back up {connection} to {path} (pg_dump -Fc)"),
        new("postgres.restore",
            "Restore a pg_dump custom-format backup into a named database with pg_restore --clean --if-exists (irreversible: needs an approval).",
            true,
            [
                Req("connection", ParameterType.String, "postgres://user:password@host:5432/db or key=value (a secret input); the password reaches pg_restore in a 0600 passfile."),
                Req("path", ParameterType.String, "The backup file (pg_dump -Fc), relative to the playbook's folder."),
                Req("database", ParameterType.String, "The database to restore into; it must exist. Its objects that the backup holds are dropped first (--clean --if-exists)."),
                Opt("single_transaction", ParameterType.Boolean, "Restore in one transaction: all or nothing (default true)."),
            ],
            [O.Integer("objects"), O.Integer("tables"), O.Integer("table_data"), O.Integer("indexes"), O.Object("counts"), O.Number("duration")],
            "restore {path} into database {database} (pg_restore --clean --if-exists)")
        {
            Irreversible = true,
        },
        new("redis.info",
            "Read Redis INFO: hit rate, evictions, memory, clients and keyspace as typed numbers.",
            false,
            [
                RedisConnection,
                RedisCaFile,
                RedisTimeout,
            ],
            [
                O.Number("hit_rate"), O.Integer("keyspace_hits"), O.Integer("keyspace_misses"), O.Integer("evicted_keys"), O.Integer("expired_keys"),
                O.Integer("used_memory"), O.Integer("used_memory_peak"), O.Integer("maxmemory"), O.Number("memory_ratio"), O.Text("maxmemory_policy"),
                O.Integer("connected_clients"), O.Integer("blocked_clients"), O.Integer("total_keys"), O.Object("keyspace"),
                O.Text("redis_version"), O.Text("role"), O.Integer("uptime_seconds"), O.Object("sections"),
            ],
            "read INFO from {connection}"),
        new("redis.command",
            "Send one Redis command written as a list of words; read-only commands (GET, TTL, CONFIG GET, …) read, all others mutate, FLUSH* needs an approval.",
            true,
            [
                RedisConnection,
                RedisCaFile,
                Req("command", ParameterType.List, "The command and its arguments as a list ([CONFIG, SET, maxmemory-policy, allkeys-lru]); each item is sent as one argument, never split or parsed. The first word must be literal."),
                RedisTimeout,
            ],
            [O.Json("result")],
            "redis {command}")
        {
            MutatesWhen = RedisCommands,
        },
        new("redis.delete_keys",
            "Delete the keys matching a pattern with SCAN and UNLINK in batches (never KEYS); a dry run counts what would go.",
            true,
            [
                RedisConnection,
                RedisCaFile,
                Req("pattern", ParameterType.String, "A glob pattern (session:*); '*' alone is refused: that is FLUSHDB."),
                Opt("batch_size", ParameterType.Number, "Keys asked of each SCAN and deleted per UNLINK (default 500)."),
                Opt("max_keys", ParameterType.Number, "Fail instead of deleting when more keys than this match (default: no limit)."),
                RedisTimeout,
            ],
            [O.Integer("deleted"), O.Integer("matched")],
            "delete the keys matching {pattern} in {connection} (SCAN + UNLINK)"),
    ];
}
