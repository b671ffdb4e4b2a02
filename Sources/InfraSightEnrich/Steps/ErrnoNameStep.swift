import InfraSightCore

/// Adds `errno_name` (for example `ENOENT`) when the syscall failed (negative return code).
public struct ErrnoNameStep: EnrichmentStep {
    public let name = "errno-name"
    public init() {}
    public func apply(to event: inout Event) {
        event.enriched.errnoName = ErrnoName.name(forReturnCode: event.ret) ?? (event.ret < 0 ? "E\(-event.ret)" : "")
    }
}
