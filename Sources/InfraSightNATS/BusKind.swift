import Foundation

/// Which message bus a `--brokers` value names, so every stage can choose its client from the URL alone.
///
/// - `nats://host:port[,host:port...]` and `tls://host:port[,...]` select NATS JetStream;
/// - `kafka://host:port[,...]` or a bare `host:port[,...]` list (what `--brokers` always meant) select Kafka.
///
/// Any other scheme is refused rather than guessed, so a typo never silently picks a bus.
public enum BusKind: String, Sendable, Equatable, CaseIterable {
    case kafka
    case jetstream

    /// The bus a `--brokers` value selects; throws `NATSError` (kind `.configuration`) for an empty value
    /// or an unknown scheme.
    public static func of(brokers: String) throws -> BusKind {
        let entries = brokers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let first = entries.first else {
            throw NATSError.configuration("--brokers is empty: give host:port (Kafka) or nats://host:port (JetStream)")
        }
        let kind = try kind(of: first, default: nil)
        // Every entry must name the same bus (a later entry without a scheme inherits the first one's).
        for entry in entries.dropFirst() where try Self.kind(of: entry, default: kind) != kind {
            throw NATSError.configuration("--brokers \(brokers) mixes Kafka and NATS servers; give one bus")
        }
        return kind
    }

    /// Strips `kafka://` from each entry: librdkafka's `bootstrap.servers` takes a bare `host:port` list.
    public static func kafkaBootstrapServers(_ brokers: String) -> String {
        brokers.split(separator: ",").map { entry -> String in
            let e = entry.trimmingCharacters(in: .whitespaces)
            return e.lowercased().hasPrefix("kafka://") ? String(e.dropFirst("kafka://".count)) : e
        }.joined(separator: ",")
    }

    private static func kind(of entry: String, default: BusKind?) throws -> BusKind {
        guard let range = entry.range(of: "://") else { return `default` ?? .kafka }
        switch entry[..<range.lowerBound].lowercased() {
        case "nats", "tls": return .jetstream
        case "kafka": return .kafka
        case let scheme:
            throw NATSError.configuration("--brokers \(entry): unknown scheme \"\(scheme)://\"; use host:port or kafka:// "
                                          + "for Kafka, nats:// or tls:// for NATS JetStream")
        }
    }
}
