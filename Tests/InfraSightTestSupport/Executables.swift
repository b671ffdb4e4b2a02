import Foundation

/// Where tests find the programs they drive (podman, runc, containerd, busybox, systemd-analyze, ...):
/// the PATH, then the usual system folders. One lookup for every test target.
public enum Executables {
    static let systemFolders = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    /// The tool's path, or nil when it is not installed.
    public static func find(_ tool: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for dir in path + systemFolders {
            let candidate = (dir as NSString).appendingPathComponent(tool)
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The tool's path; a missing tool fails loudly with the Debian package that provides it.
    public static func require(_ tool: String, install package: String) throws -> String {
        guard let found = find(tool) else { throw TestSupportError("\(tool) not installed (apt-get install \(package); `make deps` does)") }
        return found
    }
}
