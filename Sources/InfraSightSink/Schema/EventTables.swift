import InfraSightClickHouse
import InfraSightCore

/// Every event table of database `infrasight`, and which table each probe's events go to.
public enum EventTables {
    /// `exec_events`: execve / execveat.
    public static let exec = EventTable(
        name: "exec_events", probes: [.execve],
        columns: CommonColumns.leading + [
            ColumnSpec("filename", "String") { w, e, _ in w.string(e.exec.filename) },
            ColumnSpec("argv", "Array(String)") { w, e, _ in w.stringArray(e.exec.argv) },
            ColumnSpec("argv_truncated", "UInt8") { w, e, _ in w.uint8(e.exec.argvTruncated ? 1 : 0) },
        ] + CommonColumns.trailing)

    public static let all: [EventTable] = [exec]

    public static func table(for probe: Probe) -> EventTable {
        switch probe {
        case .execve: return exec
        }
    }
}
