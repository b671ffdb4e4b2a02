/// Every preset `infrasight query` knows.
public enum QueryPresets {
    public static let all: [QueryPreset] = [
        QueryPreset(name: "alerts", summary: "alerts from infrasight detect, newest first (one row per alert_id); --rule, --severity",
                    takesAlertFilters: true) { db, f in
            """
            SELECT toString(time) AS time_utc, severity, rule, host, pid, comm, user,
                   if(container_name = '', container_id, container_name) AS container, pod_namespace, pod_name,
                   message, exec_id, alert_id
            FROM \(db).\(AlertsTable.dedupView)
            WHERE \(f.alertWhereClause())
            ORDER BY time_ns DESC, alert_id LIMIT \(f.limit)
            """
        },
        QueryPreset(name: "sensitive-files", summary: "access to sensitive paths (/etc/shadow, ~/.ssh, docker.sock, …) by the file resolved in the kernel, newest first") { db, f in
            """
            SELECT toString(time) AS time_utc, host, user, comm, pid, syscall, resolved_path, path, flags_text, mode_text, ret, errno_name, container_id
            FROM \(db).file_events_dedup
            WHERE sensitive = 1 AND \(f.whereClause())
            ORDER BY time DESC LIMIT \(f.limit)
            """
        },
        QueryPreset(name: "new-binaries", summary: "binaries executed for the first time on a host within the window") { db, f in
            """
            SELECT host, filename, toString(min(time)) AS first_seen, count() AS runs, any(user) AS user
            FROM \(db).exec_events_dedup
            \(f.host.map { "WHERE host = \(SQLLiteral.string($0))" } ?? "")
            GROUP BY host, filename
            HAVING min(time) >= now() - INTERVAL \(f.sinceMinutes) MINUTE
            ORDER BY first_seen DESC LIMIT \(f.limit)
            """
        },
        QueryPreset(name: "execs", summary: "recent process executions with argv") { db, f in
            """
            SELECT toString(time) AS time_utc, host, user, pid, ppid, comm, filename, arrayStringConcat(argv, ' ') AS args, ret, errno_name, container_id
            FROM \(db).exec_events_dedup
            WHERE \(f.whereClause())
            ORDER BY time DESC LIMIT \(f.limit)
            """
        },
        QueryPreset(name: "connections", summary: "outbound connections by process and container") { db, f in
            """
            SELECT toString(time) AS time_utc, host, user, comm, pid, protocol_name, remote_ip, remote_port, service, ret, errno_name, container_id
            FROM \(db).network_events_dedup
            WHERE syscall = 'connect' AND \(f.whereClause())
            ORDER BY time DESC LIMIT \(f.limit)
            """
        },
        QueryPreset(name: "top-latency", summary: "syscall latency by comm across exec, file and network events (p99 first)") { db, f in
            """
            SELECT comm, count() AS calls, round(avg(latency_ms), 3) AS avg_ms,
                   round(quantile(0.99)(latency_ms), 3) AS p99_ms, round(max(latency_ms), 3) AS max_ms
            FROM (
                SELECT comm, latency_ms FROM \(db).exec_events WHERE \(f.whereClause())
                UNION ALL SELECT comm, latency_ms FROM \(db).file_events WHERE \(f.whereClause())
                UNION ALL SELECT comm, latency_ms FROM \(db).network_events WHERE \(f.whereClause())
            )
            GROUP BY comm ORDER BY p99_ms DESC LIMIT \(f.limit)
            """
        },
        QueryPreset(name: "loss", summary: "lost, dropped and dead-lettered events per stage (latest counter values)") { db, f in
            """
            SELECT stage, instance, counter, max(value) AS value
            FROM \(db).pipeline_stats
            WHERE (counter LIKE 'lost%' OR counter LIKE 'dropped%' OR counter LIKE 'dead_lettered%') AND \(f.whereClause())
            GROUP BY stage, instance, counter
            ORDER BY stage, instance, counter LIMIT \(f.limit)
            """
        },
    ]

    public static func named(_ name: String) -> QueryPreset? { all.first { $0.name == name } }
}
