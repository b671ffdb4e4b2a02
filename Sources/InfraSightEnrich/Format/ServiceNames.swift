import Foundation

/// Well-known service names of TCP/UDP ports.
///
/// Names follow IANA / `/etc/services` (`ssh`, `domain` for 53, `http`, `https`, `postgresql`,
/// `mysql`, `redis`, `ldap`, ...) where the registered name is what actually runs there. For the
/// infrastructure ports this pipeline meets every day, whose IANA registrations are historical
/// (9092 is `XmlIpcRegSvc`, 9000 `cslistener`, 6443 `sun-sr-https`), the built-in table uses the
/// de-facto names instead: `kafka` 9092, `clickhouse` 8123 (HTTP) / 9000 (native) / 9440,
/// `kube-apiserver` 6443, `kubelet` 10250, `etcd-client` 2379, `etcd-server` 2380,
/// `zookeeper` 2181, `mongodb` 27017, `elasticsearch` 9200, `memcache` 11211.
///
/// An `/etc/services`-format file can extend the table once at start (`merging(servicesFile:)`);
/// built-in names win on conflict, the file fills the other ports. Lookups are protocol-aware:
/// `tcp` and `udp` are separate tables (SCTP uses the TCP names).
public struct ServiceNames: Sendable {
    /// Transport protocol for a lookup.
    public enum Transport: Sendable { case tcp, udp }

    private var tcp: [UInt16: String]
    private var udp: [UInt16: String]

    /// The built-in table only.
    public init() {
        tcp = [:]; udp = [:]
        for (port, name, protos) in Self.builtin {
            if protos.contains("t") { tcp[port] = name }
            if protos.contains("u") { udp[port] = name }
        }
    }

    /// Port, name, and "t"/"u"/"tu" for tcp/udp.
    static let builtin: [(UInt16, String, String)] = [
        (20, "ftp-data", "t"), (21, "ftp", "t"), (22, "ssh", "t"), (23, "telnet", "t"), (25, "smtp", "t"),
        (53, "domain", "tu"), (67, "bootps", "u"), (68, "bootpc", "u"), (69, "tftp", "u"), (80, "http", "tu"),
        (88, "kerberos", "tu"), (110, "pop3", "t"), (111, "sunrpc", "tu"), (123, "ntp", "u"),
        (137, "netbios-ns", "u"), (138, "netbios-dgm", "u"), (139, "netbios-ssn", "t"), (143, "imap", "t"),
        (161, "snmp", "tu"), (162, "snmp-trap", "tu"), (179, "bgp", "t"), (389, "ldap", "tu"),
        (443, "https", "tu"), (445, "microsoft-ds", "t"), (465, "submissions", "t"), (500, "isakmp", "u"),
        (514, "syslog", "u"), (587, "submission", "t"), (636, "ldaps", "tu"), (853, "domain-s", "tu"),
        (873, "rsync", "t"), (993, "imaps", "t"), (995, "pop3s", "t"), (1194, "openvpn", "tu"),
        (1433, "ms-sql-s", "t"), (1812, "radius", "tu"), (2049, "nfs", "tu"), (2181, "zookeeper", "t"),
        (2379, "etcd-client", "t"), (2380, "etcd-server", "t"), (3306, "mysql", "t"),
        (3389, "ms-wbt-server", "t"), (4789, "vxlan", "u"), (5353, "mdns", "u"), (5432, "postgresql", "t"),
        (5672, "amqp", "t"), (6379, "redis", "t"), (6443, "kube-apiserver", "t"), (8080, "http-alt", "t"),
        (8123, "clickhouse", "t"), (9000, "clickhouse", "t"), (9092, "kafka", "t"),
        (9200, "elasticsearch", "t"), (9440, "clickhouse", "t"), (10250, "kubelet", "t"),
        (11211, "memcache", "tu"), (27017, "mongodb", "t"),
    ]

    /// The service on `port`, or "" when none is known (and for port 0).
    @inline(__always)
    public func name(port: UInt32, transport: Transport) -> String {
        guard port != 0, port <= 65535 else { return "" }
        return (transport == .tcp ? tcp : udp)[UInt16(port)] ?? ""
    }

    /// This table extended by the entries of an `/etc/services`-format file (`name port/proto
    /// [aliases] [# comment]`); existing entries are kept. A missing or unreadable file returns
    /// the table unchanged; malformed lines are skipped.
    public func merging(servicesFile path: String) -> ServiceNames {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return self }
        return merging(servicesText: text)
    }

    /// As `merging(servicesFile:)`, from the file's text.
    public func merging(servicesText text: String) -> ServiceNames {
        var copy = self
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.prefix { $0 != "#" }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2 else { continue }
            let portProto = fields[1].split(separator: "/")
            guard portProto.count == 2, let port = UInt16(portProto[0]), port != 0 else { continue }
            let name = String(fields[0])
            switch portProto[1].lowercased() {
            case "tcp": if copy.tcp[port] == nil { copy.tcp[port] = name }
            case "udp": if copy.udp[port] == nil { copy.udp[port] = name }
            default: continue
            }
        }
        return copy
    }
}
