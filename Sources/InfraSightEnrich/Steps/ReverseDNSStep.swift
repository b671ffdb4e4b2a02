import InfraSightCore

/// Adds `remote_hostname` for connect/accept events from a `ReverseDNSResolver`: a cache read on
/// the hot path, never a lookup. The first events for an address go on without a name while the
/// address is resolved in the background; later events for it get the name. Not in the default
/// steps (`--reverse-dns` enables it).
public struct ReverseDNSStep: EnrichmentStep {
    public let name = "reverse-dns"
    /// The cache and background resolver (its `counts` show hits, misses, drops and timeouts).
    public let resolver: ReverseDNSResolver

    public init(resolver: ReverseDNSResolver = ReverseDNSResolver()) { self.resolver = resolver }

    public func apply(_ event: EventView, to enrichment: inout EnrichmentFields) {
        guard event.detailKind == .socket else { return }
        let ip = IPText.text(event.socket.remoteAddr)
        guard !ip.isEmpty else { return }
        let host = resolver.name(for: ip)
        if !host.isEmpty { enrichment.remoteHostname = host }
    }
}
