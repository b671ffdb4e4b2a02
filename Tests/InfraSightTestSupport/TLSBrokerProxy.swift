import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A Kafka endpoint that only speaks TLS, for tests: a throw-away CA and a server certificate for
/// 127.0.0.1/localhost made with openssl in a temp folder, a tansu broker that advertises the TLS
/// port, and stunnel accepting TLS on that port and forwarding to tansu's plain port (tansu's own
/// TLS does not work). Clients connect with `security.protocol=SSL` and `ssl.ca.location=caPath`.
/// Throws, never skips, when openssl, stunnel or tansu are missing.
public final class TLSBrokerProxy {
    public let broker: TansuBroker
    public let stunnel: ChildProcess
    /// The only port clients should use (TLS).
    public let tlsPort: Int
    /// Temp folder with the CA, the server certificate and key, the stunnel config and logs.
    public let directory: URL
    /// PEM of the CA that signed the server certificate.
    public let caPath: String
    /// PEM of a second CA that did not sign anything the server presents (for "wrong CA" tests).
    public let otherCAPath: String

    /// "127.0.0.1:TLS_PORT", for `bootstrap.servers`.
    public var bootstrap: String { "127.0.0.1:\(tlsPort)" }

    /// "127.0.0.2:TLS_PORT": the same TLS endpoint on an address the certificate does not name (for
    /// host-name verification tests).
    public var unnamedAddressBootstrap: String { "127.0.0.2:\(tlsPort)" }

    /// librdkafka settings for a verifying TLS client of this endpoint.
    public var clientOptions: [String: String] {
        ["security.protocol": "SSL", "ssl.ca.location": caPath, "ssl.endpoint.identification.algorithm": "https"]
    }

    private init(broker: TansuBroker, stunnel: ChildProcess, tlsPort: Int, directory: URL, caPath: String, otherCAPath: String) {
        self.broker = broker; self.stunnel = stunnel; self.tlsPort = tlsPort; self.directory = directory
        self.caPath = caPath; self.otherCAPath = otherCAPath
    }

    public static var opensslBinary: String? { firstExecutable(["/usr/bin/openssl", "/usr/local/bin/openssl"]) }
    public static var stunnelBinary: String? {
        firstExecutable([ProcessInfo.processInfo.environment["INFRASIGHT_STUNNEL"] ?? "",
                         "/usr/bin/stunnel4", "/usr/bin/stunnel", "/usr/local/bin/stunnel"])
    }

    private static func firstExecutable(_ paths: [String]) -> String? {
        paths.first { !$0.isEmpty && FileManager.default.isExecutableFile(atPath: $0) }
    }

    public static func start() throws -> TLSBrokerProxy {
        guard let openssl = opensslBinary else {
            throw TestSupportError("openssl not found: run `make deps` (Debian package openssl)")
        }
        guard let stunnelPath = stunnelBinary else {
            throw TestSupportError("stunnel not found: run `make deps` (Debian package stunnel4)")
        }
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("tls-broker-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

        // CA, a second unrelated CA, and the server certificate (SAN 127.0.0.1 and localhost) signed by the first.
        try makeCA(openssl, key: path("ca.key"), cert: path("ca.pem"), name: "InfraSight test CA", in: dir)
        try makeCA(openssl, key: path("other-ca.key"), cert: path("other-ca.pem"), name: "Unrelated test CA", in: dir)
        try run(openssl, ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=localhost"], in: dir)
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n"
            .write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
        try run(openssl, ["x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
                          "-set_serial", "\(UInt32.random(in: 1...UInt32.max))", "-days", "2", "-sha256",
                          "-extfile", path("server.ext"), "-out", path("server.pem")], in: dir)

        var lastFailure = ""
        for attempt in 1...3 {
            let tlsPort = try FreePort.next()
            let broker = try TansuBroker.start(advertisedPort: tlsPort)
            let conf = """
                foreground = yes
                pid =
                debug = notice
                [kafka-tls]
                client = no
                accept = 127.0.0.1:\(tlsPort)
                connect = 127.0.0.1:\(broker.port)
                cert = \(path("server.pem"))
                key = \(path("server.key"))
                [kafka-tls-unnamed-address]
                client = no
                accept = 127.0.0.2:\(tlsPort)
                connect = 127.0.0.1:\(broker.port)
                cert = \(path("server.pem"))
                key = \(path("server.key"))

                """
            try conf.write(toFile: path("stunnel-\(attempt).conf"), atomically: true, encoding: .utf8)
            let child = try ChildProcess(name: "stunnel", executable: stunnelPath, arguments: [path("stunnel-\(attempt).conf")],
                                         logPath: path("stunnel-\(attempt).log"))
            if FreePort.waitUntilListening(tlsPort, timeout: 15), child.isRunning, Self.accepts("127.0.0.2", tlsPort) {
                return TLSBrokerProxy(broker: broker, stunnel: child, tlsPort: tlsPort, directory: dir,
                                      caPath: path("ca.pem"), otherCAPath: path("other-ca.pem"))
            }
            lastFailure = "stunnel did not listen on 127.0.0.1:\(tlsPort) within 15 s; log:\n\(child.output())"
            child.stop(grace: 2)
            broker.stop()
        }
        throw TestSupportError(lastFailure)
    }

    /// Whether something accepts TCP connections on host:port now.
    private static func accepts(_ host: String, _ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr(host)
        return withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    private static func makeCA(_ openssl: String, key: String, cert: String, name: String, in dir: URL) throws {
        try run(openssl, ["req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", key, "-out", cert, "-days", "2", "-sha256", "-subj", "/CN=\(name)",
                          "-addext", "basicConstraints=critical,CA:TRUE",
                          "-addext", "keyUsage=critical,keyCertSign,cRLSign"], in: dir)
    }

    /// Runs a short command to completion; throws with its output when it fails.
    private static func run(_ executable: String, _ arguments: [String], in dir: URL) throws {
        let log = dir.appendingPathComponent("openssl-\(UUID().uuidString.prefix(8)).log").path
        let child = try ChildProcess(name: "openssl", executable: executable, arguments: arguments, logPath: log)
        let deadline = Date().addingTimeInterval(60)
        while child.isRunning && Date() < deadline { usleep(20_000) }
        if child.isRunning {
            child.stop(grace: 1)
            throw TestSupportError("\(executable) \(arguments.joined(separator: " ")) timed out")
        }
        guard child.process.terminationStatus == 0 else {
            throw TestSupportError("\(executable) \(arguments.joined(separator: " ")) failed with status "
                                   + "\(child.process.terminationStatus):\n\(child.output())")
        }
    }

    /// stunnel's log so far (handshake failures show up here).
    public func output() -> String { stunnel.output() }

    public func stop() {
        stunnel.stop(grace: 5)
        broker.stop()
    }

    deinit { if stunnel.isRunning { stunnel.stop(grace: 2) } }
}
