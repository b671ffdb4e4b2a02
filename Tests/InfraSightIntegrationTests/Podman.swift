import Foundation
import InfraSightCore
import InfraSightTestSupport
import XCTest

/// podman as the container tests drive it, with the host settings deploy/podman/host.sh derives (runtime,
/// cgroup manager, ulimits): one place for both the tests and run-agent.sh. Missing podman, runc or
/// busybox fail the test with what to install.
enum Podman {
    /// A one-binary image: busybox-static and its applet links, imported with `podman import`.
    static let busyboxImage = "localhost/infrasight-it-busybox:latest"
    /// The image `make image` builds.
    static let infrasightImage = "localhost/infrasight:dev"

    static func which(_ tool: String) throws -> String {
        try Executables.require(tool, install: "podman runc busybox-static")
    }

    /// `PODMAN_GLOBAL` and `PODMAN_LIMITS` of deploy/podman/host.sh, read once.
    static let hostSettings: (global: [String], limits: [String]) = {
        let script = ProjectPaths.root.appendingPathComponent("deploy/podman/host.sh").path
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", ". \"$1\"; printf '%s\\n' \"${PODMAN_GLOBAL[*]}\" \"${PODMAN_LIMITS[*]}\"", "host", script]
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return ([], []) }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.split(separator: " ").map(String.init) }
        return (lines.first ?? [], lines.count > 1 ? lines[1] : [])
    }()
    static var global: [String] { hostSettings.global }
    static var limits: [String] { hostSettings.limits }

    /// Runs `podman <global> args` to completion; throws with the output when it fails.
    @discardableResult
    static func run(_ args: [String], stdin: Pipe? = nil) throws -> String {
        let result = try output(args, stdin: stdin)
        guard result.status == 0 else { throw TestSupportError("podman \(args.joined(separator: " ")) failed:\n\(result.output)") }
        return result.output
    }

    /// Runs `podman <global> args` to completion and returns its exit status and output, whatever the status.
    static func output(_ args: [String], stdin: Pipe? = nil) throws -> (status: Int32, output: String) {
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: try which("podman"))
        p.arguments = global + args
        p.standardOutput = out
        p.standardError = out
        p.standardInput = stdin ?? FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The image the detect tests' container triggers run in: busybox with the applets they use.
    static let busyboxToolsImage = "localhost/infrasight-it-busybox-tools:latest"

    /// Imports `image` (default `busyboxImage`) from the host's static busybox (once), with links for
    /// `applets`, building its rootfs under `work`.
    static func importBusyboxImage(work: String, image: String = busyboxImage, applets: [String] = ["sh", "cat", "sleep"]) throws {
        let busybox = try which("busybox")
        if (try? run(["image", "exists", image])) != nil { return }
        let rootfs = work + "/rootfs-\(UUID().uuidString)"
        for dir in ["/bin", "/etc", "/tmp", "/mnt", "/sbin"] {
            try FileManager.default.createDirectory(atPath: rootfs + dir, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: busybox, toPath: rootfs + "/bin/busybox")
        for applet in applets { try FileManager.default.createSymbolicLink(atPath: rootfs + "/bin/\(applet)", withDestinationPath: "busybox") }
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["-C", rootfs, "-cf", work + "/rootfs.tar", "."]
        try tar.run(); tar.waitUntilExit()
        guard tar.terminationStatus == 0 else { throw TestSupportError("tar of the busybox rootfs failed") }
        try run(["import", work + "/rootfs.tar", image])
    }

    /// `podman inspect` of one container or image, as a JSON object.
    static func inspect(_ name: String) throws -> [String: Any] {
        let text = try run(["inspect", name])
        guard let list = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any], let first = list.first as? [String: Any] else {
            throw TestSupportError("podman inspect \(name): no object in\n\(text.prefix(500))")
        }
        return first
    }
}

/// A busybox workload container that runs `cat /etc/hostname` once per `runCat()`, with the pod labels
/// the runtime-metadata tests look for (its id is known once podman wrote its cidfile).
final class PodmanWorkload {
    let name = "infrasight-workload-\(UInt32.random(in: 0...UInt32.max))"
    let podUID = UUID().uuidString.lowercased()
    var labels: [String: String] {
        ["team": "infra", "io.kubernetes.pod.name": "web-0", "io.kubernetes.pod.namespace": "shop", "io.kubernetes.pod.uid": podUID]
    }
    /// The full 64-hex container id.
    private(set) var id = ""
    private let input = Pipe()
    private let process = Process()

    init(work: String) throws {
        let cidFile = work + "/cid-\(name)"
        process.executableURL = URL(fileURLWithPath: try Podman.which("podman"))
        process.arguments = Podman.global + ["run", "--rm", "-i", "--name", name, "--cidfile", cidFile, "--network", "none"] + Podman.limits
            + labels.sorted(by: { $0.key < $1.key }).flatMap { ["--label", "\($0.key)=\($0.value)"] }
            + [Podman.busyboxImage, "/bin/sh", "-c", "while read line; do cat /etc/hostname; done"]
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while id.count != 64 {
            id = ((try? String(contentsOfFile: cidFile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard process.isRunning, Date() < deadline else {
                stop()
                throw TestSupportError("podman run did not start the workload container")
            }
            usleep(100_000)
        }
    }

    /// One more `cat /etc/hostname` in the container.
    func runCat() { input.fileHandleForWriting.write(Data("go\n".utf8)) }

    /// An exec event of one of those cats.
    static func isCat(_ e: Event) -> Bool { e.probe == "execve" && e.exec.argv == ["cat", "/etc/hostname"] }

    /// One cat per round (up to 40), each required to have its exec event in `stream`, until one carries
    /// the runtime's answer (fetched asynchronously); returns that event.
    func catUntilMetadata(_ stream: AgentEventStream, file: StaticString = #filePath, line: UInt = #line) -> Event? {
        for round in 1...40 {
            runCat()
            let seen = stream.events(count: round, where: Self.isCat)
            XCTAssertGreaterThanOrEqual(seen.count, round, "cat #\(round) in the workload has no exec event with its container id\n\(stream.diagnostics)",
                                        file: file, line: line)
            if let first = seen.first(where: { !$0.container.name.isEmpty }) { return first }
        }
        return nil
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.waitUntilExit() }
        _ = try? Podman.run(["rm", "-f", "--ignore", name])
    }
}
