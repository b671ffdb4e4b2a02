import Foundation
import InfraSightCore

/// Alerts as JSON lines (one object per line, sorted keys) on stdout, stderr or an appended file, for
/// log shippers and `jq`. Written once the bus acknowledged the alert.
public final class AlertJSONLine: @unchecked Sendable {
    private let handle: FileHandle?
    private let lock = NSLock()
    private let encoder: JSONEncoder

    /// `target`: "stdout", "stderr", "off", or a file path (created, appended to).
    public init(target: String) throws {
        switch target {
        case "off", "": handle = nil
        case "stdout": handle = FileHandle.standardOutput
        case "stderr": handle = FileHandle.standardError
        default:
            if !FileManager.default.fileExists(atPath: target) {
                guard FileManager.default.createFile(atPath: target, contents: nil) else {
                    throw DetectError("cannot create the alert log \(target)")
                }
            }
            guard let h = FileHandle(forWritingAtPath: target) else { throw DetectError("cannot open the alert log \(target) for writing") }
            h.seekToEndOfFile()
            handle = h
        }
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    public func write(_ alert: AlertRecord) {
        guard let handle, var data = try? encoder.encode(AlertJSON(alert)) else { return }
        data.append(0x0a)
        lock.lock(); defer { lock.unlock() }
        handle.write(data)
    }
}

/// The JSON shape of an alert: the proto's field names (snake_case) and times as numbers.
struct AlertJSON: Encodable {
    let alert: AlertRecord
    init(_ alert: AlertRecord) { self.alert = alert }

    enum Keys: String, CodingKey {
        case alert_id, rule, rule_version, severity, tags, time_ns, host, pid, exec_id, comm, exe, uid, user,
             container_id, container_name, pod_name, pod_namespace, message, event_ids, probe, detected_ns, detected_by
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(alert.alertID, forKey: .alert_id)
        try c.encode(alert.rule, forKey: .rule)
        try c.encode(alert.ruleVersion, forKey: .rule_version)
        try c.encode(alert.severity, forKey: .severity)
        try c.encode(alert.tags, forKey: .tags)
        try c.encode(alert.timeNs, forKey: .time_ns)
        try c.encode(alert.host, forKey: .host)
        try c.encode(alert.pid, forKey: .pid)
        try c.encode(alert.execID, forKey: .exec_id)
        try c.encode(alert.comm, forKey: .comm)
        try c.encode(alert.exe, forKey: .exe)
        try c.encode(alert.uid, forKey: .uid)
        try c.encode(alert.user, forKey: .user)
        try c.encode(alert.containerID, forKey: .container_id)
        try c.encode(alert.containerName, forKey: .container_name)
        try c.encode(alert.podName, forKey: .pod_name)
        try c.encode(alert.podNamespace, forKey: .pod_namespace)
        try c.encode(alert.message, forKey: .message)
        try c.encode(alert.eventIDs, forKey: .event_ids)
        try c.encode(alert.probe, forKey: .probe)
        try c.encode(alert.detectedNs, forKey: .detected_ns)
        try c.encode(alert.detectedBy, forKey: .detected_by)
    }
}

/// A detect-stage failure with a message that says what to do.
public struct DetectError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
