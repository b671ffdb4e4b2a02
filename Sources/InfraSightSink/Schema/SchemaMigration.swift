/// One step of a migration: plain SQL, or "add the columns this table definition has and the server's
/// table lacks" (ClickHouse 18.16 has no `ADD COLUMN IF NOT EXISTS`, so the manager compares
/// `system.columns` and adds what is missing, in definition order).
public enum SchemaStep: Sendable {
    case sql(String)
    case ensureColumns(EventTable)
}

/// One forward step of the ClickHouse schema. Versions only grow; each step is idempotent, so
/// re-applying after a partial failure is safe.
public struct SchemaMigration: Sendable {
    public let version: Int
    public let description: String
    /// The steps for a flavor, database and retention.
    public let steps: @Sendable (_ database: String, _ flavor: SchemaFlavor, _ retentionDays: Int) -> [SchemaStep]

    /// The SQL of the plain steps (for `schema ddl` and checks without a server).
    public func statements(_ database: String, _ flavor: SchemaFlavor, _ retentionDays: Int) -> [String] {
        steps(database, flavor, retentionDays).compactMap { if case .sql(let s) = $0 { return s }; return nil }
    }
}

/// The ordered list of every schema version.
public enum SchemaMigrations {
    public static let all: [SchemaMigration] = [
        SchemaMigration(version: 1, description: "exec_events and its dedup view") { db, flavor, retention in
            [.sql(EventTables.exec.createStatement(database: db, flavor: flavor, retentionDays: retention)),
             .sql(EventTables.exec.dedupViewStatement(database: db))]
        },
        SchemaMigration(version: 2, description: "process and container context; file, network and process events; pipeline_stats") { db, flavor, retention in
            var steps: [SchemaStep] = [.ensureColumns(EventTables.exec)]
            for table in [EventTables.file, EventTables.network, EventTables.process] {
                steps.append(.sql(table.createStatement(database: db, flavor: flavor, retentionDays: retention)))
                steps.append(.sql(table.dedupViewStatement(database: db)))
            }
            steps.append(.sql(PipelineStatsTable.createStatement(database: db, flavor: flavor, retentionDays: retention)))
            return steps
        },
        // A current ClickHouse fixes a view's columns when it is created, so the `_dedup` views are
        // recreated to show the added columns (this also brings exec_events_dedup up to v2's columns).
        SchemaMigration(version: 3, description: "container labels (container_label_keys, container_label_values); dedup views recreated") { db, _, _ in
            // The tables v2 knew (a table added later is created, with its view, by its own version).
            [EventTables.exec, EventTables.file, EventTables.network, EventTables.process].flatMap { table -> [SchemaStep] in
                [.ensureColumns(table), .sql("DROP TABLE IF EXISTS \(db).\(table.name)_dedup"), .sql(table.dedupViewStatement(database: db))]
            }
        },
        SchemaMigration(version: 4, description: "alerts (from infrasight.alerts) and alerts_dedup") { db, flavor, retention in
            [.sql(AlertsTable.createStatement(database: db, flavor: flavor, retentionDays: retention)),
             .sql(AlertsTable.dedupViewStatement(database: db))]
        },
        // The file tables gain the kernel's resolved path beside the path as passed; their dedup views
        // are recreated to show it.
        SchemaMigration(version: 5, description: "resolved_path, resolved_lexical, resolved_truncated on file_events and exec_events; their dedup views recreated") { db, _, _ in
            [EventTables.file, EventTables.exec].flatMap { table -> [SchemaStep] in
                [.ensureColumns(table), .sql("DROP TABLE IF EXISTS \(db).\(table.name)_dedup"), .sql(table.dedupViewStatement(database: db))]
            }
        },
        SchemaMigration(version: 6, description: "setid_events (set*id, capset) and setid_events_dedup") { db, flavor, retention in
            [.sql(EventTables.setid.createStatement(database: db, flavor: flavor, retentionDays: retention)),
             .sql(EventTables.setid.dedupViewStatement(database: db))]
        },
        SchemaMigration(version: 7, description: "dup_events (a socket duplicated onto fd 0-2) and socket_events (socket()), with their dedup views") { db, flavor, retention in
            [EventTables.dup, EventTables.socket].flatMap { table -> [SchemaStep] in
                [.sql(table.createStatement(database: db, flavor: flavor, retentionDays: retention)),
                 .sql(table.dedupViewStatement(database: db))]
            }
        },
        // Fileless execution flags on exec_events (version 7 belongs to the dup and socket probes).
        SchemaMigration(version: 8, description: "exe_unlinked, exe_memfd on exec_events; its dedup view recreated") { db, _, _ in
            [.ensureColumns(EventTables.exec), .sql("DROP TABLE IF EXISTS \(db).exec_events_dedup"), .sql(EventTables.exec.dedupViewStatement(database: db))]
        },
        SchemaMigration(version: 9, description: "link_events (symlink*, link*, unlink*, rename*) and link_events_dedup") { db, flavor, retention in
            [.sql(EventTables.link.createStatement(database: db, flavor: flavor, retentionDays: retention)),
             .sql(EventTables.link.dedupViewStatement(database: db))]
        },
        SchemaMigration(version: 10, description: "bind_events (bind, listen: new listeners) and sendto_events (datagrams to an explicit IP destination), with their dedup views") { db, flavor, retention in
            [EventTables.bind, EventTables.sendto].flatMap { table -> [SchemaStep] in
                [.sql(table.createStatement(database: db, flavor: flavor, retentionDays: retention)),
                 .sql(table.dedupViewStatement(database: db))]
            }
        },
        SchemaMigration(version: 11, description: "kernel_events (module loads and BPF program loads, at the attempt) and kernel_events_dedup") { db, flavor, retention in
            [.sql(EventTables.kernel.createStatement(database: db, flavor: flavor, retentionDays: retention)),
             .sql(EventTables.kernel.dedupViewStatement(database: db))]
        },
    ]

    public static var latest: Int { all.map(\.version).max() ?? 0 }
}
