import Foundation
import InfraSightNATS
import InfraSightTestSupport
import XCTest

/// Unreachable servers and refused credentials fail with a message that says what to check.
final class NATSUnreachableTests: XCTestCase {
    func testUnreachableServerSaysWhatToCheck() throws {
        let port = try FreePort.next()  // nothing listens there
        var options = NATSConnectionOptions()
        options.reconnect.initialConnectWait = .milliseconds(600)
        let start = ContinuousClock.now
        XCTAssertThrowsError(try NATSConnection(url: NATSURL(parsing: "nats://127.0.0.1:\(port)"), options: options)) { error in
            let e = error as? NATSError
            XCTAssertEqual(e?.kind, .unreachable)
            XCTAssertTrue(e?.isRetriable ?? false)
            let text = "\(error)"
            XCTAssertTrue(text.contains("cannot reach nats://127.0.0.1:\(port)"), text)
            XCTAssertTrue(text.contains("is nats-server running"), text)
            XCTAssertTrue(text.contains("check --brokers"), text)
        }
        let took = start.duration(to: .now)
        XCTAssertGreaterThanOrEqual(took, .milliseconds(500), "retried for initialConnectWait")
        XCTAssertLessThan(took, .seconds(5))
    }
}

/// A server that wants a user and password.
final class NATSAuthenticationTests: JetStreamTestCase {
    override class var serverArguments: [String] { ["--user", "ingest", "--pass", "right-password"] }

    override func setUpWithError() throws {
        let key = ObjectIdentifier(type(of: self))
        if let error = Self.startErrors[key] { throw error }
        server = try XCTUnwrap(Self.servers[key])
    }

    func passwordFile(_ text: String) throws -> String {
        let path = server.directory.appendingPathComponent("pw-\(UUID().uuidString.prefix(6))").path
        try (text + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testWrongPasswordIsRefusedAtOnceWithAdvice() throws {
        var options = NATSConnectionOptions()
        options.credentials = .userPassword(user: "ingest", password: .file(try passwordFile("wrong")))
        let start = ContinuousClock.now
        XCTAssertThrowsError(try NATSConnection(url: server.url, options: options)) { error in
            XCTAssertEqual((error as? NATSError)?.kind, .authentication, "\(error)")
            XCTAssertTrue("\(error)".contains("INFRASIGHT_NATS_PASSWORD_FILE"), "\(error)")
            XCTAssertFalse("\(error)".contains("wrong"), "the password never appears in the message: \(error)")
        }
        XCTAssertLessThan(start.duration(to: .now), .seconds(3), "refused credentials are not retried")
    }

    func testNoCredentialsIsRefused() throws {
        XCTAssertThrowsError(try NATSConnection(url: server.url)) { error in
            XCTAssertEqual((error as? NATSError)?.kind, .authentication, "\(error)")
        }
    }

    func testRightPasswordFromFileOrEnvironmentConnects() throws {
        var options = NATSConnectionOptions()
        options.credentials = .userPassword(user: "ingest", password: .file(try passwordFile("right-password")))
        let c = try NATSConnection(url: server.url, options: options)
        XCTAssertTrue(c.isConnected)
        c.close()
        setenv("INFRASIGHT_NATS_PASSWORD", "right-password", 1)
        defer { unsetenv("INFRASIGHT_NATS_PASSWORD") }
        let fromEnv = try NATSConnectionOptions.fromEnvironment(["INFRASIGHT_NATS_USER": "ingest"])
        let e = try NATSConnection(url: server.url, options: fromEnv)
        XCTAssertTrue(e.isConnected)
        e.close()
    }
}
