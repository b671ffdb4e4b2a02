import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private, real containerd for a test: its own root, state, socket and config in a temporary directory
/// (the CRI plugin disabled: no Kubernetes needed), driven with `ctr`. It exists so tests run against the
/// containerd that Debian ships without touching a system containerd. Containers run with runc
/// (`io.containerd.runc.v2`, cgroupfs: `/<namespace>/<id>`). `stop()` kills the tasks it started, ends the
/// daemon and removes the directory; `restart()` ends and starts the daemon on the same directories.
/// Needs root and Debian's `containerd` (which brings `ctr`), plus podman and busybox-static for the
/// image; throws without them.
public final class ContainerdDaemon {
    public let directory: String
    public var socket: String { directory + "/containerd.sock" }
    private var process: ChildProcess
    private var tasks: [(namespace: String, id: String)] = []

    /// The first executable `tool` in the usual directories.
    /// Starts containerd and waits until its socket answers `ctr version`.
    public static func start() throws -> ContainerdDaemon {
        guard getuid() == 0 else { throw TestSupportError("a private containerd needs root") }
        let dir = NSTemporaryDirectory() + "is-containerd-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let config = """
        version = 2
        root = "\(dir)/root"
        state = "\(dir)/state"
        disabled_plugins = ["io.containerd.grpc.v1.cri"]
        [grpc]
          address = "\(dir)/containerd.sock"
        [ttrpc]
          address = "\(dir)/containerd.sock.ttrpc"
        [plugins."io.containerd.internal.v1.opt"]
          path = "\(dir)/opt"
        """
        do {
            try config.write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
            let daemon = ContainerdDaemon(directory: dir, process: try launch(dir))
            try daemon.waitUntilAnswering()
            return daemon
        } catch {
            try? FileManager.default.removeItem(atPath: dir)
            throw error
        }
    }

    private static func launch(_ dir: String) throws -> ChildProcess {
        try ChildProcess(name: "containerd", executable: try Executables.require("containerd", install: "containerd"),
                         arguments: ["--config", dir + "/config.toml"], logPath: dir + "/containerd-\(UInt32.random(in: 0...UInt32.max)).log")
    }

    private init(directory: String, process: ChildProcess) {
        self.directory = directory
        self.process = process
    }

    private func waitUntilAnswering() throws {
        let deadline = Date().addingTimeInterval(30)
        while (try? ctr("default", ["version"])) == nil {
            guard process.isRunning, Date() < deadline else {
                let log = process.output()
                _ = process.stop(grace: 5)
                throw TestSupportError("containerd did not start:\n\(log.suffix(3000))")
            }
            usleep(100_000)
        }
    }

    /// Ends the daemon (its tasks keep running under their shims) and starts it again on the same
    /// directories and socket; returns once it answers.
    public func restart() throws {
        _ = process.stop(grace: 10)
        process = try Self.launch(directory)
        try waitUntilAnswering()
    }

    /// Ends the daemon, leaving its directories (for tests of a containerd that is down).
    public func shutDownDaemon() { _ = process.stop(grace: 10) }

    /// Runs `ctr --address <socket> -n <namespace> <arguments>`; throws with its output when it fails.
    @discardableResult
    public func ctr(_ namespace: String, _ arguments: [String]) throws -> String {
        try Self.run(try Executables.require("ctr", install: "containerd"), ["--address", socket, "-n", namespace] + arguments)
    }

    /// Imports a one-binary busybox image (host's busybox-static with `sh`, `cat` and `sleep` links,
    /// imported with `podman import`, saved as an OCI archive with `podman save`, then removed from
    /// podman) into `namespace` as `reference`; later calls import the same archive into further namespaces.
    public func importBusyboxImage(_ reference: String, namespace: String) throws {
        let archive = directory + "/image.tar"
        if !FileManager.default.fileExists(atPath: archive) {
            let busybox = try Executables.require("busybox", install: "busybox-static")
            let podman = try Executables.require("podman", install: "podman")
            let rootfs = directory + "/image-rootfs"
            try FileManager.default.createDirectory(atPath: rootfs + "/bin", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: rootfs + "/etc", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: busybox, toPath: rootfs + "/bin/busybox")
            for applet in ["sh", "cat", "sleep"] { try FileManager.default.createSymbolicLink(atPath: rootfs + "/bin/\(applet)", withDestinationPath: "busybox") }
            try Self.run("/bin/tar", ["-C", rootfs, "-cf", directory + "/rootfs.tar", "."])
            try Self.run(podman, ["import", directory + "/rootfs.tar", reference])
            defer { _ = try? Self.run(podman, ["rmi", "-f", reference]) }  // only containerd keeps the image
            try Self.run(podman, ["save", "--format", "oci-archive", "-o", archive, reference])
        }
        try ctr(namespace, ["images", "import", archive])
    }

    /// A container record (no task) of `image` with `labels` in `namespace`.
    public func createContainer(id: String, image: String, labels: [String: String], namespace: String) throws {
        try ctr(namespace, ["containers", "create"] + Self.labelArguments(labels) + [image, id])
    }

    /// A running container: `ctr run -d` with runc (`io.containerd.runc.v2`), `labels`, no network
    /// namespace of its own, running `command`. Its task is killed by `stop()`.
    public func runContainer(id: String, image: String, labels: [String: String], namespace: String, command: [String]) throws {
        try ctr(namespace, ["run", "-d", "--runtime", "io.containerd.runc.v2", "--net-host"] + Self.labelArguments(labels) + [image, id] + command)
        tasks.append((namespace, id))
    }

    /// Runs `command` inside the running container `id` (`ctr task exec`), waits for it and returns its output.
    @discardableResult
    public func exec(id: String, namespace: String, _ command: [String]) throws -> String {
        try ctr(namespace, ["task", "exec", "--exec-id", "is-\(UInt32.random(in: 0...UInt32.max))", id] + command)
    }

    /// Kills the task of container `id` and deletes the container.
    public func remove(id: String, namespace: String) {
        _ = try? ctr(namespace, ["task", "kill", "-s", "SIGKILL", id])
        let deadline = Date().addingTimeInterval(10)
        while (try? ctr(namespace, ["task", "delete", id])) == nil, Date() < deadline {
            if let list = try? ctr(namespace, ["task", "ls", "-q"]), !list.contains(id) { break }
            usleep(100_000)
        }
        _ = try? ctr(namespace, ["containers", "delete", id])
        tasks.removeAll { $0 == (namespace, id) }
    }

    /// The labels containerd itself reports for container `id` (`ctr containers info`).
    public func labels(of id: String, namespace: String) throws -> [String: String] {
        let info = try ctr(namespace, ["containers", "info", id])
        guard let object = try JSONSerialization.jsonObject(with: Data(info.utf8)) as? [String: Any] else {
            throw TestSupportError("ctr containers info: not a JSON object")
        }
        return object["Labels"] as? [String: String] ?? [:]
    }

    /// containerd's log so far.
    public func output() -> String { process.output() }

    /// Kills the tasks it started, stops containerd and removes its directory.
    public func stop() {
        if !process.isRunning, !tasks.isEmpty { _ = try? restart() }
        for (namespace, id) in tasks { remove(id: id, namespace: namespace) }
        _ = process.stop(grace: 10)
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func labelArguments(_ labels: [String: String]) -> [String] {
        labels.sorted { $0.key < $1.key }.flatMap { ["--label", "\($0.key)=\($0.value)"] }
    }

    @discardableResult
    private static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard p.terminationStatus == 0 else {
            throw TestSupportError("\(executable) \(arguments.joined(separator: " ")) failed:\n\(text)")
        }
        return text
    }
}
