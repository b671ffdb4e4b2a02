import Foundation
import InfraSightTestSupport

/// One stored exec_events row, as read back for assertions.
struct StoredExecRow {
    var eventID: String
    var pid: UInt32
    var ppid: UInt32
    var uid: UInt32
    var user: String
    var gid: UInt32
    var comm: String
    var filename: String
    var argv: [String]
    var ret: Int64
    var errnoName: String
    var latencyNs: UInt64
    var timeNs: UInt64
    var host: String
    var execID: String
    var parentExecID: String
    var ancestorsPid: [UInt32]
}

/// Reads exec_events rows of one test run (marked by argv[3]) back from ClickHouse as JSONEachRow.
enum ExecRowQuery {
    static func rows(in server: ClickHouseServer, runID: String, table: String = "infrasight.exec_events") throws -> [StoredExecRow] {
        let sql = """
            SELECT event_id, pid, ppid, uid, user, gid, comm, filename, argv, ret, errno_name, latency_ns, time_ns, host,
                   exec_id, parent_exec_id, ancestors_pid
            FROM \(table) WHERE length(argv) >= 3 AND argv[3] = '\(runID)' FORMAT JSONEachRow
            """
        return try server.query(sql).split(separator: "\n").map { line in
            guard let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw TestSupportError("not a JSON row: \(line)")
            }
            func num<T: FixedWidthInteger>(_ k: String) -> T {
                if let s = obj[k] as? String { return T(s) ?? 0 }
                if let n = obj[k] as? NSNumber { return T(truncatingIfNeeded: n.int64Value) }
                return 0
            }
            return StoredExecRow(eventID: obj["event_id"] as? String ?? "", pid: num("pid"), ppid: num("ppid"),
                                 uid: num("uid"), user: obj["user"] as? String ?? "", gid: num("gid"),
                                 comm: obj["comm"] as? String ?? "", filename: obj["filename"] as? String ?? "",
                                 argv: obj["argv"] as? [String] ?? [], ret: num("ret"),
                                 errnoName: obj["errno_name"] as? String ?? "", latencyNs: num("latency_ns"),
                                 timeNs: num("time_ns"), host: obj["host"] as? String ?? "",
                                 execID: obj["exec_id"] as? String ?? "", parentExecID: obj["parent_exec_id"] as? String ?? "",
                                 ancestorsPid: (obj["ancestors_pid"] as? [Any] ?? []).map { UInt32("\($0)") ?? 0 })
        }
    }
}
