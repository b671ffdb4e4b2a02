import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A throw-away tansu Kafka broker (memory storage) on a free 127.0.0.1 port, for tests.
/// A restart loses every topic; `freeze()`/`thaw()` (SIGSTOP/SIGCONT) simulate an outage.
public final class TansuBroker {
    public let port: Int
    public let process: ChildProcess
    /// Folder holding the broker log (and the logs of `createTopic` calls).
    public let logDirectory: URL

    private init(port: Int, process: ChildProcess, logDirectory: URL) {
        self.port = port
        self.process = process
        self.logDirectory = logDirectory
    }

    /// "127.0.0.1:PORT", for `bootstrap.servers`.
    public var bootstrap: String { "127.0.0.1:\(port)" }

    /// Starts tansu (ProjectPaths.tansu) and waits until it accepts connections.
    /// Throws, never skips, when the binary is missing.
    public static func start() throws -> TansuBroker { try start(advertisedPort: nil) }

    /// Like `start()`, but the broker advertises `tcp://127.0.0.1:<advertisedPort>` to clients (a TLS
    /// proxy in front of it, see TLSBrokerProxy) while listening on its own plain port; nil: its own port.
    public static func start(advertisedPort: Int?) throws -> TansuBroker {
        let binary = ProjectPaths.tansu
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw TestSupportError("tansu broker not found at \(binary): run `make deps` (or set INFRASIGHT_TANSU)")
        }
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("tansu-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var lastFailure = ""
        for attempt in 1...3 {
            let port = try FreePort.next()
            let url = "tcp://127.0.0.1:\(port)"
            let child = try ChildProcess(
                name: "tansu", executable: binary,
                arguments: ["broker", "--listener-url", url, "--advertised-listener-url",
                            advertisedPort.map { "tcp://127.0.0.1:\($0)" } ?? url],
                logPath: dir.appendingPathComponent("tansu-\(attempt).log").path)
            if FreePort.waitUntilListening(port, timeout: 15), child.isRunning {
                return TansuBroker(port: port, process: child, logDirectory: dir)
            }
            lastFailure = "tansu did not listen on \(url) within 15 s; log:\n\(child.output())"
            child.stop(grace: 2)
        }
        throw TestSupportError(lastFailure)
    }

    /// Creates a topic with the tansu CLI (`tansu topic create`).
    public func createTopic(_ name: String, partitions: Int) throws {
        let log = logDirectory.appendingPathComponent("topic-create-\(name).log").path
        let child = try ChildProcess(
            name: "tansu topic create", executable: ProjectPaths.tansu,
            arguments: ["topic", "create", "--broker", "tcp://127.0.0.1:\(port)", "--partitions", "\(partitions)", name],
            logPath: log)
        let deadline = Date().addingTimeInterval(30)
        while child.isRunning && Date() < deadline { usleep(20_000) }
        if child.isRunning {
            child.stop(grace: 1)
            throw TestSupportError("tansu topic create \(name) timed out after 30 s; output:\n\(child.output())")
        }
        guard child.process.terminationStatus == 0 else {
            throw TestSupportError("tansu topic create \(name) (\(partitions) partitions) failed with status "
                                   + "\(child.process.terminationStatus):\n\(child.output())")
        }
    }

    /// SIGSTOP: the broker keeps its sockets open but stops answering.
    public func freeze() { process.signal(SIGSTOP) }

    /// SIGCONT: resume after `freeze()`.
    public func thaw() { process.signal(SIGCONT) }

    /// The broker's log so far.
    public func output() -> String { process.output() }

    /// Stops the broker (all topics are lost).
    public func stop() { process.stop(grace: 5) }

    deinit { if process.isRunning { process.stop(grace: 2) } }
}
