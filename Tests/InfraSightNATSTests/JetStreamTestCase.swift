import Foundation
import InfraSightNATS
import InfraSightTestSupport
import XCTest

/// One real nats-server per test class (started in `setUp()` of the class, stopped in `tearDown()`); each test
/// starts from fresh streams and gets its own connection.
class JetStreamTestCase: XCTestCase {
    class var serverArguments: [String] { [] }
    nonisolated(unsafe) static var servers: [ObjectIdentifier: NATSTestServer] = [:]
    nonisolated(unsafe) static var startErrors: [ObjectIdentifier: Error] = [:]

    var server: NATSTestServer!
    var connection: NATSConnection!

    override class func setUp() {
        super.setUp()
        do { servers[ObjectIdentifier(self)] = try NATSTestServer.start(extraArguments: serverArguments) } catch {
            startErrors[ObjectIdentifier(self)] = error
        }
    }

    override class func tearDown() {
        servers.removeValue(forKey: ObjectIdentifier(self))?.stop()
        super.tearDown()
    }

    override func setUpWithError() throws {
        let key = ObjectIdentifier(type(of: self))
        if let error = Self.startErrors[key] { throw error }  // fails the test: a missing server never skips
        server = try XCTUnwrap(Self.servers[key], "no nats-server for \(type(of: self))")
        connection = try connect()
        let admin = JetStreamAdmin(connection: connection)
        for family in JetStreamFamily.allCases { try? admin.delete(stream: family.streamName) }
    }

    override func tearDown() {
        connection?.close()
        connection = nil
    }

    func connect(_ options: NATSConnectionOptions = NATSConnectionOptions(name: "infrasight-tests")) throws -> NATSConnection {
        try NATSConnection(url: server.url, options: options)
    }

    /// Creates every family's stream with a short duplicate window unless given.
    @discardableResult
    func createStreams(duplicateWindow: Duration = .seconds(120)) throws -> [String: JetStreamAdmin.Outcome] {
        try JetStreamAdmin(connection: connection).ensure(JetStreamStreamSpec.all(duplicateWindow: duplicateWindow))
    }

    /// Publishes and waits for every ack; fails the test on any failure.
    func publishAll(_ producer: JetStreamProducer, _ items: [(subject: String, id: String?, text: String)],
                    file: StaticString = #filePath, line: UInt = #line) throws {
        for item in items { try producer.publish(subject: item.subject, messageId: item.id, payload: Array(item.text.utf8)) }
        XCTAssertTrue(producer.flush(timeout: .seconds(30)), "flush timed out", file: file, line: line)
    }

    /// Fetches until `count` messages arrived or `timeout` passed.
    func fetch(_ consumer: JetStreamPullConsumer, count: Int, timeout: TimeInterval = 20, batch: Int = 100,
               ack: Bool = false) throws -> [JetStreamMessage] {
        var got: [JetStreamMessage] = []
        let deadline = Date().addingTimeInterval(timeout)
        while got.count < count && Date() < deadline {
            let batch = try consumer.fetch(max: min(batch, count - got.count), timeout: .milliseconds(500))
            if ack { for m in batch { try m.ack() } }
            got += batch
        }
        return got
    }
}

func text(_ m: JetStreamMessage) -> String { String(decoding: m.payload, as: UTF8.self) }
