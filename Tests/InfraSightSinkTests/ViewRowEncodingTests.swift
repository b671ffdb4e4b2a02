import Foundation
import InfraSightClickHouse
import InfraSightCore
import InfraSightKafka
@testable import InfraSightSink
import InfraSightTestSupport
import XCTest

/// The sink's view-based rows against the Event-based encoding it replaced, byte for byte: the old
/// column closures live on here only, as the reference.
final class ViewRowEncodingTests: XCTestCase {
    typealias Encode = (inout RowBinaryWriter, Event, SchemaFlavor) -> Void

    /// The previous Event-based encoders, per column name (common columns).
    static let commonReference: [String: Encode] = [
        "event_id": { w, e, _ in w.string(e.eventID) },
        "time": { w, e, flavor in
            if flavor == .legacy { w.dateTime(epochSeconds: UInt32(truncatingIfNeeded: e.timeNs / 1_000_000_000)) }
            else { w.dateTime64(epochNanos: Int64(clamping: e.timeNs)) }
        },
        "time_ns": { w, e, _ in w.uint64(e.timeNs) },
        "host": { w, e, _ in w.string(e.host) },
        "probe": { w, e, _ in w.string(e.probe) },
        "pid": { w, e, _ in w.uint32(e.pid) },
        "tid": { w, e, _ in w.uint32(e.tid) },
        "ppid": { w, e, _ in w.uint32(e.ppid) },
        "uid": { w, e, _ in w.uint32(e.uid) },
        "user": { w, e, _ in w.string(e.user) },
        "gid": { w, e, _ in w.uint32(e.gid) },
        "comm": { w, e, _ in w.string(e.comm) },
        "ret": { w, e, _ in w.int64(e.ret) },
        "errno_name": { w, e, _ in w.string(e.enriched.errnoName) },
        "latency_ns": { w, e, _ in w.uint64(e.latencyNs) },
        "latency_ms": { w, e, _ in w.float64(e.enriched.latencyMs) },
        "container_id": { w, e, _ in w.string(e.containerID) },
        "container_runtime": { w, e, _ in w.string(e.containerRuntime) },
        "cgroup_id": { w, e, _ in w.uint64(e.cgroupID) },
        "ktime_ns": { w, e, _ in w.uint64(e.ktimeNs) },
        "schema_version": { w, e, _ in w.uint32(e.schemaVersion) },
        "enriched_by": { w, e, _ in w.string(e.enriched.enrichedBy) },
        "exec_id": { w, e, _ in w.string(e.process.execID) },
        "parent_exec_id": { w, e, _ in w.string(e.process.parentExecID) },
        "exe": { w, e, _ in w.string(e.process.exe) },
        "cwd": { w, e, _ in w.string(e.process.cwd) },
        "ancestors_pid": { w, e, _ in
            w.arrayCount(e.process.ancestors.count)
            for a in e.process.ancestors { w.uint32(a.pid) }
        },
        "ancestors_comm": { w, e, _ in w.stringArray(e.process.ancestors.map(\.comm)) },
        "container_name": { w, e, _ in w.string(e.container.name) },
        "container_image": { w, e, _ in w.string(e.container.image) },
        "pod_name": { w, e, _ in w.string(e.container.podName) },
        "pod_namespace": { w, e, _ in w.string(e.container.podNamespace) },
        "pod_uid": { w, e, _ in w.string(e.container.podUid) },
        "container_label_keys": { w, e, _ in w.stringArray(e.container.labels.keys.sorted()) },
        "container_label_values": { w, e, _ in
            let labels = e.container.labels
            w.stringArray(labels.keys.sorted().map { labels[$0] ?? "" })
        },
    ]

    static func isChmod(_ e: Event) -> Bool { if case .chmod? = e.detail { return true }; return false }

    /// The previous encoders of each table's own columns.
    static let tableReference: [String: [String: Encode]] = [
        "exec_events": [
            "filename": { w, e, _ in w.string(e.exec.filename) },
            "resolved_path": { w, e, _ in w.string(e.exec.resolvedPath) },
            "resolved_lexical": { w, e, _ in w.uint8(e.exec.resolvedLexical ? 1 : 0) },
            "resolved_truncated": { w, e, _ in w.uint8(e.exec.resolvedTruncated ? 1 : 0) },
            "exe_unlinked": { w, e, _ in w.uint8(e.exec.exeUnlinked ? 1 : 0) },
            "exe_memfd": { w, e, _ in w.uint8(e.exec.exeMemfd ? 1 : 0) },
            "argv": { w, e, _ in w.stringArray(e.exec.argv) },
            "argv_truncated": { w, e, _ in w.uint8(e.exec.argvTruncated ? 1 : 0) },
        ],
        "file_events": [
            "syscall": { w, e, _ in w.string(isChmod(e) ? e.chmod.syscall : e.open.syscall) },
            "path": { w, e, _ in w.string(isChmod(e) ? e.chmod.path : e.open.path) },
            "path_truncated": { w, e, _ in w.uint8((isChmod(e) ? e.chmod.pathTruncated : e.open.pathTruncated) ? 1 : 0) },
            "resolved_path": { w, e, _ in w.string(isChmod(e) ? e.chmod.resolvedPath : e.open.resolvedPath) },
            "resolved_lexical": { w, e, _ in w.uint8((isChmod(e) ? e.chmod.resolvedLexical : e.open.resolvedLexical) ? 1 : 0) },
            "resolved_truncated": { w, e, _ in w.uint8((isChmod(e) ? e.chmod.resolvedTruncated : e.open.resolvedTruncated) ? 1 : 0) },
            "dirfd": { w, e, _ in
                w.int32(isChmod(e) ? (e.chmod.syscall.hasPrefix("fchmodat") ? e.chmod.fd : -100) : e.open.dirfd)
            },
            "fd": { w, e, _ in w.int32(isChmod(e) ? (e.chmod.syscall == "fchmod" ? e.chmod.fd : -1) : e.open.fd) },
            "flags": { w, e, _ in w.uint32(isChmod(e) ? e.chmod.flags : e.open.flags) },
            "flags_text": { w, e, _ in w.string(e.enriched.flagsText) },
            "mode": { w, e, _ in w.uint32(isChmod(e) ? e.chmod.mode : e.open.mode) },
            "mode_text": { w, e, _ in w.string(e.enriched.modeText) },
            "resolve": { w, e, _ in w.uint64(e.open.resolve) },
            "sensitive": { w, e, _ in w.uint8(e.enriched.sensitive ? 1 : 0) },
        ],
        "network_events": [
            "syscall": { w, e, _ in w.string(e.socket.syscall) },
            "family": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.socket.family)) },
            "family_name": { w, e, _ in w.string(e.enriched.familyName) },
            "sock_type": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.socket.sockType)) },
            "protocol": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.socket.protocol)) },
            "protocol_name": { w, e, _ in w.string(e.enriched.protocolName) },
            "local_ip": { w, e, _ in w.string(e.enriched.localIp) },
            "local_port": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.socket.localPort)) },
            "remote_ip": { w, e, _ in w.string(e.enriched.remoteIp) },
            "remote_port": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.socket.remotePort)) },
            "unix_path": { w, e, _ in w.string(e.socket.unixPath) },
            "fd": { w, e, _ in w.int32(e.socket.fd) },
            "new_fd": { w, e, _ in w.int32(e.socket.newFd) },
            "service": { w, e, _ in w.string(e.enriched.service) },
            "remote_hostname": { w, e, _ in w.string(e.enriched.remoteHostname) },
        ],
        "process_events": [
            "exit_code": { w, e, _ in w.int32(e.exit.exitCode) },
            "signal": { w, e, _ in w.int32(e.exit.signal) },
            "core_dumped": { w, e, _ in w.uint8(e.exit.coreDumped ? 1 : 0) },
            "ptrace_request": { w, e, _ in w.int64(e.ptrace.request) },
            "target_pid": { w, e, _ in w.uint32(e.ptrace.targetPid) },
            "mount_syscall": { w, e, _ in w.string(e.mount.syscall) },
            "mount_source": { w, e, _ in w.string(e.mount.source) },
            "mount_target": { w, e, _ in w.string(e.mount.target) },
            "fs_type": { w, e, _ in w.string(e.mount.fsType) },
            "mount_flags": { w, e, _ in w.uint64(e.mount.flags) },
        ],
        "setid_events": [
            "syscall": { w, e, _ in w.string(e.setid.syscall) },
            "old_uid": { w, e, _ in w.uint32(e.setid.oldUid) },
            "old_euid": { w, e, _ in w.uint32(e.setid.oldEuid) },
            "old_suid": { w, e, _ in w.uint32(e.setid.oldSuid) },
            "old_gid": { w, e, _ in w.uint32(e.setid.oldGid) },
            "old_egid": { w, e, _ in w.uint32(e.setid.oldEgid) },
            "old_sgid": { w, e, _ in w.uint32(e.setid.oldSgid) },
            "new_real": { w, e, _ in w.int64(e.setid.newReal) },
            "new_effective": { w, e, _ in w.int64(e.setid.newEffective) },
            "new_saved": { w, e, _ in w.int64(e.setid.newSaved) },
            "cap_effective": { w, e, _ in w.uint64(e.setid.capEffective) },
            "cap_permitted": { w, e, _ in w.uint64(e.setid.capPermitted) },
            "cap_inheritable": { w, e, _ in w.uint64(e.setid.capInheritable) },
            "old_cap_effective": { w, e, _ in w.uint64(e.setid.oldCapEffective) },
            "old_cap_permitted": { w, e, _ in w.uint64(e.setid.oldCapPermitted) },
        ],
        "dup_events": [
            "syscall": { w, e, _ in w.string(e.dup.syscall) },
            "oldfd": { w, e, _ in w.int32(e.dup.oldfd) },
            "newfd": { w, e, _ in w.int32(e.dup.newfd) },
            "flags": { w, e, _ in w.uint32(e.dup.flags) },
            "family": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.dup.family)) },
            "family_name": { w, e, _ in w.string(e.enriched.familyName) },
            "sock_type": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.dup.sockType)) },
            "protocol": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.dup.protocol)) },
            "protocol_name": { w, e, _ in w.string(e.enriched.protocolName) },
            "local_ip": { w, e, _ in w.string(e.enriched.localIp) },
            "local_port": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.dup.localPort)) },
            "remote_ip": { w, e, _ in w.string(e.enriched.remoteIp) },
            "remote_port": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.dup.remotePort)) },
            "unix_path": { w, e, _ in w.string(e.dup.unixPath) },
            "service": { w, e, _ in w.string(e.enriched.service) },
        ],
        "socket_events": [
            "family": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.socketCreate.family)) },
            "family_name": { w, e, _ in w.string(e.enriched.familyName) },
            "sock_type": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.socketCreate.sockType)) },
            "protocol": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.socketCreate.protocol)) },
            "protocol_name": { w, e, _ in w.string(e.enriched.protocolName) },
            "nonblock": { w, e, _ in w.uint8(e.socketCreate.nonblock ? 1 : 0) },
            "cloexec": { w, e, _ in w.uint8(e.socketCreate.cloexec ? 1 : 0) },
        ],
        "link_events": [
            "syscall": { w, e, _ in w.string(e.link.syscall) },
            "path": { w, e, _ in w.string(e.link.path) },
            "path_truncated": { w, e, _ in w.uint8(e.link.pathTruncated ? 1 : 0) },
            "resolved_path": { w, e, _ in w.string(e.link.resolvedPath) },
            "resolved_lexical": { w, e, _ in w.uint8(e.link.resolvedLexical ? 1 : 0) },
            "resolved_truncated": { w, e, _ in w.uint8(e.link.resolvedTruncated ? 1 : 0) },
            "old_path": { w, e, _ in w.string(e.link.oldPath) },
            "old_path_truncated": { w, e, _ in w.uint8(e.link.oldPathTruncated ? 1 : 0) },
            "old_resolved_path": { w, e, _ in w.string(e.link.oldResolvedPath) },
            "old_resolved_lexical": { w, e, _ in w.uint8(e.link.oldResolvedLexical ? 1 : 0) },
            "old_resolved_truncated": { w, e, _ in w.uint8(e.link.oldResolvedTruncated ? 1 : 0) },
            "dirfd": { w, e, _ in w.int32(e.link.dirfd) },
            "old_dirfd": { w, e, _ in w.int32(e.link.oldDirfd) },
            "flags": { w, e, _ in w.uint32(e.link.flags) },
            "sensitive": { w, e, _ in w.uint8(e.enriched.sensitive ? 1 : 0) },
        ],
        "bind_events": [
            "syscall": { w, e, _ in w.string(e.bind.syscall) },
            "fd": { w, e, _ in w.int32(e.bind.fd) },
            "family": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.bind.family)) },
            "family_name": { w, e, _ in w.string(e.enriched.familyName) },
            "sock_type": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.bind.sockType)) },
            "protocol": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.bind.protocol)) },
            "protocol_name": { w, e, _ in w.string(e.enriched.protocolName) },
            "local_ip": { w, e, _ in w.string(e.enriched.localIp) },
            "local_port": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.bind.port)) },
            "backlog": { w, e, _ in w.int32(e.bind.backlog) },
            "service": { w, e, _ in w.string(e.enriched.service) },
        ],
        "sendto_events": [
            "syscall": { w, e, _ in w.string(e.sendto.syscall) },
            "fd": { w, e, _ in w.int32(e.sendto.fd) },
            "family": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.sendto.family)) },
            "family_name": { w, e, _ in w.string(e.enriched.familyName) },
            "sock_type": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.sendto.sockType)) },
            "protocol": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.sendto.protocol)) },
            "protocol_name": { w, e, _ in w.string(e.enriched.protocolName) },
            "remote_ip": { w, e, _ in w.string(e.enriched.remoteIp) },
            "remote_port": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.sendto.remotePort)) },
            "local_ip": { w, e, _ in w.string(e.enriched.localIp) },
            "local_port": { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.sendto.localPort)) },
            "send_flags": { w, e, _ in w.uint32(e.sendto.flags) },
            "message_count": { w, e, _ in w.uint32(e.sendto.count) },
            "service": { w, e, _ in w.string(e.enriched.service) },
        ],
        "kernel_events": [
            "syscall": { w, e, _ in w.string(e.kernel.syscall) },
            "fd": { w, e, _ in w.int32(e.kernel.fd) },
            "resolved_path": { w, e, _ in w.string(e.kernel.resolvedPath) },
            "resolved_truncated": { w, e, _ in w.uint8(e.kernel.resolvedTruncated ? 1 : 0) },
            "module_flags": { w, e, _ in w.uint32(e.kernel.moduleFlags) },
            "image_len": { w, e, _ in w.uint64(e.kernel.imageLen) },
            "params": { w, e, _ in w.string(e.kernel.params) },
            "params_truncated": { w, e, _ in w.uint8(e.kernel.paramsTruncated ? 1 : 0) },
            "prog_type": { w, e, _ in w.uint32(e.kernel.progType) },
            // only bpf events name a program type (a module load's 0 is no "unspec")
            "prog_type_name": { w, e, _ in
                w.string(e.kernel.syscall == "bpf" ? BPFProgramTypes.name(e.kernel.progType) : "")
            },
            "prog_name": { w, e, _ in w.string(e.kernel.progName) },
            "insn_cnt": { w, e, _ in w.uint32(e.kernel.insnCnt) },
            "expected_attach_type": { w, e, _ in w.uint32(e.kernel.expectedAttachType) },
            "prog_flags": { w, e, _ in w.uint32(e.kernel.progFlags) },
        ],
    ]

    /// The row the Event-based encoding wrote.
    static func referenceRow(_ e: Event, table: EventTable, flavor: SchemaFlavor) -> [UInt8] {
        var w = RowBinaryWriter()
        for column in table.columns {
            let encode = tableReference[table.name]?[column.name] ?? commonReference[column.name]!
            encode(&w, e, flavor)
        }
        return w.bytes
    }

    /// The row the sink writes now: the message's bytes read in place.
    static func viewRow(_ bytes: [UInt8], table: EventTable, flavor: SchemaFlavor) throws -> [UInt8] {
        var w = RowBinaryWriter()
        try bytes.withUnsafeBytes { raw in
            let view = try EventView(validating: raw)
            table.encode(view, flavor: flavor, into: &w)
        }
        return w.bytes
    }

    func testEveryColumnHasAReference() {
        for table in EventTables.all {
            for column in table.columns {
                XCTAssertTrue(Self.tableReference[table.name]?[column.name] != nil || Self.commonReference[column.name] != nil,
                              "\(table.name).\(column.name) has no reference encoder in this test")
            }
        }
    }

    func testViewRowsEqualTheEventBasedRowsByteForByte() throws {
        var gen = RandomEvents(seed: 21)
        let events = SampleEvents.all + (0..<3000).map { _ in gen.event() }
        for (i, e) in events.enumerated() {
            let bytes = try EventCodec.encode(e)
            let table = EventTables.table(for: Probe(rawValue: e.probe)!)
            for flavor in SchemaFlavor.allCases {
                XCTAssertEqual(try Self.viewRow(bytes, table: table, flavor: flavor),
                               Self.referenceRow(e, table: table, flavor: flavor), "event \(i), \(flavor)")
            }
        }
    }

    /// An enrich worker appends `enriched` to the raw message; merged occurrences read as decoded.
    func testMergedMessagesGiveTheDecodedRows() throws {
        var gen = RandomEvents(seed: 22)
        var checked = 0
        for _ in 0..<2000 {
            var bytes = try EventCodec.encode(gen.event())
            var more = gen.event()
            if Bool.random(using: &gen.rng) { var f = Event(); f.enriched = more.enriched; f.process = more.process; more = f }
            bytes += try EventCodec.encode(more)
            guard let e = try? EventCodec.decode(bytes) else { continue }
            let table = EventTables.table(for: Probe(rawValue: e.probe)!)
            XCTAssertEqual(try Self.viewRow(bytes, table: table, flavor: .modern), Self.referenceRow(e, table: table, flavor: .modern))
            checked += 1
        }
        XCTAssertGreaterThan(checked, 1000)
    }

    /// Mutated messages: whatever the sink accepts gives the decoded event's row; the rest is rejected.
    func testFuzzedMessagesRowOrReject() throws {
        var gen = RandomEvents(seed: 23)
        var rng = FuzzRNG(state: 24)
        for _ in 0..<min(FuzzKit.iterations, 20_000) {
            var bytes = try EventCodec.encode(gen.event())
            bytes = FuzzKit.mutate(bytes, other: [], rng: &rng, maxLength: bytes.count + 64)
            let decoded = try? EventCodec.decode(bytes)
            let table = decoded.map { EventTables.table(for: Probe(rawValue: $0.probe)!) } ?? EventTables.file
            let row = try? Self.viewRow(bytes, table: table, flavor: .legacy)
            XCTAssertEqual(row == nil, decoded == nil)
            if let decoded, let row { XCTAssertEqual(row, Self.referenceRow(decoded, table: table, flavor: .legacy)) }
        }
    }

    /// A row keeps where its message came from (to read it back for the dead-letter queue), not its
    /// bytes, and a slice's body is the batch buffer itself.
    func testBatchKeepsSourcesAndSharesBodies() throws {
        let value = try EventCodec.encode(SampleEvents.all[0])
        let message = KafkaMessage(topic: "infrasight.events.execve", partition: 3, offset: 7, key: nil, value: value, timestampMs: nil)
        var batch = RowBatch(table: EventTables.exec)
        try message.value.withUnsafeBytes { raw in
            let record = KafkaRecordView(topic: message.topic, partition: message.partition, offset: message.offset, value: raw)
            batch.append(try EventView(validating: raw), of: EventTables.exec, flavor: .legacy, from: record)
        }
        batch.append(SampleEvents.all[1], of: EventTables.exec, flavor: .legacy, from: message)
        XCTAssertEqual(batch.rows.map { "\($0.topic)[\($0.partition)]@\($0.offset)" },
                       ["infrasight.events.execve[3]@7", "infrasight.events.execve[3]@7"])
        XCTAssertEqual(batch.writer.withUnsafeBytes { $0.baseAddress },
                       batch.withBody(for: batch.rows[...]) { $0.baseAddress })
        XCTAssertEqual(batch.body(for: batch.rows[1...]), Self.referenceRow(SampleEvents.all[1], table: EventTables.exec, flavor: .legacy))
        XCTAssertEqual(batch.body(for: batch.rows[..<1]), Self.referenceRow(SampleEvents.all[0], table: EventTables.exec, flavor: .legacy))
    }
}
