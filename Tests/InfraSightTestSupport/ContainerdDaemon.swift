import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private, real containerd for a test: its own root, state, socket and config in a temporary
/// directory (the CRI plugin disabled: no Kubernetes needed), driven with `ctr`. Container records are
/// created without tasks, so nothing runs inside containerd. `stop()` ends the daemon and removes the
/// directory. Needs root and Debian's `containerd` (which brings `ctr`); throws without them.
public final class ContainerdDaemon {
    public let directory: String
    public var socket: String { directory + "/containerd.sock" }
    private let process: ChildProcess

    /// The first executable `tool` in the usual directories.
    public static func which(_ tool: String, install: String) throws -> String {
        for dir in ["/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(tool)") {
            return "\(dir)/\(tool)"
        }
        throw TestSupportError("\(tool) not installed (apt-get install \(install); `make deps` does)")
    }

    /// Starts containerd and waits until its socket answers `ctr version`.
    public static func start() throws -> ContainerdDaemon {
        guard getuid() == 0 else { throw TestSupportError("a private containerd needs root") }
        let binary = try which("containerd", install: "containerd")
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
        try config.write(toFile: dir + "/config.toml", atomically: true, encoding: .utf8)
        let process: ChildProcess
        do {
            process = try ChildProcess(name: "containerd", executable: binary, arguments: ["--config", dir + "/config.toml"],
                                       logPath: dir + "/containerd.log")
        } catch {
            try? FileManager.default.removeItem(atPath: dir)
            throw error
        }
        let daemon = ContainerdDaemon(directory: dir, process: process)
        let deadline = Date().addingTimeInterval(30)
        while (try? daemon.ctr("default", ["version"])) == nil {
            guard process.isRunning, Date() < deadline else {
                let log = process.output()
                daemon.stop()
                throw TestSupportError("containerd did not start:\n\(log.suffix(3000))")
            }
            usleep(100_000)
        }
        return daemon
    }

    private init(directory: String, process: ChildProcess) {
        self.directory = directory
        self.process = process
    }

    /// Runs `ctr --address <socket> -n <namespace> <arguments>`; throws with its output when it fails.
    @discardableResult
    public func ctr(_ namespace: String, _ arguments: [String]) throws -> String {
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: try Self.which("ctr", install: "containerd"))
        p.arguments = ["--address", socket, "-n", namespace] + arguments
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard p.terminationStatus == 0 else { throw TestSupportError("ctr \(arguments.joined(separator: " ")) failed:\n\(text)") }
        return text
    }

    /// Imports a one-binary busybox image (host's busybox-static, imported with `podman import`, saved
    /// as an OCI archive with `podman save`, then removed from podman) into `namespace` as `reference`;
    /// the archive stays at `<directory>/image.tar` for importing into further namespaces.
    public func importBusyboxImage(_ reference: String, namespace: String) throws {
        let busybox = try Self.which("busybox", install: "busybox-static")
        let podman = try Self.which("podman", install: "podman")
        let rootfs = directory + "/image-rootfs"
        try FileManager.default.createDirectory(atPath: rootfs + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: rootfs + "/etc", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: busybox, toPath: rootfs + "/bin/busybox")
        try FileManager.default.createSymbolicLink(atPath: rootfs + "/bin/sh", withDestinationPath: "busybox")
        try Self.run("/bin/tar", ["-C", rootfs, "-cf", directory + "/rootfs.tar", "."])
        try Self.run(podman, ["import", directory + "/rootfs.tar", reference])
        defer { try? Self.run(podman, ["rmi", "-f", reference]) }  // only containerd keeps the image
        try Self.run(podman, ["save", "--format", "oci-archive", "-o", directory + "/image.tar", reference])
        try ctr(namespace, ["images", "import", directory + "/image.tar"])
    }

    /// A container record (no task) of `image` with `labels` in `namespace`.
    public func createContainer(id: String, image: String, labels: [String: String], namespace: String) throws {
        try ctr(namespace, ["containers", "create"] + labels.sorted { $0.key < $1.key }.flatMap { ["--label", "\($0.key)=\($0.value)"] } + [image, id])
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

    /// Stops containerd and removes its directory.
    public func stop() {
        _ = process.stop(grace: 10)
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func run(_ executable: String, _ arguments: [String]) throws {
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw TestSupportError("\(executable) \(arguments.joined(separator: " ")) failed:\n\(String(decoding: data, as: UTF8.self))")
        }
    }
}
