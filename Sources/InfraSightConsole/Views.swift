/// `/api/events`: the live stream (newest first) with the `EventFilter` filters.
enum EventsView {
    /// The process tree of the browser asking, when the request comes from a browser (a `Mozilla/`
    /// User-Agent, which every browser sends) on this machine's loopback and `own=1` is not set: its own
    /// activity is left out of the live events by default. Tools (curl, the CLI) and remote browsers
    /// exclude nothing.
    static func ownBrowser(_ request: ConsoleRequest, nodeName: String, browsers: BrowserProcessTree) -> EventFilter.ProcessTree? {
        guard request.headers["user-agent"]?.hasPrefix("Mozilla/") == true,
              !request.query.contains(where: { $0.0 == "own" && $0.1 == "1" }),
              let peer = request.peer, let root = browsers.root(of: peer) else { return nil }
        return EventFilter.ProcessTree(host: nodeName, pid: root)
    }

    static func run(_ query: [(String, String)], database: ConsoleDatabase, db: String,
                    excluding tree: EventFilter.ProcessTree? = nil) throws -> ConsoleTable {
        var filter = try EventFilter(query)
        filter.excludedTree = tree
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

/// `/api/overview`: the landing page's charts (per-probe event rates and pipeline loss over time).
enum OverviewView {
    struct Answer: Encodable {
        var rates: ConsoleTable
        var pipeline: ConsoleTable
    }

    static func run(_ query: [(String, String)], database: ConsoleDatabase, db: String) throws -> Answer {
        let q = try OverviewQuery(query)
        return Answer(
            rates: try database.table(q.ratesSQL(database: db), columns: OverviewQuery.rateColumns),
            pipeline: try database.table(q.pipelineSQL(database: db), columns: OverviewQuery.pipelineColumns))
    }
}
