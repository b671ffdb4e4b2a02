import InfraSightCore

/// Adds `flags_text`: the open family's `O_*` flags plus openat2's `RESOLVE_*` bits
/// (`O_WRONLY|O_CREAT|O_TRUNC`, `O_RDONLY|RESOLVE_BENEATH`), or the `AT_*` flags of chmod-family
/// and execveat events (`AT_SYMLINK_NOFOLLOW`; empty when no flag is set). Format: `OpenFlags`.
public struct OpenFlagsStep: EnrichmentStep {
    public let name = "open-flags"
    public init() {}
    public func apply(to event: inout Event) {
        switch event.detail {
        case .open(let d)?: event.enriched.flagsText = OpenFlags.openText(flags: d.flags, resolve: d.resolve)
        case .chmod(let d)?: if d.flags != 0 { event.enriched.flagsText = OpenFlags.atText(d.flags) }
        case .exec(let d)?: if d.flags != 0 { event.enriched.flagsText = OpenFlags.atText(d.flags) }
        default: break
        }
    }
}
