import Foundation
import InfraSightNATS
import XCTest

/// INFRASIGHT_NATS_* become typed options; contradictions and missing files fail with the variable's name.
final class NATSConnectionOptionsTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("nats-options-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func file(_ name: String, _ text: String = "x") throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testNothingSetMeansNoAuthNoTLS() throws {
        let o = try NATSConnectionOptions.fromEnvironment([:])
        XCTAssertEqual(o.credentials, .none)
        XCTAssertTrue(o.tls.isEmpty)
    }

    func testEachWayToAuthenticate() throws {
        let pw = try file("pw", "s3cret\n")
        let o = try NATSConnectionOptions.fromEnvironment(["INFRASIGHT_NATS_USER": "ingest", "INFRASIGHT_NATS_PASSWORD_FILE": pw])
        XCTAssertEqual(o.credentials, .userPassword(user: "ingest", password: .file(pw)))
        XCTAssertEqual(try NATSPasswordSource.file(pw).resolve(), "s3cret")
        let e = try NATSConnectionOptions.fromEnvironment(["INFRASIGHT_NATS_USER": "ingest", "INFRASIGHT_NATS_PASSWORD": "p"])
        XCTAssertEqual(e.credentials, .userPassword(user: "ingest", password: .environment("INFRASIGHT_NATS_PASSWORD")))
        XCTAssertEqual(try NATSPasswordSource.environment().resolve(environment: ["INFRASIGHT_NATS_PASSWORD": "p"]), "p")
        let creds = try file("user.creds")
        XCTAssertEqual(try NATSConnectionOptions.fromEnvironment(["INFRASIGHT_NATS_CREDS_FILE": creds]).credentials, .credsFile(creds))
        let seed = try file("seed")
        XCTAssertEqual(try NATSConnectionOptions.fromEnvironment(["INFRASIGHT_NATS_NKEY": "UABC", "INFRASIGHT_NATS_NKEY_SEED_FILE": seed]).credentials,
                       .nkey(publicKey: "UABC", seedFile: seed))
        let ca = try file("ca.pem"), cert = try file("c.pem"), key = try file("k.pem")
        let t = try NATSConnectionOptions.fromEnvironment(["INFRASIGHT_NATS_CA_FILE": ca, "INFRASIGHT_NATS_CERT_FILE": cert,
                                                           "INFRASIGHT_NATS_KEY_FILE": key])
        XCTAssertEqual(t.tls, .init(caFile: ca, certFile: cert, keyFile: key))
    }

    func testContradictionsAndMissingFilesNameTheVariable() throws {
        let pw = try file("pw")
        let cases: [([String: String], String)] = [
            (["INFRASIGHT_NATS_PASSWORD": "p"], "INFRASIGHT_NATS_USER"),
            (["INFRASIGHT_NATS_USER": "u", "INFRASIGHT_NATS_PASSWORD": "p", "INFRASIGHT_NATS_PASSWORD_FILE": pw], "keep one"),
            (["INFRASIGHT_NATS_NKEY": "UABC"], "INFRASIGHT_NATS_NKEY_SEED_FILE"),
            (["INFRASIGHT_NATS_USER": "u", "INFRASIGHT_NATS_PASSWORD_FILE": pw, "INFRASIGHT_NATS_CREDS_FILE": pw], "more than one"),
            (["INFRASIGHT_NATS_CERT_FILE": pw], "INFRASIGHT_NATS_KEY_FILE"),
            (["INFRASIGHT_NATS_CA_FILE": "/nonexistent/ca.pem"], "INFRASIGHT_NATS_CA_FILE=/nonexistent/ca.pem"),
            (["INFRASIGHT_NATS_USER": "u", "INFRASIGHT_NATS_PASSWORD_FILE": "/nonexistent/pw"], "INFRASIGHT_NATS_PASSWORD_FILE"),
        ]
        for (env, expected) in cases {
            XCTAssertThrowsError(try NATSConnectionOptions.fromEnvironment(env), "\(env)") { error in
                XCTAssertTrue("\(error)".contains(expected), "\(env): \(error)")
            }
        }
        XCTAssertThrowsError(try NATSPasswordSource.environment().resolve(environment: [:])) { error in
            XCTAssertTrue("\(error)".contains("INFRASIGHT_NATS_PASSWORD"), "\(error)")
        }
        XCTAssertThrowsError(try NATSPasswordSource.file(try file("empty", "")).resolve())
    }

    func testBackoffDoublesUpToTheCap() {
        let p = NATSReconnectPolicy(initialDelay: .milliseconds(100), maxDelay: .seconds(1))
        XCTAssertEqual((1...6).map { p.delay(afterAttempts: $0) },
                       [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1)])
    }
}
