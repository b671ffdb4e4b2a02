/// One alert as it travels on `infrasight.alerts`: `infrasight.v1.Alert` (topics/proto/infrasight/v1/alert.proto).
///
/// Why a hand-written codec: alerts are few, but the sink reads them beside events with the same
/// bounds-checked `ProtobufReader`, and the detect stage writes them with the same `ProtobufWriter`,
/// so no second protobuf runtime path is needed. Field numbers are the proto's; unknown fields are skipped.
public struct AlertRecord: Sendable, Equatable, Codable {
    public static let schemaVersion: UInt32 = 1

    public var alertID = ""
    public var schemaVersion: UInt32 = AlertRecord.schemaVersion
    public var rule = ""
    public var ruleVersion: UInt32 = 0
    public var severity = ""
    public var tags: [String] = []
    public var timeNs: UInt64 = 0
    public var host = ""
    public var pid: UInt32 = 0
    public var execID = ""
    public var comm = ""
    public var exe = ""
    public var uid: UInt32 = 0
    public var user = ""
    public var containerID = ""
    public var containerName = ""
    public var podName = ""
    public var podNamespace = ""
    public var message = ""
    public var eventIDs: [String] = []
    public var probe = ""
    public var detectedNs: UInt64 = 0
    public var detectedBy = ""

    public init() {}

    /// The deterministic id of an alert of `rule` at `version` raised by `eventIDs` (in any order):
    /// lowercase hex of SHA-1 over netstrings of the rule, the version and each sorted event id.
    public static func identity(rule: String, version: UInt32, eventIDs: [String]) -> String {
        var hasher = SHA1()
        func netstring(_ s: String) {
            hasher.update(String(s.utf8.count))
            hasher.update(":")
            hasher.update(s)
            hasher.update(",")
        }
        netstring("infrasight.alert.v1")
        netstring(rule)
        netstring(String(version))
        for id in eventIDs.sorted() { netstring(id) }
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in hasher.finalize() {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The message key: `<host>/<pid>`, as the events that raised it.
    public var key: [UInt8] { Array("\(host)/\(pid)".utf8) }

    /// Protobuf binary encoding (proto3: default values are left out).
    public func encoded() -> [UInt8] {
        let w = ProtobufWriter(reservingCapacity: 512 + message.utf8.count)
        func string(_ field: UInt32, _ value: String) { if !value.isEmpty { w.string(field, value) } }
        string(1, alertID)
        w.uint(2, UInt64(schemaVersion))
        string(3, rule)
        w.uint(4, UInt64(ruleVersion))
        string(5, severity)
        for tag in tags { w.repeatedString(6, tag) }
        w.uint(7, timeNs)
        string(8, host)
        w.uint(9, UInt64(pid))
        string(10, execID)
        string(11, comm)
        string(12, exe)
        w.uint(13, UInt64(uid))
        string(14, user)
        string(15, containerID)
        string(16, containerName)
        string(17, podName)
        string(18, podNamespace)
        string(19, message)
        for id in eventIDs { w.repeatedString(20, id) }
        string(21, probe)
        w.uint(22, detectedNs)
        string(23, detectedBy)
        return w.bytes
    }

    /// Decodes an `Alert`; malformed bytes or invalid UTF-8 throw (the caller dead-letters them).
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireFormatError) -> AlertRecord {
        var a = AlertRecord()
        a.schemaVersion = 0
        var r = ProtobufReader(bytes, range: 0..<bytes.count)
        func text(_ range: Range<Int>, field: Int) throws(WireFormatError) -> String {
            let slice = UnsafeRawBufferPointer(rebasing: bytes[range])
            guard let s = String(validating: slice, as: UTF8.self) else {
                throw WireFormatError("field \(field) is not valid UTF-8")
            }
            return s
        }
        while !r.isAtEnd {
            let (field, wireType) = try r.tag()
            switch (field, wireType) {
            case (_, ProtobufReader.lengthDelimitedType) where Self.stringFields.contains(field):
                let s = try text(try r.lengthDelimited(), field: field)
                switch field {
                case 1: a.alertID = s
                case 3: a.rule = s
                case 5: a.severity = s
                case 6: a.tags.append(s)
                case 8: a.host = s
                case 10: a.execID = s
                case 11: a.comm = s
                case 12: a.exe = s
                case 14: a.user = s
                case 15: a.containerID = s
                case 16: a.containerName = s
                case 17: a.podName = s
                case 18: a.podNamespace = s
                case 19: a.message = s
                case 20: a.eventIDs.append(s)
                case 21: a.probe = s
                default: a.detectedBy = s   // 23
                }
            case (2, ProtobufReader.varintType): a.schemaVersion = UInt32(truncatingIfNeeded: try r.varint())
            case (4, ProtobufReader.varintType): a.ruleVersion = UInt32(truncatingIfNeeded: try r.varint())
            case (7, ProtobufReader.varintType): a.timeNs = try r.varint()
            case (9, ProtobufReader.varintType): a.pid = UInt32(truncatingIfNeeded: try r.varint())
            case (13, ProtobufReader.varintType): a.uid = UInt32(truncatingIfNeeded: try r.varint())
            case (22, ProtobufReader.varintType): a.detectedNs = try r.varint()
            default: try r.skip(wireType: wireType, field: field, budget: 100)
            }
        }
        guard !a.alertID.isEmpty, !a.rule.isEmpty else { throw WireFormatError("alert without alert_id or rule") }
        return a
    }

    private static let stringFields: Set<Int> = [1, 3, 5, 6, 8, 10, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 23]
}
