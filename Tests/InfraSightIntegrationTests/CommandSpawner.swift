import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs commands with posix_spawn so the test knows each child's pid and the child's parent is this process.
enum CommandSpawner {
    /// Outcome of one spawn: the child's pid (nil when exec failed) and the spawn error.
    struct Result {
        var pid: pid_t?
        var error: Int32
    }

    /// Spawns `argv[0]` with `argv`, waits for it. A failing exec is reported as its errno.
    static func run(_ argv: [String]) -> Result {
        var pid: pid_t = 0
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        posix_spawn_file_actions_addopen(&fileActions, 1, "/dev/null", O_WRONLY, 0)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        let rc = posix_spawn(&pid, argv[0], &fileActions, nil, cArgs, environ)
        if rc != 0 { return Result(pid: nil, error: rc) }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return Result(pid: pid, error: 0)
    }
}
