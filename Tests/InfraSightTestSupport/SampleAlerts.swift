import InfraSightCore

/// Alerts as `infrasight detect` publishes them (ids from `AlertRecord.identity`), with awkward values
/// (quotes, backslashes, markup, non-ASCII, empty and repeated arrays), for the sink, query, console and
/// dashboard tests.
public enum SampleAlerts {
    /// One alert of `rule` raised by `eventIDs`, at `timeNs` on `host`.
    public static func make(rule: String, severity: String, eventIDs: [String], timeNs: UInt64, host: String = "node-a",
                            pid: UInt32 = 4242, execID: String = "0123abcd-0000-4000-8000-00000000beef",
                            message: String? = nil, tags: [String] = ["mitre_credential_access", "T1003.008"],
                            detectedBy: String = "node-a:777") -> AlertRecord {
        var a = AlertRecord()
        a.rule = rule
        a.ruleVersion = 2
        a.alertID = AlertRecord.identity(rule: rule, version: a.ruleVersion, eventIDs: eventIDs)
        a.severity = severity
        a.tags = tags
        a.timeNs = timeNs
        a.host = host
        a.pid = pid
        a.execID = execID
        a.comm = "cat"
        a.exe = "/usr/bin/cat"
        a.uid = 0
        a.user = "root"
        a.containerID = String(repeating: "c0", count: 32)
        a.containerName = "web-1"
        a.podName = "web-1-abcde"
        a.podNamespace = "shop"
        a.message = message ?? "\(rule): cat read /etc/shadow (user=root pid=\(pid))"
        a.eventIDs = eventIDs
        a.probe = "open"
        a.detectedNs = timeNs + 150_000_000
        a.detectedBy = detectedBy
        return a
    }

    /// Three alerts at `baseNs` and the two following seconds, of three rules and severities.
    public static func three(baseNs: UInt64, host: String = "node-a") -> [AlertRecord] {
        [
            make(rule: "Read sensitive file untrusted", severity: "warning",
                 eventIDs: ["11111111-1111-8111-8111-111111111111"], timeNs: baseNs, host: host,
                 message: "quote ' backslash \\ tab\tnewline\n <img src=x onerror=alert(1)> ünïcødé 𝔘"),
            make(rule: "Shell spawned then wrote below /etc", severity: "critical",
                 eventIDs: ["22222222-2222-8222-8222-222222222222", "33333333-3333-8333-8333-333333333333"],
                 timeNs: baseNs + 1_000_000_000, host: host, pid: 5151, execID: "", tags: []),
            make(rule: "Outbound connection burst", severity: "notice",
                 eventIDs: (0..<20).map { "44444444-4444-8444-8444-\(String(format: "%012d", $0))" },
                 timeNs: baseNs + 2_000_000_000, host: host, pid: 6161, tags: ["network", "network", "T1071"]),
        ]
    }
}
