import InfraSightCore

/// Sets `sensitive = true` when the event's path — `OpenDetail.path`, `ChmodDetail.path` or
/// `ExecDetail.filename` — matches the sensitive-path patterns (`SensitivePathMatcher`: the
/// built-in list, or a patterns file from `--sensitive-paths`). Opens with write access or
/// creating/truncating/appending flags and all chmods count as modifications for `write` patterns.
public struct SensitivePathStep: EnrichmentStep {
    public let name = "sensitive"
    let matcher: SensitivePathMatcher

    public init(matcher: SensitivePathMatcher = .defaults) { self.matcher = matcher }

    public func apply(_ event: EventView, to enrichment: inout EnrichmentFields) {
        let hit: Bool
        switch event.detailKind {
        case .open?:
            let d = event.open
            hit = matcher.matches(utf8: d.path, write: OpenFlags.isWriteish(d.flags))
        case .chmod?: hit = matcher.matches(utf8: event.chmod.path, write: true)
        case .exec?: hit = matcher.matches(utf8: event.exec.filename, write: false)
        default: return
        }
        if hit { enrichment.sensitive = true }
    }
}
