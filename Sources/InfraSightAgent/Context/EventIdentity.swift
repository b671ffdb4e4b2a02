/// Globally unique, retry-stable event ids.
///
/// An event is identified by where and when it happened: the host's boot id (a random UUID
/// the kernel makes at every boot), the node name, the probe that captured it, the
/// `CLOCK_BOOTTIME` nanosecond stamp the BPF program put on it and the thread id (one thread
/// can't enter two syscalls in the same nanosecond). The same event therefore gets the same id
/// however often it is re-sent, so downstream de-duplication works, while events of different
/// boots, nodes, probes, times or threads get different ones.
///
/// The id is a name-based **UUID version 5** (RFC 9562: SHA-1, version nibble 5, variant 10)
/// in the namespace `EventIdentity.namespace` (`db82e285-2c6b-43f3-8975-6d9e7f634554`), over
/// the name made of five netstrings, `<len>:<utf8 bytes>,` each, in this order: boot id, node
/// name, probe, boot time ns (decimal), tid (decimal). Netstrings keep the encoding
/// unambiguous whatever the fields contain. Any tool can recompute an id, e.g. in Python:
///
///     ns = lambda s: f"{len(s.encode())}:{s},"
///     uuid.uuid5(uuid.UUID("db82e285-2c6b-43f3-8975-6d9e7f634554"),
///                ns(boot_id) + ns(node) + ns(probe) + ns(str(boot_ns)) + ns(str(tid)))
///
/// A future change of the layout must use a new namespace UUID.
public struct EventIdentity: Sendable {
    /// The namespace UUID of layout v1 of the name.
    public static let namespace = "db82e285-2c6b-43f3-8975-6d9e7f634554"
    /// Where the kernel publishes the boot id.
    public static let bootIDPath = "/proc/sys/kernel/random/boot_id"

    /// Boot id this instance stamps into every event id.
    public let bootID: String
    /// Node name this instance stamps into every event id.
    public let nodeName: String
    /// SHA-1 state after the namespace and the two per-instance netstrings.
    private let prefixHasher: SHA1

    /// Ids for events of boot `bootID` on node `nodeName`.
    public init(bootID: String, nodeName: String) {
        self.bootID = bootID
        self.nodeName = nodeName
        var hasher = SHA1()
        hasher.update(Self.namespaceBytes)
        Self.appendNetstring(bootID, to: &hasher)
        Self.appendNetstring(nodeName, to: &hasher)
        self.prefixHasher = hasher
    }

    /// The current boot id (`/proc/sys/kernel/random/boot_id`, trimmed), or `"unknown"` if
    /// unreadable (then ids of different boots of this node can collide).
    public static func currentBootID() -> String {
        guard let bytes = BoundedFileReader.contents(of: bootIDPath, maxBytes: 256) else { return "unknown" }
        let text = String(decoding: bytes, as: UTF8.self)
            .trimmingWhitespace()
        return text.isEmpty ? "unknown" : text
    }

    /// The UUID string (36 characters, lowercase) of the event `probe` captured at boot time
    /// `bootTimeNs` on thread `tid`.
    public func eventID(probe: String, bootTimeNs: UInt64, tid: UInt32) -> String {
        var hasher = prefixHasher
        Self.appendNetstring(probe, to: &hasher)
        Self.appendNetstring(decimal: bootTimeNs, to: &hasher)
        Self.appendNetstring(decimal: UInt64(tid), to: &hasher)
        var digest = hasher.finalize()
        digest[6] = (digest[6] & 0x0F) | 0x50 // version 5
        digest[8] = (digest[8] & 0x3F) | 0x80 // variant 10xx
        return Self.uuidString(digest)
    }

    /// Formats the first 16 bytes of `bytes` as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (lowercase).
    static func uuidString(_ bytes: [UInt8]) -> String {
        precondition(bytes.count >= 16)
        return String(unsafeUninitializedCapacity: 36) { out in
            var o = 0
            for index in 0..<16 {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    out[o] = UInt8(ascii: "-")
                    o += 1
                }
                let byte = bytes[index]
                out[o] = hexDigit(byte >> 4)
                out[o + 1] = hexDigit(byte & 0x0F)
                o += 2
            }
            return o
        }
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// The 16 bytes of a UUID string (dashes optional); traps on malformed input (constants only).
    static func uuidBytes(_ string: String) -> [UInt8] {
        let digits = string.utf8.filter { $0 != UInt8(ascii: "-") }
        precondition(digits.count == 32, "malformed UUID \(string)")
        func nibble(_ c: UInt8) -> UInt8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: preconditionFailure("malformed UUID \(string)")
            }
        }
        return stride(from: 0, to: 32, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
    }

    private static let namespaceBytes = uuidBytes(namespace)

    private static func appendNetstring(_ value: String, to hasher: inout SHA1) {
        var value = value
        value.withUTF8 { utf8 in
            appendDecimal(UInt64(utf8.count), colon: true, to: &hasher)
            hasher.update(UnsafeRawBufferPointer(utf8))
        }
        var comma = UInt8(ascii: ",")
        withUnsafeBytes(of: &comma) { hasher.update($0) }
    }

    /// The netstring of `value`'s decimal digits, without building a String.
    private static func appendNetstring(decimal value: UInt64, to hasher: inout SHA1) {
        var digits = 1
        var rest = value / 10
        while rest > 0 { digits += 1; rest /= 10 }
        appendDecimal(UInt64(digits), colon: true, to: &hasher)
        appendDecimal(value, colon: false, to: &hasher)
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
