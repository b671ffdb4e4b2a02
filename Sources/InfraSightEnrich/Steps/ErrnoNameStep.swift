import InfraSightCore

/// Adds `errno_name` (for example `ENOENT`) when the syscall failed (negative return code).
public struct ErrnoNameStep: EnrichmentStep {
    public let name = "errno-name"
    public init() {}

    public func apply(_ event: EventView, to enrichment: inout EnrichmentFields) {
        let ret = event.ret
        // `magnitude`, not `-ret`: Int64.min has no negation (that trapped the worker on such an event).
        enrichment.errnoName = ErrnoName.name(forReturnCode: ret) ?? (ret < 0 ? "E\(ret.magnitude)" : "")
    }
}
