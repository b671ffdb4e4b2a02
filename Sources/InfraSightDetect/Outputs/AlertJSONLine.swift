import Foundation
#if canImport(Glibc)
import Glibc
#endif
import InfraSightCore

/// Alerts as JSON lines (one object per line, sorted keys) on stdout, stderr or an appended file, for
/// log shippers and `jq`. Written once the bus acknowledged the alert.
///
/// A file is opened with O_APPEND, so logrotate's `copytruncate` needs nothing (the next line lands at
/// the new end), and `reopenIfRotated()` opens the path again once the file behind it was renamed or
/// removed (logrotate's default `create` mode), so no alert goes to a rotated-away file for long.
public final class AlertJSONLine: @unchecked Sendable {
    private var handle: FileHandle?
    /// The file target's path (nil for stdout, stderr, off).
    private let path: String?
    /// Device and inode of the file `handle` writes to.
    private var opened: (device: UInt64, inode: UInt64)?
    private let lock = NSLock()
    private let encoder: JSONEncoder

    /// `target`: "stdout", "stderr", "off", or a file path (created, appended to).
    public init(target: String) throws {
        switch target {
        case "off", "": handle = nil; path = nil
        case "stdout": handle = FileHandle.standardOutput; path = nil
        case "stderr": handle = FileHandle.standardError; path = nil
        default:
            path = target
            (handle, opened) = try Self.open(target)
        }
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    public func write(_ alert: AlertRecord) {
        guard var data = try? encoder.encode(AlertJSON(alert)) else { return }
        data.append(0x0a)
        lock.lock(); defer { lock.unlock() }
        handle?.write(data)
    }

    /// For a file target: when the path no longer names the file being written (renamed or removed by
    /// a log rotation), opens the path again (creating it). Returns whether it did. Cheap: one stat.
    @discardableResult
    public func reopenIfRotated() throws -> Bool {
        guard let path else { return false }
        var st = stat()
        if stat(path, &st) == 0, let opened, opened.device == UInt64(st.st_dev), opened.inode == UInt64(st.st_ino) { return false }
        let (h, id) = try Self.open(path)
        lock.lock(); defer { lock.unlock() }
        try? handle?.close()
        handle = h
        opened = id
        return true
    }

    private static func open(_ path: String) throws -> (FileHandle, (device: UInt64, inode: UInt64)) {
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw DetectError("cannot open the alert log \(path) for appending: \(String(cString: strerror(errno)))") }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            close(fd)
            throw DetectError("cannot stat the alert log \(path): \(String(cString: strerror(errno)))")
        }
        return (FileHandle(fileDescriptor: fd, closeOnDealloc: true), (UInt64(st.st_dev), UInt64(st.st_ino)))
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
