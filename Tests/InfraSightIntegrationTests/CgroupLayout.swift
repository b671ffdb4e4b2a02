import Foundation
import InfraSightTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// One way a container runtime lays out its cgroups, made for real on this machine: the cgroup
/// directories a runtime would create, and the container identity the agent must derive for a
/// process inside them.
struct CgroupLayout {
    /// Which hierarchy the layout is created in.
    enum Hierarchy: String {
        /// The cgroup v2 (unified) hierarchy: the agent sees it through the BPF cgroup id.
        case v2
        /// A named cgroup v1 hierarchy mounted by the test (`-o none,name=…`): only `/proc/<pid>/cgroup` shows it.
        case v1Named
        /// The v1 `pids` controller hierarchy (as docker/podman with cgroupfs on a v1 host use it).
        case v1Pids
    }

    let name: String
    let hierarchy: Hierarchy
    /// The cgroup the process joins, relative to the hierarchy root.
    let path: String
    /// Expected container id and runtime (nil: not a container), and pod uid.
    let containerID: String?
    let runtime: String?
    let podUID: String?

    static func randomID() -> String {
        (0..<4).map { _ in String(format: "%016llx", UInt64.random(in: 0...UInt64.max)) }.joined()
    }

    /// Every supported layout, with fresh ids, in `hierarchies`.
    static func all(in hierarchies: [Hierarchy]) -> [CgroupLayout] {
        var out: [CgroupLayout] = []
        for h in hierarchies {
            func add(_ name: String, _ path: (String, String) -> String, runtime: String?, pod: Bool = false) {
                let id = randomID(), uid = UUID().uuidString.lowercased()
                out.append(CgroupLayout(name: "\(h.rawValue) \(name)", hierarchy: h, path: path(id, uid),
                                        containerID: runtime == nil ? nil : id, runtime: runtime, podUID: pod ? uid : nil))
            }
            func underscored(_ uid: String) -> String { uid.replacingOccurrences(of: "-", with: "_") }
            add("docker systemd driver", { id, _ in "/system.slice/docker-\(id).scope" }, runtime: "docker")
            add("docker cgroupfs driver", { id, _ in "/docker/\(id)" }, runtime: "docker")
            add("containerd kubepods systemd driver", { id, uid in
                "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(underscored(uid)).slice/cri-containerd-\(id).scope"
            }, runtime: "containerd", pod: true)
            add("containerd kubepods cgroupfs driver", { id, uid in "/kubepods/besteffort/pod\(uid)/\(id)" }, runtime: "containerd", pod: true)
            add("cri-o kubepods systemd driver", { id, uid in
                "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod\(underscored(uid)).slice/crio-\(id).scope"
            }, runtime: "cri-o", pod: true)
            add("cri-o kubepods cgroupfs driver", { id, uid in "/kubepods/burstable/pod\(uid)/crio-\(id)" }, runtime: "cri-o", pod: true)
            add("podman systemd driver", { id, _ in "/machine.slice/libpod-\(id).scope" }, runtime: "podman")
            add("podman cgroupfs driver", { id, _ in "/libpod_parent/libpod-\(id)" }, runtime: "podman")
            if h == .v2 {
                add("podman systemd driver, sub-cgroup", { id, _ in "/machine.slice/libpod-\(id).scope/container" }, runtime: "podman")
                add("containerd namespace cgroupfs (nerdctl/ctr)", { id, _ in "/default/\(id)" }, runtime: "containerd")
                add("containerd cgroupsPath kept verbatim (kind, k3s)", { id, uid in
                    "/system.slice/containerd.service/kubepods-burstable-pod\(underscored(uid)).slice:cri-containerd:\(id)"
                }, runtime: "containerd", pod: true)
                add("podman conmon (not a container)", { id, _ in "/machine.slice/libpod-conmon-\(id).scope" }, runtime: nil)
                add("host service (not a container)", { id, _ in "/system.slice/infrasight-it-\(id.prefix(8)).service" }, runtime: nil)
            }
        }
        return out
    }
}

/// Cgroup directories created by a test on this machine's hierarchies, removed again (deepest first,
/// only what the test created) by `removeAll()`, also after a failure.
final class CgroupTree {
    private(set) var created: [String] = []

    /// Creates `root + relative` and any missing parents; returns the leaf's inode.
    @discardableResult
    func make(root: String, relative: String) throws -> UInt64 {
        var path = root
        for component in relative.split(separator: "/") {
            path += "/" + component
            if mkdir(path, 0o755) == 0 {
                created.append(path)
            } else if errno != EEXIST {
                throw TestSupportError("mkdir \(path): \(String(cString: strerror(errno)))")
            }
        }
        var st = stat()
        guard stat(path, &st) == 0 else { throw TestSupportError("stat \(path)") }
        return UInt64(st.st_ino)
    }

    /// Removes every directory this tree created; returns the ones that could not be removed.
    @discardableResult
    func removeAll() -> [String] {
        var failed: [String] = []
        for path in created.reversed() where rmdir(path) != 0 && errno != ENOENT {
            // A process that just exited may still be accounted to the cgroup for a moment.
            var removed = false
            for _ in 0..<50 where !removed {
                usleep(20_000)
                removed = rmdir(path) == 0 || errno == ENOENT
            }
            if !removed { failed.append(path) }
        }
        created.removeAll()
        return failed
    }

    /// The cgroup2 mount points and the v1 hierarchy mount of controller/name `option` in this mount namespace.
    static func mounts() -> (cgroup2: [String], v1: [String: String]) {
        let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        var v2: [String] = [], v1: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard let dash = f.firstIndex(of: "-"), dash + 3 < f.count, f[3] == "/" else { continue }
            if f[dash + 1] == "cgroup2" { v2.append(String(f[4])) }
            if f[dash + 1] == "cgroup" {
                for option in f[dash + 3].split(separator: ",") where option != "rw" && option != "ro" { v1[String(option)] = String(f[4]) }
            }
        }
        return (v2, v1)
    }
}

/// A `/bin/sh` child that, once told to go, moves itself into one or more cgroups (writing its pid
/// to each `cgroup.procs`) and then execs `cat MARKER -`: its exec and the open of MARKER happen
/// inside the cgroup, and it stays alive (reading stdin) until `finish()`.
final class ProcessInCgroup {
    let process = Process()
    let stdin = Pipe()
    let marker: String

    init(cgroupDirectories: [String], marker: String) throws {
        self.marker = marker
        guard FileManager.default.createFile(atPath: marker, contents: Data("x\n".utf8)) else {
            throw TestSupportError("could not create \(marker)")
        }
        let moves = cgroupDirectories.map { "echo $$ > '\($0)/cgroup.procs'" }.joined(separator: " && ")
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "read go && \(moves) && exec cat \"$0\" -", marker]
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    var pid: UInt32 { UInt32(process.processIdentifier) }
    func go() { stdin.fileHandleForWriting.write(Data("go\n".utf8)) }
    func finish() {
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: marker)
    }
}
