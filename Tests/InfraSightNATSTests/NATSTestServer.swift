import Foundation
import InfraSightNATS
import InfraSightTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A real nats-server (2.15.1, `make deps` puts it at .deps/bin/nats-server) with JetStream and file storage in
/// a temporary folder, on a free 127.0.0.1 port. Ready means a client has connected. A missing binary throws:
/// the test fails, it never skips. `kill9()` + `restart()` keep the port and the store (a crash and a restart).
final class NATSTestServer {
    static var binary: String {
        ProcessInfo.processInfo.environment["INFRASIGHT_NATS_SERVER"]
            ?? ProjectPaths.deps.appendingPathComponent("bin/nats-server").path
    }

    let port: Int
    let directory: URL
    let extraArguments: [String]
    /// The client TLS settings readiness connects with (nil: plain nats://).
    let clientTLS: NATSConnectionOptions.TLS?
    private(set) var process: ChildProcess
    private var starts = 0

    var storeDirectory: URL { directory.appendingPathComponent("store") }
    var url: NATSURL { try! NATSURL(parsing: "\(clientTLS == nil ? "nats" : "tls")://127.0.0.1:\(port)") }

    /// `extraArguments`: e.g. `--user u --pass p` (test servers only; InfraSight itself never takes a secret in argv).
    /// `clientTLS`: the server wants TLS (its `--tls*` flags are in `extraArguments`); readiness connects with these.
    static func start(extraArguments: [String] = [], clientTLS: NATSConnectionOptions.TLS? = nil) throws -> NATSTestServer {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw TestSupportError("nats-server not found at \(binary): run `make deps` (or set INFRASIGHT_NATS_SERVER)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nats-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("store"), withIntermediateDirectories: true)
        var lastError: Error?
        for _ in 1...3 {
            let port = try FreePort.next()
            do {
                let p = try launch(port: port, dir: dir, extraArguments: extraArguments, n: 1)
                let server = NATSTestServer(port: port, directory: dir, extraArguments: extraArguments, clientTLS: clientTLS,
                                            process: p)
                try server.waitUntilReady()
                return server
            } catch { lastError = error }
        }
        throw lastError!
    }

    private init(port: Int, directory: URL, extraArguments: [String], clientTLS: NATSConnectionOptions.TLS?,
                 process: ChildProcess) {
        self.port = port
        self.directory = directory
        self.extraArguments = extraArguments
        self.clientTLS = clientTLS
        self.process = process
        starts = 1
    }

    private static func launch(port: Int, dir: URL, extraArguments: [String], n: Int) throws -> ChildProcess {
        try ChildProcess(name: "nats-server", executable: binary,
                         arguments: ["-a", "127.0.0.1", "-p", "\(port)", "-js", "-sd", dir.appendingPathComponent("store").path]
                            + extraArguments,
                         logPath: dir.appendingPathComponent("nats-server-\(n).log").path)
    }

    /// Waits until a client connects (the server's own retrying connect, up to 15 s).
    func waitUntilReady() throws {
        guard process.isRunning else { throw TestSupportError("nats-server exited at once:\n\(process.output())") }
        var options = NATSConnectionOptions(name: "readiness")
        options.reconnect.initialConnectWait = .seconds(15)
        options.reconnect.maxDelay = .milliseconds(200)
        if let clientTLS { options.tls = clientTLS }
        if let u = extraArguments.firstIndex(of: "--user"), let p = extraArguments.firstIndex(of: "--pass") {
            let file = directory.appendingPathComponent("readiness-password").path
            try extraArguments[p + 1].write(toFile: file, atomically: true, encoding: .utf8)
            options.credentials = .userPassword(user: extraArguments[u + 1], password: .file(file))
        }
        do {
            let c = try NATSConnection(url: url, options: options)
            c.close()
        } catch {
            throw TestSupportError("nats-server on \(port) not ready: \(error)\nlog:\n\(process.output().suffix(3000))")
        }
    }

    /// SIGKILL: no shutdown, no flush; what JetStream had synced to its file store is what survives.
    func kill9() {
        process.signal(SIGKILL)
        process.process.waitUntilExit()
    }

    /// Starts the server again on the same port and store folder, and waits until it is ready.
    func restart() throws {
        starts += 1
        process = try Self.launch(port: port, dir: directory, extraArguments: extraArguments, n: starts)
        try waitUntilReady()
    }

    func output() -> String { process.output() }

    /// Stops the server and removes its folder.
    func stop() {
        process.stop(grace: 5)
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { if process.isRunning { process.stop(grace: 2) } }
}
