import NIOConcurrencyHelpers

/// Lookups of runtime metadata that ended without metadata, counted per runtime and reason
/// (`timeout`, `unavailable`, `not_found`, `error`, `no_socket`). The agent publishes them with its
/// stats as `runtime_metadata_miss{<runtime>,<reason>}`: events of such containers keep their id but
/// carry no name, image, labels or pod, and this says why.
public final class RuntimeMetadataMisses: Sendable {
    public enum Reason: String, Sendable, CaseIterable {
        case timeout, unavailable, notFound = "not_found", error, noSocket = "no_socket"
    }

    private let counts = NIOLockedValueBox<[String: UInt64]>([:])

    public init() {}

    /// Counts one miss of `runtime` for `reason`.
    public func count(_ runtime: String, _ reason: Reason) {
        counts.withLockedValue { $0[Self.key(runtime, reason), default: 0] &+= 1 }
    }

    /// The misses of `runtime` for `reason` so far.
    public func value(_ runtime: String, _ reason: Reason) -> UInt64 {
        counts.withLockedValue { $0[Self.key(runtime, reason)] ?? 0 }
    }

    /// Every counter so far, keyed `runtime_metadata_miss{<runtime>,<reason>}`.
    public func snapshot() -> [String: UInt64] {
        counts.withLockedValue { $0 }
    }

    static func key(_ runtime: String, _ reason: Reason) -> String {
        "runtime_metadata_miss{\(runtime),\(reason.rawValue)}"
    }
}
