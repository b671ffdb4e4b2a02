import Logging

/// `/api/events`: the live stream (newest first) with the `EventFilter` filters.
enum EventsView {
    /// The live stream. For a request from a browser (a `Mozilla/` User-Agent, which every browser
    /// sends) on this machine's loopback, that browser's own process tree on `nodeName` is left out
    /// unless `own=1`; tools (curl, the CLI) and remote browsers exclude nothing.
    static func run(_ request: ConsoleRequest, database: ConsoleDatabase, db: String,
                    nodeName: String, browsers: BrowserProcessTree, logger: Logger) throws -> ConsoleTable {
        var filter = try EventFilter(request.query)
        if !filter.own, request.headers["user-agent"]?.hasPrefix("Mozilla/") == true, let peer = request.peer {
            if let root = browsers.root(of: peer) {
                filter.excludedTree = EventFilter.ProcessTree(host: nodeName, pid: root)
                logger.debug("live events: leaving out the asking browser's process tree", metadata: ["pid": "\(root)", "host": "\(nodeName)"])
            } else {
                logger.debug("live events: no process tree found for a browser", metadata: ["peer": "\(peer.ip):\(peer.port)->\(peer.serverPort)"])
            }
        }
        let columns = EventStreamQuery.columns(probe: filter.probe)
        guard let sql = EventStreamQuery.sql(database: db, filter: filter) else { return .empty(columns) }
        return try database.table(sql, columns: columns)
    }
}

/// `/api/process`: one execution, its ancestry, its children and its events.
enum ProcessView {
    /// The answer: the process (one row, or none), its ancestors nearest first, its children oldest
    /// first, its events oldest first.
    struct Answer: Encodable {
        var process: ConsoleTable
        var ancestry: ConsoleTable
        var children: ConsoleTable
        var events: ConsoleTable
        /// "exec_id" or "host+pid": how the process was looked up.
        var key: String
    }

    static func run(_ query: [(String, String)], database: ConsoleDatabase, db: String) throws -> Answer {
        let q = try ProcessQuery(query)
        let columns = ProcessQuery.processColumns
        let process = try database.table(q.processSQL(database: db), columns: columns)
        let events = try database.table(q.eventsSQL(database: db), columns: ProcessQuery.eventColumns)
        var ancestry = ConsoleTable.empty(columns)
        // Walk the parent chain via ppid: the newest event of the parent pid at or before the child's time.
        if let row = process.rows.first, let host = process.column("host").first {
            var ppid = Int(row[columns.firstIndex(of: "ppid")!]) ?? 0
            var before = UInt64(row[columns.firstIndex(of: "time_ns")!]) ?? 0
            var seen: Set<Int> = [Int(row[columns.firstIndex(of: "pid")!]) ?? 0]
            while ppid > 0, !seen.contains(ppid), ancestry.rows.count < ProcessQuery.maxDepth {
                seen.insert(ppid)
                let parent = try database.table(q.parentSQL(database: db, host: host, pid: ppid, beforeNs: before), columns: columns)
                guard let p = parent.rows.first, p.count == columns.count else {
                    // Not captured (started before the agent, or outside the window): show the pid alone.
                    ancestry.rows.append(columns.map { $0 == "pid" ? String(ppid) : $0 == "host" ? host : "" })
                    break
                }
                ancestry.rows.append(p)
                ppid = Int(p[columns.firstIndex(of: "ppid")!]) ?? 0
                before = UInt64(p[columns.firstIndex(of: "time_ns")!]) ?? before
            }
        }
        // Children: processes whose ppid is this pid, from the process's exec on (the same pid before
        // that exec was another program, with children of its own); the whole window without one.
        var children = ConsoleTable.empty(columns)
        if let row = process.rows.first, let host = process.column("host").first, let pid = Int(row[columns.firstIndex(of: "pid")!]) {
            let exec = row[columns.firstIndex(of: "probe")!] == "execve"
            let since = exec ? UInt64(row[columns.firstIndex(of: "time_ns")!]) ?? 0 : 0
            children = try database.table(q.childrenSQL(database: db, host: host, pid: pid, sinceNs: since), columns: columns)
        }
        let key: String
        switch q.key {
        case .execID: key = "exec_id"
        case .hostPID: key = "host+pid"
        }
        return Answer(process: process, ancestry: ancestry, children: children, events: events, key: key)
    }
}

/// `/api/top/*`: the top views.
enum TopView {
    static func run(_ top: TopQuery, _ query: [(String, String)], database: ConsoleDatabase, db: String) throws -> ConsoleTable {
        let filter = try EventFilter(query, allowed: TopQuery.names)
        return try database.table(top.sql(database: db, filter: filter), columns: top.columns)
    }
}

/// `/api/health`: pipeline_stats per stage instance (with a stale mark), per stage, and per non-zero counter.
enum HealthView {
    struct Answer: Encodable {
        var instances: ConsoleTable
        var stages: ConsoleTable
        var counters: ConsoleTable
    }

    static func run(_ query: [(String, String)], database: ConsoleDatabase, db: String) throws -> Answer {
        let q = try PipelineHealthQuery(query)
        return Answer(
            instances: try database.table(q.instancesSQL(database: db), columns: PipelineHealthQuery.instanceColumns),
            stages: try database.table(q.summarySQL(database: db), columns: PipelineHealthQuery.summaryColumns),
            counters: try database.table(q.countersSQL(database: db), columns: PipelineHealthQuery.counterColumns))
    }
}

/// `/api/overview`: the landing page's charts (per-probe event rates and pipeline loss over time), the
/// newest alerts, and the top talkers, files and binaries of the charts' window.
enum OverviewView {
    struct Answer: Encodable {
        var rates: ConsoleTable
        var pipeline: ConsoleTable
        var alerts: ConsoleTable
        var talkers: ConsoleTable
        var files: ConsoleTable
        var binaries: ConsoleTable
    }

    static func run(_ query: [(String, String)], database: ConsoleDatabase, db: String) throws -> Answer {
        let q = try OverviewQuery(query)
        let top = { (t: TopQuery) in try database.table(q.topSQL(t, database: db), columns: t.columns) }
        return Answer(
            rates: try database.table(q.ratesSQL(database: db), columns: OverviewQuery.rateColumns),
            pipeline: try database.table(q.pipelineSQL(database: db), columns: OverviewQuery.pipelineColumns),
            alerts: try database.table(q.alerts.sql(database: db), columns: AlertsQuery.columns),
            talkers: try top(.talkers), files: try top(.files), binaries: try top(.binaries))
    }
}

/// `/api/alerts`: alerts newest first, with the `AlertsQuery` filters.
enum AlertsView {
    static func run(_ query: [(String, String)], database: ConsoleDatabase, db: String) throws -> ConsoleTable {
        try database.table(try AlertsQuery(query).sql(database: db), columns: AlertsQuery.columns)
    }
}
