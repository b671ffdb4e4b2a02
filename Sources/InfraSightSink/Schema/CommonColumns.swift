import InfraSightClickHouse
import InfraSightCore

/// The columns every event table shares, with the same names and types everywhere.
public enum CommonColumns {
    public static let leading: [ColumnSpec] = [
        ColumnSpec("event_id", "String") { w, e, _ in w.string(e.eventID) },
        ColumnSpec("time", "DateTime", modern: "DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1))") { w, e, flavor in
            w.time(nanos: e.timeNs, flavor: flavor)
        },
        ColumnSpec("time_ns", "UInt64") { w, e, _ in w.uint64(e.timeNs) },
        ColumnSpec("host", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.host) },
        ColumnSpec("probe", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.probe) },
        ColumnSpec("pid", "UInt32") { w, e, _ in w.uint32(e.pid) },
        ColumnSpec("tid", "UInt32") { w, e, _ in w.uint32(e.tid) },
        ColumnSpec("ppid", "UInt32") { w, e, _ in w.uint32(e.ppid) },
        ColumnSpec("uid", "UInt32") { w, e, _ in w.uint32(e.uid) },
        ColumnSpec("user", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.user) },
        ColumnSpec("gid", "UInt32") { w, e, _ in w.uint32(e.gid) },
        ColumnSpec("comm", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.comm) },
    ]

    public static let trailing: [ColumnSpec] = [
        ColumnSpec("ret", "Int64") { w, e, _ in w.int64(e.ret) },
        ColumnSpec("errno_name", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.enriched.errnoName) },
        ColumnSpec("latency_ns", "UInt64") { w, e, _ in w.uint64(e.latencyNs) },
        ColumnSpec("latency_ms", "Float64") { w, e, _ in w.float64(e.enriched.latencyMs) },
        ColumnSpec("container_id", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.containerID) },
        ColumnSpec("container_runtime", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.containerRuntime) },
        ColumnSpec("cgroup_id", "UInt64") { w, e, _ in w.uint64(e.cgroupID) },
        ColumnSpec("ktime_ns", "UInt64") { w, e, _ in w.uint64(e.ktimeNs) },
        ColumnSpec("schema_version", "UInt32") { w, e, _ in w.uint32(e.schemaVersion) },
        ColumnSpec("enriched_by", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.enriched.enrichedBy) },
        // Process context (schema v2).
        ColumnSpec("exec_id", "String") { w, e, _ in w.string(e.process.execID) },
        ColumnSpec("parent_exec_id", "String") { w, e, _ in w.string(e.process.parentExecID) },
        ColumnSpec("exe", "String") { w, e, _ in w.string(e.process.exe) },
        ColumnSpec("cwd", "String") { w, e, _ in w.string(e.process.cwd) },
        ColumnSpec("ancestors_pid", "Array(UInt32)") { w, e, _ in
            w.arrayCount(e.process.ancestorCount)
            e.forEachAncestor { w.uint32($0.pid) }
        },
        ColumnSpec("ancestors_comm", "Array(String)") { w, e, _ in
            w.arrayCount(e.process.ancestorCount)
            e.forEachAncestor { w.string($0.comm) }
        },
        // Container and Kubernetes context (schema v2).
        ColumnSpec("container_name", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.container.name) },
        ColumnSpec("container_image", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.container.image) },
        ColumnSpec("pod_name", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.container.podName) },
        ColumnSpec("pod_namespace", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.container.podNamespace) },
        ColumnSpec("pod_uid", "String") { w, e, _ in w.string(e.container.podUid) },
        // Container labels (schema v3), as two arrays sorted by key (ClickHouse 18.16 has no Map):
        // container_label_values[indexOf(container_label_keys, 'app')].
        ColumnSpec("container_label_keys", "Array(String)") { w, e, _ in
            let container = e.container
            guard !container.hasNoLabels else { return w.arrayCount(0) }
            let labels = container.sortedLabels()
            w.arrayCount(labels.count)
            for label in labels { w.string(label.key) }
        },
        ColumnSpec("container_label_values", "Array(String)") { w, e, _ in
            let container = e.container
            guard !container.hasNoLabels else { return w.arrayCount(0) }
            let labels = container.sortedLabels()
            w.arrayCount(labels.count)
            for label in labels { w.string(label.value) }
        },
    ]
}
