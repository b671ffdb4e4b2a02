import Foundation
import InfraSightNATS
import InfraSightTestSupport
import XCTest

/// A nats-server that requires mutual TLS (certificates made with openssl for this run): the CA and client
/// certificate options connect and JetStream works over TLS; a wrong CA, a missing client certificate or a
/// plain nats:// URL are refused with a TLS error that says what to check.
final class NATSTLSTests: XCTestCase {
    nonisolated(unsafe) static var server: NATSTestServer?
    nonisolated(unsafe) static var dir: URL?
    nonisolated(unsafe) static var startError: Error?

    static func path(_ name: String) -> String { dir!.appendingPathComponent(name).path }

    override class func setUp() {
        super.setUp()
        do {
            let d = FileManager.default.temporaryDirectory.appendingPathComponent("nats-tls-\(getpid())-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            dir = d
            try makeCertificates()
            server = try NATSTestServer.start(
                extraArguments: ["--tls", "--tlscert", path("server.pem"), "--tlskey", path("server.key"),
                                 "--tlsverify", "--tlscacert", path("ca.pem")],
                clientTLS: .init(caFile: path("ca.pem"), certFile: path("client.pem"), keyFile: path("client.key")))
        } catch { startError = error }
    }

    override class func tearDown() {
        server?.stop()
        server = nil
        if let dir { try? FileManager.default.removeItem(at: dir) }
        super.tearDown()
    }

    var server: NATSTestServer!

    override func setUpWithError() throws {
        if let error = Self.startError { throw error }
        server = try XCTUnwrap(Self.server)
    }

    func options(ca: String? = path("ca.pem"), client: Bool = true) -> NATSConnectionOptions {
        var o = NATSConnectionOptions()
        o.tls = .init(caFile: ca, certFile: client ? Self.path("client.pem") : nil, keyFile: client ? Self.path("client.key") : nil)
        o.reconnect.initialConnectWait = .zero
        return o
    }

    func testMutualTLSConnectsAndJetStreamWorks() throws {
        let c = try NATSConnection(url: server.url, options: options())
        defer { c.close() }
        XCTAssertTrue(c.connectedURL?.hasPrefix("tls://") ?? false, "\(c.connectedURL ?? "nil")")
        try JetStreamAdmin(connection: c).ensure(JetStreamStreamSpec(family: .alerts))
        let producer = try JetStreamProducer(connection: c)
        try producer.publish(subject: "infrasight.alerts", messageId: "a1", payload: Array("alert".utf8))
        XCTAssertTrue(producer.flush(timeout: .seconds(10)))
        XCTAssertEqual(producer.counts.acked, 1)
        let consumer = try JetStreamPullConsumer(connection: c, spec: .init(stream: "INFRASIGHT_ALERTS", durable: "tls"))
        let m = try XCTUnwrap(consumer.fetch(max: 1, timeout: .seconds(5)).first)
        XCTAssertEqual(m.payload, Array("alert".utf8))
        try m.ack(sync: true)
    }

    func testWrongCAIsATLSError() throws {
        XCTAssertThrowsError(try NATSConnection(url: server.url, options: options(ca: Self.path("other-ca.pem")))) { error in
            XCTAssertEqual((error as? NATSError)?.kind, .tls, "\(error)")
            XCTAssertTrue("\(error)".contains("INFRASIGHT_NATS_CA_FILE"), "\(error)")
        }
    }

    func testMissingClientCertificateIsRefused() throws {
        XCTAssertThrowsError(try NATSConnection(url: server.url, options: options(client: false))) { error in
            XCTAssertEqual((error as? NATSError)?.kind, .tls, "\(error)")
            XCTAssertTrue("\(error)".contains("INFRASIGHT_NATS_CERT_FILE"), "\(error)")
        }
    }

    func testPlainURLToATLSServerSaysUseTLS() throws {
        let plain = try NATSURL(parsing: "nats://127.0.0.1:\(server.port)")
        var o = NATSConnectionOptions()
        o.reconnect.initialConnectWait = .zero
        XCTAssertThrowsError(try NATSConnection(url: plain, options: o)) { error in
            XCTAssertEqual((error as? NATSError)?.kind, .tls, "\(error)")
            XCTAssertTrue("\(error)".contains("tls://"), "\(error)")
        }
    }

    // MARK: certificates

    static func makeCertificates() throws {
        guard let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first(where: FileManager.default.isExecutableFile) else {
            throw TestSupportError("openssl not found: run `make deps` (Debian package openssl)")
        }
        for (key, cert, name) in [("ca.key", "ca.pem", "InfraSight NATS test CA"), ("other-ca.key", "other-ca.pem", "Unrelated CA")] {
            try run(openssl, ["req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                              "-keyout", path(key), "-out", path(cert), "-days", "2", "-sha256", "-subj", "/CN=\(name)",
                              "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        }
        for (name, usage, san) in [("server", "serverAuth", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"), ("client", "clientAuth", "")] {
            try run(openssl, ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                              "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", "/CN=\(name)"])
            try "\(san)extendedKeyUsage=\(usage)\nbasicConstraints=CA:FALSE\n"
                .write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
            try run(openssl, ["x509", "-req", "-in", path("\(name).csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
                              "-set_serial", "\(UInt32.random(in: 1...UInt32.max))", "-days", "2", "-sha256",
                              "-extfile", path("\(name).ext"), "-out", path("\(name).pem")])
        }
    }

    static func run(_ executable: String, _ arguments: [String]) throws {
        let child = try ChildProcess(name: "openssl", executable: executable, arguments: arguments,
                                     logPath: path("openssl-\(UUID().uuidString.prefix(8)).log"))
        child.process.waitUntilExit()
        guard child.process.terminationStatus == 0 else {
            throw TestSupportError("openssl \(arguments.joined(separator: " ")) failed:\n\(child.output())")
        }
    }
}
