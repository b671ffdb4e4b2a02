import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Finds the stack script (`scripts/demo.sh`) next to this executable and replaces this process
/// with it, so its output, signals and exit status are the command's own.
enum StackScript {
    /// Where the script is looked for, relative to the executable: an install (`<prefix>/bin` and
    /// `<prefix>/share/infrasight`), then a checkout's build folders (`.build/<config>/`,
    /// `.build/<triple>/<config>/`).
    static func candidates(executable: URL) -> [URL] {
        let bin = executable.deletingLastPathComponent()
        var found = [bin.appendingPathComponent("../share/infrasight/demo.sh").standardized]
        var folder = bin
        for _ in 0..<4 {
            folder = folder.deletingLastPathComponent()
            found.append(folder.appendingPathComponent("scripts/demo.sh"))
        }
        return found
    }

    static func locate(executable: URL) -> URL? {
        if let explicit = ProcessInfo.processInfo.environment["INFRASIGHT_STACK_SCRIPT"] {
            return URL(fileURLWithPath: explicit)
        }
        return candidates(executable: executable).first { FileManager.default.isReadableFile(atPath: $0.path) }
    }

    /// Runs `bash <script> <action>` in place of this process; returns only by throwing.
    static func exec(action: String, dir: String?) throws -> Never {
        let executable = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                             ?? CommandLine.arguments[0])
        guard let script = locate(executable: executable) else {
            throw ValidationError("cannot find the stack script (scripts/demo.sh) near \(executable.path); run from a checkout or set INFRASIGHT_STACK_SCRIPT")
        }
        // The stack runs this very binary unless INFRASIGHT_BIN names another.
        if ProcessInfo.processInfo.environment["INFRASIGHT_BIN"] == nil { setenv("INFRASIGHT_BIN", executable.path, 1) }
        if let dir { setenv("INFRASIGHT_DEMO_DIR", URL(fileURLWithPath: dir).standardized.path, 1) }
        let arguments = ["bash", script.path, action]
        var argv = arguments.map { strdup($0) } + [nil]
        execv("/bin/bash", &argv)
        throw ValidationError("cannot run /bin/bash \(script.path): \(String(cString: strerror(errno)))")
    }
}
