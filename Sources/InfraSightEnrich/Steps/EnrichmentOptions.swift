/// Configuration of the steps that need some (sensitive paths, service table, reverse DNS), passed
/// to `EnrichmentPipeline(names:options:)`. Steps without configuration ignore it.
public struct EnrichmentOptions: Sendable {
    /// Patterns file for `sensitive` (`SensitivePathMatcher` syntax); nil uses the built-in list.
    /// A file replaces the built-in list entirely.
    public var sensitivePathsFile: String?
    /// `/etc/services`-format file extending the built-in service table once at start; nil for the
    /// built-in table only. A missing file is ignored.
    public var servicesFile: String? = "/etc/services"
    /// Cache, queue and timeout of `reverse-dns`.
    public var reverseDNS = ReverseDNSResolver.Options()

    public init() {}
}
