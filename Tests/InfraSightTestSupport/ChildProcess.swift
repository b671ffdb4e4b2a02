import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A background process started by a test, with its output captured to a log file.
/// Terminated (SIGTERM, then SIGKILL) when stopped or deinitialised.
public final class ChildProcess {
    public let name: String
    public let process: Process
    public let logPath: String

    /// Starts `executable` with `arguments`; stdout and stderr go to `logPath`.
    public init(name: String, executable: String, arguments: [String],
                environment: [String: String] = [:], logPath: String, currentDirectory: String? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw TestSupportError("\(name): executable not found at \(executable) (run `make deps build`)")
        }
        self.name = name
        self.logPath = logPath
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        if let dir = currentDirectory { p.currentDirectoryURL = URL(fileURLWithPath: dir) }
        try p.run()
        self.process = p
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Sends a signal (SIGSTOP, SIGCONT, SIGKILL, ...).
    public func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// SIGTERM, wait up to `grace` seconds, then SIGKILL. Returns the exit status.
    @discardableResult
    public func stop(grace: TimeInterval = 10) -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGCONT)
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    /// Waits until the output contains `text`; throws (with the output's tail) when the process exits
    /// first or `timeout` passes.
    public func waitForOutput(containing text: String, timeout: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !output().contains(text) {
            guard isRunning else { throw TestSupportError("\(name) exited before logging \"\(text)\":\n\(output())") }
            guard Date() < deadline else { throw TestSupportError("\(name) did not log \"\(text)\" within \(Int(timeout)) s:\n\(output().suffix(4000))") }
            usleep(200_000)
        }
    }

    /// The captured output so far.
    public func output() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}
