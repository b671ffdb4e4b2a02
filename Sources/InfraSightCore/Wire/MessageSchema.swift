/// The wire shape of each field of one nested message of the event contract, as bit sets over field
/// numbers (bit n = field n), for `MessageView`'s table-driven parse.
///
/// Why: the seven detail payloads, the process, container and enrichment messages all parse
/// the same way (scalars last-wins, strings validated as UTF-8, repeated fields counted); one parser
/// driven by these masks replaces eleven hand-written ones. Field numbers are those of
/// `topics/proto/infrasight/v1/event.proto`; a field not named here is skipped as unknown.
@usableFromInline
struct MessageSchema: Sendable {
    /// uint32, uint64, int32, int64 and bool fields (wire type 0).
    @usableFromInline var varint: UInt32 = 0
    /// double fields (wire type 1).
    @usableFromInline var fixed64: UInt32 = 0
    /// string fields (wire type 2, UTF-8 checked).
    @usableFromInline var string: UInt32 = 0
    /// bytes fields (wire type 2, unchecked).
    @usableFromInline var bytes: UInt32 = 0
    /// repeated string fields.
    @usableFromInline var repeatedString: UInt32 = 0
    /// repeated `Ancestor` fields (the only repeated message in the contract; see `MessageView.checkAncestor`).
    @usableFromInline var repeatedAncestor: UInt32 = 0
    /// map<string, string> fields.
    @usableFromInline var stringMap: UInt32 = 0

    /// ExecDetail: filename 1, argv 2 (repeated), argv_truncated 3, dirfd 4, flags 5, syscall 6,
    /// resolved_path 7, resolved_lexical 8, resolved_truncated 9, exe_unlinked 10, exe_memfd 11.
    static var exec: MessageSchema { MessageSchema(varint: 0b1111_0011_1000, string: 0b1100_0010, repeatedString: 0b100) }
    /// OpenDetail: syscall 1, path 2, path_truncated 3, dirfd 4, flags 5, mode 6, resolve 7, fd 8,
    /// resolved_path 9, resolved_lexical 10, resolved_truncated 11.
    static var open: MessageSchema { MessageSchema(varint: 0b1101_1111_1000, string: 0b10_0000_0110) }
    /// ChmodDetail: syscall 1, path 2, path_truncated 3, fd 4, mode 5, flags 6, resolved_path 7,
    /// resolved_lexical 8, resolved_truncated 9.
    static var chmod: MessageSchema { MessageSchema(varint: 0b11_0111_1000, string: 0b1000_0110) }
    /// SocketDetail: syscall 1, family 2, sock_type 3, protocol 4, local_addr 5, local_port 6,
    /// remote_addr 7, remote_port 8, unix_path 9, fd 10, new_fd 11, flags 12.
    static var socket: MessageSchema {
        MessageSchema(varint: 0b1_1101_0101_1100, string: 0b10_0000_0010, bytes: 0b1010_0000)
    }
    /// ExitDetail: exit_code 1, signal 2, core_dumped 3.
    static var exit: MessageSchema { MessageSchema(varint: 0b1110) }
    /// PtraceDetail: request 1, target_pid 2, addr 3, data 4.
    static var ptrace: MessageSchema { MessageSchema(varint: 0b11110) }
    /// MountDetail: syscall 1, source 2, target 3, fs_type 4, flags 5.
    static var mount: MessageSchema { MessageSchema(varint: 0b100000, string: 0b11110) }
    /// SetidDetail: syscall 1, old_uid 2 ... old_sgid 7, new_real 8, new_effective 9, new_saved 10,
    /// cap_effective 11, cap_permitted 12, cap_inheritable 13, old_cap_effective 14, old_cap_permitted 15.
    static var setid: MessageSchema { MessageSchema(varint: 0b1111_1111_1111_1100, string: 0b10) }
    /// DupDetail: syscall 1, oldfd 2, newfd 3, flags 4, family 5, sock_type 6, protocol 7, local_addr 8,
    /// local_port 9, remote_addr 10, remote_port 11, unix_path 12.
    static var dup: MessageSchema {
        MessageSchema(varint: 0b1010_1111_1100, string: 0b1_0000_0000_0010, bytes: 0b101_0000_0000)
    }
    /// SocketCreateDetail: family 1, sock_type 2, protocol 3, nonblock 4, cloexec 5.
    static var socketCreate: MessageSchema { MessageSchema(varint: 0b11_1110) }
    /// LinkDetail: syscall 1, path 2, path_truncated 3, old_path 4, old_path_truncated 5, dirfd 6,
    /// old_dirfd 7, flags 8, resolved_path 9, resolved_lexical 10, resolved_truncated 11,
    /// old_resolved_path 12, old_resolved_lexical 13, old_resolved_truncated 14.
    static var link: MessageSchema { MessageSchema(varint: 0b110_1101_1110_1000, string: 0b1_0010_0001_0110) }
    /// BindDetail: syscall 1, fd 2, family 3, sock_type 4, protocol 5, addr 6, port 7, backlog 8.
    static var bind: MessageSchema { MessageSchema(varint: 0b1_1011_1100, string: 0b10, bytes: 0b100_0000) }
    /// SendtoDetail: syscall 1, fd 2, family 3, sock_type 4, protocol 5, remote_addr 6, remote_port 7,
    /// local_addr 8, local_port 9, flags 10, count 11.
    static var sendto: MessageSchema { MessageSchema(varint: 0b1110_1011_1100, string: 0b10, bytes: 0b1_0100_0000) }
    /// KernelDetail: syscall 1, fd 2, resolved_path 3, resolved_truncated 4, module_flags 5, image_len 6,
    /// params 7, params_truncated 8, prog_type 9, insn_cnt 10, expected_attach_type 11, prog_flags 12,
    /// prog_name 13.
    static var kernel: MessageSchema { MessageSchema(varint: 0b1_1111_0111_0100, string: 0b10_0000_1000_1010) }
    /// ProcessContext: exec_id 1, parent_exec_id 2, exe 3, cwd 4, ancestors 5 (repeated), start_boot_ns 6.
    static var process: MessageSchema { MessageSchema(varint: 0b100_0000, string: 0b1_1110, repeatedAncestor: 0b10_0000) }
    /// ContainerContext: name 1, image 2, labels 3 (map), pod_name 4, pod_namespace 5, pod_uid 6.
    static var container: MessageSchema { MessageSchema(string: 0b111_0110, stringMap: 0b1000) }
    /// Enrichment: time_iso8601 1, latency_ms 2 (double), errno_name 3, enriched_by 4, flags_text 5,
    /// mode_text 6, family_name 7, protocol_name 8, local_ip 9, remote_ip 10, service 11,
    /// remote_hostname 12, sensitive 13 (bool).
    static var enrichment: MessageSchema {
        MessageSchema(varint: 0b10_0000_0000_0000, fixed64: 0b100, string: 0b1_1111_1111_1010)
    }

    /// The detail payload's schema for a field number of the `detail` oneof (20...29, 32...35).
    static func detail(_ field: Int) -> MessageSchema {
        switch field {
        case 20: return exec
        case 21: return open
        case 22: return chmod
        case 23: return socket
        case 24: return exit
        case 25: return ptrace
        case 26: return mount
        case 27: return setid
        case 28: return dup
        case 29: return socketCreate
        case 33: return bind
        case 34: return sendto
        case 35: return kernel
        default: return link
        }
    }
}
