import Foundation

/// A process the benchmark started: output goes to a log file, it is stopped by its own pid only.
final class Child {
    let process = Process()
    let logPath: String
    let name: String

    init(_ name: String, _ executable: String, _ arguments: [String], logDir: String, environment: [String: String]? = nil) throws {
        self.name = name
        logPath = logDir + "/" + name + ".log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    /// The log of a child by name (after it was stopped and released).
    static func readLog(_ dir: String, _ name: String) -> String { (try? String(contentsOfFile: dir + "/" + name + ".log", encoding: .utf8)) ?? "" }

    /// Waits until the log contains `text` (true) or the timeout passes / the process exits (false).
    func waitForLog(_ text: String, timeout: Double) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if log.contains(text) { return true }
            if !isRunning { return log.contains(text) }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    /// Waits until `ready(log)` holds (true) or the timeout passes / the process exits (false).
    func waitFor(timeout: Double, _ ready: (String) -> Bool) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if ready(log) { return true }
            if !isRunning { return ready(log) }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    /// SIGTERM, wait up to `timeout` s, then SIGKILL.
    func stop(timeout: Double = 30) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let end = Date().addingTimeInterval(timeout)
        while isRunning && Date() < end { Thread.sleep(forTimeInterval: 0.05) }
        if isRunning { kill(pid, SIGKILL); process.waitUntilExit() }
    }

    /// Waits for a normal exit (up to `timeout` s).
    func wait(timeout: Double) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while isRunning && Date() < end { Thread.sleep(forTimeInterval: 0.05) }
        return !isRunning
    }
}

/// Runs a command to completion and returns its exit status and standard output (stderr is kept apart).
@discardableResult
func runCommand(_ executable: String, _ arguments: [String], stdinData: Data? = nil) -> (status: Int32, output: String, error: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    let input = Pipe()
    p.standardInput = stdinData == nil ? FileHandle.nullDevice : input
    do { try p.run() } catch { return (127, "", "\(error)") }
    if let stdinData {
        input.fileHandleForWriting.write(stdinData)
        try? input.fileHandleForWriting.close()
    }
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    let errData = errBox.data
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it back, close).
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}
