import InfraSightCore

/// Adds `flags_text`: the open family's `O_*` flags plus openat2's `RESOLVE_*` bits
/// (`O_WRONLY|O_CREAT|O_TRUNC`, `O_RDONLY|RESOLVE_BENEATH`), or the `AT_*` flags of chmod-family
/// and execveat events (`AT_SYMLINK_NOFOLLOW`; empty when no flag is set). Format: `OpenFlags`.
public struct OpenFlagsStep: EnrichmentStep {
    public let name = "open-flags"
    public init() {}

    public func apply(_ event: EventView, to enrichment: inout EnrichmentFields) {
        switch event.detailKind {
        case .open?:
            let d = event.open
            enrichment.flagsText = OpenFlags.openText(flags: d.flags, resolve: d.resolve)
        case .chmod?:
            let flags = event.chmod.flags
            if flags != 0 { enrichment.flagsText = OpenFlags.atText(flags) }
        case .exec?:
            let flags = event.exec.flags
            if flags != 0 { enrichment.flagsText = OpenFlags.atText(flags) }
        default: break
        }
    }
}
