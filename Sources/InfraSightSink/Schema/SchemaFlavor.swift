import InfraSightClickHouse

/// Which DDL and row encoding a ClickHouse server gets.
///
/// - `legacy`: servers before 20.1 (Debian 12 ships 18.16): `time` is `DateTime` (seconds) and the exact
///   time is in `time_ns`; no TTL, codecs, LowCardinality or deduplication tokens.
/// - `modern`: 20.1 and later: `time` is `DateTime64(9, 'UTC')`, LowCardinality strings, codecs, TTL and the
///   non-replicated deduplication window.
public enum SchemaFlavor: String, Sendable, CaseIterable {
    case legacy, modern

    /// DateTime64 arrived in ClickHouse 20.1.
    public init(version: ClickHouseVersion) {
        self = version.major > 20 || (version.major == 20 && version.minor >= 1) ? .modern : .legacy
    }
}
