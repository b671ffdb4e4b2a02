import InfraSightNATS
import XCTest

/// `--brokers` picks the bus by its URL: nats:// and tls:// are JetStream, kafka:// and bare host:port are Kafka.
final class BusKindTests: XCTestCase {
    func testSchemesSelectTheBus() throws {
        XCTAssertEqual(try BusKind.of(brokers: "nats://127.0.0.1:4222"), .jetstream)
        XCTAssertEqual(try BusKind.of(brokers: "tls://nats.example:4443"), .jetstream)
        XCTAssertEqual(try BusKind.of(brokers: "NATS://a:1,b:2"), .jetstream)
        XCTAssertEqual(try BusKind.of(brokers: "nats://a:1,nats://b:2"), .jetstream)
        XCTAssertEqual(try BusKind.of(brokers: "kafka://k1:9092,k2:9092"), .kafka)
        XCTAssertEqual(try BusKind.of(brokers: "127.0.0.1:9092"), .kafka)
        XCTAssertEqual(try BusKind.of(brokers: " k1:9092 , k2:9092 "), .kafka)
        XCTAssertEqual(try BusKind.of(brokers: "localhost"), .kafka)
    }

    func testUnknownSchemeEmptyAndMixedAreRefused() {
        for bad in ["", " , ", "http://x:1", "amqp://x:5672", "nats://a:1,kafka://b:2", "k:9092,nats://a:1"] {
            XCTAssertThrowsError(try BusKind.of(brokers: bad), bad) { error in
                XCTAssertEqual((error as? NATSError)?.kind, .configuration, "\(bad): \(error)")
            }
        }
        XCTAssertThrowsError(try BusKind.of(brokers: "http://x:1")) { error in
            XCTAssertTrue("\(error)".contains("nats:// or tls://"), "\(error)")
        }
    }

    func testKafkaBootstrapServersDropTheScheme() {
        XCTAssertEqual(BusKind.kafkaBootstrapServers("kafka://k1:9092,kafka://k2:9093"), "k1:9092,k2:9093")
        XCTAssertEqual(BusKind.kafkaBootstrapServers("k1:9092"), "k1:9092")
    }
}

/// NATS server lists: schemes, default port, IPv6, and refusals that say what to do.
final class NATSURLTests: XCTestCase {
    func testServerLists() throws {
        let u = try NATSURL(parsing: "nats://10.0.0.1:4222,10.0.0.2:5222,nats://[::1]:4223,host")
        XCTAssertFalse(u.tls)
        XCTAssertEqual(u.urls, ["nats://10.0.0.1:4222", "nats://10.0.0.2:5222", "nats://[::1]:4223", "nats://host:4222"])
        let t = try NATSURL(parsing: "tls://n1:4443/")
        XCTAssertTrue(t.tls)
        XCTAssertEqual(t.urls, ["tls://n1:4443"])
        XCTAssertEqual("\(t)", "tls://n1:4443")
    }

    func testBadListsAreRefusedClearly() {
        let cases: [(String, String)] = [
            ("", "no NATS server"),
            ("127.0.0.1:4222", "starts with nats://"),
            ("kafka://k:9092", "not a NATS URL"),
            ("nats://a:1,tls://b:2", "mixes"),
            ("nats://a:0", "port"),
            ("nats://a:http", "port"),
            ("nats://user:secret@a:4222", "INFRASIGHT_NATS_PASSWORD_FILE"),
            ("nats://[::1:4222", "IPv6"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try NATSURL(parsing: text), text) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(text): \(error)")
                XCTAssertEqual((error as? NATSError)?.kind, .configuration)
            }
        }
    }
}
