import SwiftProtobuf

/// One syscall observation: the generated protobuf message of `infrasight.v1.Event`.
public typealias Event = Infrasight_V1_Event
/// The execve payload of an event.
public typealias ExecDetail = Infrasight_V1_ExecDetail
/// Fields added by enrichment workers.
public typealias Enrichment = Infrasight_V1_Enrichment
/// open / openat / openat2 payload.
public typealias OpenDetail = Infrasight_V1_OpenDetail
/// chmod family payload.
public typealias ChmodDetail = Infrasight_V1_ChmodDetail
/// connect / accept payload.
public typealias SocketDetail = Infrasight_V1_SocketDetail
/// Process exit payload.
public typealias ExitDetail = Infrasight_V1_ExitDetail
/// ptrace payload.
public typealias PtraceDetail = Infrasight_V1_PtraceDetail
/// mount / umount payload.
public typealias MountDetail = Infrasight_V1_MountDetail
/// set*id / capset payload (privilege changes).
public typealias SetidDetail = Infrasight_V1_SetidDetail
/// A socket duplicated onto fd 0, 1 or 2 (dup, dup2, dup3, fcntl F_DUPFD*).
public typealias DupDetail = Infrasight_V1_DupDetail
/// socket() payload.
public typealias SocketCreateDetail = Infrasight_V1_SocketCreateDetail
/// symlink*, link*, unlink*, rename* payload (links and removals).
public typealias LinkDetail = Infrasight_V1_LinkDetail
/// bind() / listen(): a new listener.
public typealias BindDetail = Infrasight_V1_BindDetail
/// sendto / sendmsg / sendmmsg to an explicit IP destination.
public typealias SendtoDetail = Infrasight_V1_SendtoDetail
/// init_module, finit_module, bpf(BPF_PROG_LOAD): kernel reach.
public typealias KernelDetail = Infrasight_V1_KernelDetail
/// Process identity and ancestry from the agent's process cache.
public typealias ProcessContext = Infrasight_V1_ProcessContext
/// One ancestor in a process's parent chain.
public typealias Ancestor = Infrasight_V1_Ancestor
/// Container and Kubernetes metadata.
public typealias ContainerContext = Infrasight_V1_ContainerContext

/// Encoding, decoding and validation of the event contract on the wire.
public enum EventCodec {
    /// The contract version this build writes.
    public static let schemaVersion: UInt32 = 1

    /// Why a message is not a usable event.
    public struct DecodeError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public static func encode(_ event: Event) throws -> [UInt8] {
        try event.serializedBytes()
    }

    /// Decodes and validates one message value. Unknown fields are kept (forward compatible).
    public static func decode(_ bytes: [UInt8]) throws -> Event {
        let event: Event
        do {
            event = try Event(serializedBytes: bytes)
        } catch {
            throw DecodeError(description: "not a protobuf infrasight.v1.Event (\(bytes.count) bytes): \(error)")
        }
        try validate(event)
        return event
    }

    /// Checks the invariants every stage relies on.
    public static func validate(_ event: Event) throws {
        if event.eventID.isEmpty { throw DecodeError(description: "event_id is empty") }
        if event.schemaVersion == 0 || event.schemaVersion > schemaVersion {
            throw DecodeError(description: "unsupported schema_version \(event.schemaVersion) (this build reads 1...\(schemaVersion))")
        }
        guard let probe = Probe(rawValue: event.probe) else {
            throw DecodeError(description: "unknown probe \"\(event.probe.prefix(64))\"")
        }
        guard probe.accepts(event.detail) else {
            throw DecodeError(description: "probe \(probe.rawValue) without its detail payload")
        }
    }

    /// The partitioning key that keeps one process's events in order.
    public static func key(host: String, pid: UInt32) -> [UInt8] {
        Array("\(host)/\(pid)".utf8)
    }
}
