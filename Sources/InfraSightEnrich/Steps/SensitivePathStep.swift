import InfraSightCore

/// Sets `sensitive = true` when the event's path — `OpenDetail.path`, `ChmodDetail.path` or
/// `ExecDetail.filename` — matches the sensitive-path patterns (`SensitivePathMatcher`: the
/// built-in list, or a patterns file from `--sensitive-paths`). Opens with write access or
/// creating/truncating/appending flags and all chmods count as modifications for `write` patterns.
public struct SensitivePathStep: EnrichmentStep {
    public let name = "sensitive"
    let matcher: SensitivePathMatcher

    public init(matcher: SensitivePathMatcher = .defaults) { self.matcher = matcher }

    public func apply(to event: inout Event) {
        let hit: Bool
        switch event.detail {
        case .open(let d)?: hit = matcher.matches(d.path, write: OpenFlags.isWriteish(d.flags))
        case .chmod(let d)?: hit = matcher.matches(d.path, write: true)
        case .exec(let d)?: hit = matcher.matches(d.filename, write: false)
        default: return
        }
        if hit { event.enriched.sensitive = true }
    }
}
