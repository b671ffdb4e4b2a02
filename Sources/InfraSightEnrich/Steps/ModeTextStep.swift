import InfraSightCore

/// Adds `mode_text` (`0644 rw-r--r--`, format: `ModeText`) for chmod-family events always, and for
/// opens only when the mode is used, i.e. with `O_CREAT` or `O_TMPFILE` (otherwise the kernel
/// ignores the mode argument and it is whatever was in the register).
public struct ModeTextStep: EnrichmentStep {
    public let name = "mode-text"
    public init() {}

    public func apply(_ event: EventView, to enrichment: inout EnrichmentFields) {
        switch event.detailKind {
        case .open?:
            let d = event.open
            if OpenFlags.createsFile(d.flags) { enrichment.modeText = ModeText.text(d.mode) }
        case .chmod?: enrichment.modeText = ModeText.text(event.chmod.mode)
        default: break
        }
    }
}
