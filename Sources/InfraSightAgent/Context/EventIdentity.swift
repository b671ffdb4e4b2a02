import InfraSightCore

/// Globally unique, retry-stable event ids, cheap enough for every event.
///
/// An event is identified by where and when it happened: the host's boot id (a random UUID the
/// kernel makes at every boot), the node name, the probe that captured it, the `CLOCK_BOOTTIME`
/// nanosecond stamp the BPF program put on it and the thread id (one thread can't enter two syscalls
/// in the same nanosecond). The same event gets the same id however often it is re-sent, so
/// downstream de-duplication works.
///
/// **Layout v2** (UUID version 8, RFC 9562 "custom"): within one boot of one node the id is an
/// *injective* packing of (boot time ns, tid, probe), so two events of a node never share an id, and
/// no hash runs per event. A 32-bit tag of (boot id, node) separates nodes and boots. The 122 payload
/// bits are, high to low: boot time ns (64), tid (22, the kernel's pid limit), probe code (4), tag (32);
/// they fill the UUID's bits around the version (8) and variant (10) fields. Ids sort by boot time.
/// Any tool can recompute an id, e.g. in Python:
///
///     ns = lambda s: f"{len(s.encode())}:{s},".encode()
///     tag = int.from_bytes(hashlib.sha1(b"infrasight-event-id-v2:" + ns(boot_id) + ns(node)).digest()[:4], "big")
///     p = ktime_ns << 58 | (tid & 0x3FFFFF) << 36 | (probe_code & 0xF) << 32 | tag
///     u = (p >> 74) << 80 | 8 << 76 | ((p >> 62) & 0xFFF) << 64 | 2 << 62 | (p & (1 << 62) - 1)
///     str(uuid.UUID(int=u))
///
/// Probe codes (`code(for:)`): execve 1, open 2, chmod 3, connect 4, accept 5, exit 6, ptrace 7,
/// mount 8, setid 9, dup 10, socket 11, link 12, bind 13, sendto 14, kernel 15; 0 is a process execution (`exec_id`, with the execution's start time and the pid).
/// Layout v1 (UUIDv5 over netstrings, namespace db82e285-…, one SHA-1 per event) was replaced because
/// it cost ~11 % of the agent's CPU; ClickHouse orders by (host, time, event_id), so dedup of replays
/// holds across the change (a replayed message keeps the id it was written with).
public struct EventIdentity: Sendable {
    /// Where the kernel publishes the boot id.
    public static let bootIDPath = "/proc/sys/kernel/random/boot_id"
    /// The probe code of a process execution (`exec_id`).
    public static let executionCode: UInt8 = 0

    /// Boot id this instance stamps into every event id.
    public let bootID: String
    /// Node name this instance stamps into every event id.
    public let nodeName: String
    /// The 32-bit tag of (boot id, node).
    public let tag: UInt32

    /// Ids for events of boot `bootID` on node `nodeName`.
    public init(bootID: String, nodeName: String) {
        self.bootID = bootID
        self.nodeName = nodeName
        var hasher = SHA1()
        hasher.update(Array("infrasight-event-id-v2:".utf8))
        Self.appendNetstring(bootID, to: &hasher)
        Self.appendNetstring(nodeName, to: &hasher)
        let digest = hasher.finalize()
        tag = UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
    }

    /// The current boot id (`/proc/sys/kernel/random/boot_id`, trimmed), or `"unknown"` if
    /// unreadable (then ids of different boots of this node can collide).
    public static func currentBootID() -> String {
        guard let bytes = BoundedFileReader.contents(of: bootIDPath, maxBytes: 256) else { return "unknown" }
        let text = String(decoding: bytes, as: UTF8.self)
            .trimmingWhitespace()
        return text.isEmpty ? "unknown" : text
    }

    /// The probe code of `probe` in the id layout.
    @inline(__always)
    public static func code(for probe: Probe) -> UInt8 {
        switch probe {
        case .execve: return 1
        case .open: return 2
        case .chmod: return 3
        case .connect: return 4
        case .accept: return 5
        case .exit: return 6
        case .ptrace: return 7
        case .mount: return 8
        case .setid: return 9
        case .dup: return 10
        case .socket: return 11
        case .link: return 12
        case .bind: return 13
        case .sendto: return 14
        case .kernel: return 15
        }
    }

    /// The id as two 64-bit halves (big-endian order: `high` holds the first 8 bytes).
    @inline(__always)
    public func uuid(code: UInt8, bootTimeNs: UInt64, tid: UInt32) -> (high: UInt64, low: UInt64) {
        let pHigh = bootTimeNs >> 6
        let pLow = (bootTimeNs & 0x3F) << 58 | UInt64(tid & 0x3F_FFFF) << 36 | UInt64(code & 0xF) << 32 | UInt64(tag)
        let high = (pHigh >> 10) << 16 | 0x8 << 12 | ((pHigh << 2 | pLow >> 62) & 0xFFF)
        let low = 0b10 << 62 | (pLow & (1 << 62 - 1))
        return (high, low)
    }

    /// Calls `body` with the 36 lowercase characters of the id (no String is built).
    @inline(__always)
    public func withEventID<R>(code: UInt8, bootTimeNs: UInt64, tid: UInt32,
                               _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let (high, low) = uuid(code: code, bootTimeNs: bootTimeNs, tid: tid)
        var text: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &text) { out in
            Self.writeUUID(high: high, low: low, into: out)
            return body(UnsafeRawBufferPointer(rebasing: out[0..<36]))
        }
    }

    /// The id of the event `probe` captured at boot time `bootTimeNs` on thread `tid`.
    public func eventID(probe: Probe, bootTimeNs: UInt64, tid: UInt32) -> String {
        eventID(code: Self.code(for: probe), bootTimeNs: bootTimeNs, tid: tid)
    }

    /// The id for probe code `code` (0: a process execution, see `ProcessCache`).
    public func eventID(code: UInt8, bootTimeNs: UInt64, tid: UInt32) -> String {
        withEventID(code: code, bootTimeNs: bootTimeNs, tid: tid) { String(decoding: $0, as: UTF8.self) }
    }

    /// Writes `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (36 bytes) for the 128-bit value (high, low).
    @inline(__always)
    static func writeUUID(high: UInt64, low: UInt64, into out: UnsafeMutableRawBufferPointer) {
        var o = 0
        for index in 0..<16 {
            if index == 4 || index == 6 || index == 8 || index == 10 {
                out[o] = UInt8(ascii: "-")
                o += 1
            }
            let byte = index < 8 ? UInt8(truncatingIfNeeded: high >> (56 - 8 * index))
                                 : UInt8(truncatingIfNeeded: low >> (56 - 8 * (index - 8)))
            out[o] = hexDigit(byte >> 4)
            out[o + 1] = hexDigit(byte & 0x0F)
            o += 2
        }
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    private static func appendNetstring(_ value: String, to hasher: inout SHA1) {
        var value = value
        value.withUTF8 { utf8 in
            appendDecimal(UInt64(utf8.count), colon: true, to: &hasher)
            hasher.update(UnsafeRawBufferPointer(utf8))
        }
        var comma = UInt8(ascii: ",")
        withUnsafeBytes(of: &comma) { hasher.update($0) }
    }

    /// Feeds the decimal digits of `value`, optionally followed by ':'.
    private static func appendDecimal(_ value: UInt64, colon: Bool, to hasher: inout SHA1) {
        // 20 digits at most + ':'; a tuple keeps it off the heap.
        var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &buffer) { raw in
            var end = 21
            if colon { raw[end] = UInt8(ascii: ":"); end += 1 }
            var position = 21
            var v = value
            repeat {
                position -= 1
                raw[position] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            } while v > 0
            hasher.update(UnsafeRawBufferPointer(rebasing: raw[position..<end]))
        }
    }
}

private extension String {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
