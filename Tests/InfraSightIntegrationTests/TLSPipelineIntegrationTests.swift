import Foundation
import InfraSightCore
import InfraSightKafka
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Kafka over TLS for real: the whole pipeline (topics create, agent, enrich, sink) talks only to a
/// TLS endpoint (stunnel in front of tansu, see TLSBrokerProxy) with certificate and host name
/// verification on; plaintext and a client trusting the wrong CA fail with a clear error; SASL
/// settings and the password from INFRASIGHT_KAFKA_SASL_PASSWORD(_FILE) reach librdkafka (checked at
/// configuration level: the test broker's SASL does not work) and the password never shows in logs.
final class TLSPipelineIntegrationTests: XCTestCase {
    nonisolated(unsafe) static var tls: TLSBrokerProxy?
    nonisolated(unsafe) static var clickhouse: ClickHouseServer?
    nonisolated(unsafe) static var stages: [String: ChildProcess] = [:]
    nonisolated(unsafe) static var cliOutputs: [String] = []
    nonisolated(unsafe) static var startupError: Error?
    static let workDir = FileManager.default.temporaryDirectory
        .appendingPathComponent("infrasight-tls-it-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    /// A password handed to every stage through INFRASIGHT_KAFKA_SASL_PASSWORD_FILE; must never be logged.
    static let secret = "s3cr3t-\(UInt64.random(in: 0...UInt64.max))-pw"
    static var secretFile: String { workDir.appendingPathComponent("kafka-password").path }

    static var binary: String { ProjectPaths.infrasightBinary }

    /// Environment of a verifying TLS client of the proxy (plus ClickHouse and the BPF objects).
    static func tlsEnvironment(_ t: TLSBrokerProxy, caPath: String? = nil) -> [String: String] {
        ["INFRASIGHT_BROKERS": t.bootstrap,
         "INFRASIGHT_KAFKA_OPTIONS": "security.protocol=SSL,ssl.ca.location=\(caPath ?? t.caPath),"
             + "ssl.endpoint.identification.algorithm=https",
         "INFRASIGHT_KAFKA_SASL_PASSWORD_FILE": secretFile,
         "INFRASIGHT_CLICKHOUSE_URL": clickhouse?.url ?? "",
         "INFRASIGHT_BPF_DIR": ProjectPaths.bpfObjects,
         "INFRASIGHT_LOG_LEVEL": "debug",
         "INFRASIGHT_METRICS_ADDRESS": "127.0.0.1:0"]
    }

    /// Runs `infrasight args` to completion with `env`; the Kafka variables it does not set are removed
    /// from the inherited environment (`env -u`: an empty value would not be the same as unset).
    /// Returns (status, output).
    @discardableResult
    static func cli(_ args: [String], env: [String: String]) throws -> (status: Int32, output: String) {
        var unset: [String] = []
        for key in ["INFRASIGHT_BROKERS", "INFRASIGHT_KAFKA_OPTIONS", "INFRASIGHT_KAFKA_SASL_PASSWORD",
                    "INFRASIGHT_KAFKA_SASL_PASSWORD_FILE"] where env[key] == nil {
            unset += ["-u", key]
        }
        let log = workDir.appendingPathComponent("cli-\(UUID().uuidString.prefix(8)).log").path
        let p = try ChildProcess(name: "infrasight \(args.joined(separator: " "))", executable: "/usr/bin/env",
                                 arguments: unset + [binary] + args, environment: env, logPath: log)
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning && Date() < deadline { usleep(50_000) }
        if p.isRunning { p.stop(grace: 2) }
        let out = p.output()
        cliOutputs.append(out)
        return (p.process.terminationStatus, out)
    }

    override class func setUp() {
        super.setUp()
        do {
            guard getuid() == 0 else { throw TestSupportError("the TLS pipeline test needs root (BPF); CI runs as root") }
            try FileManager.default.createDirectory(at: workDir, withIntermediateDirectories: true)
            try (secret + "\n").write(toFile: secretFile, atomically: true, encoding: .utf8)
            let t = try TLSBrokerProxy.start()
            tls = t
            clickhouse = try ClickHouseServer.start()
            let env = tlsEnvironment(t)
            let topics = try cli(["topics", "create", "--partitions", "2", "--wait", "60"], env: env)
            guard topics.status == 0 else { throw TestSupportError("topics create over TLS failed:\n\(topics.output)") }
            let schema = try cli(["schema", "apply"], env: env)
            guard schema.status == 0 else { throw TestSupportError("schema apply failed:\n\(schema.output)") }
            for (name, args) in [("sink", ["sink"]), ("enrich", ["enrich"]), ("agent", ["agent", "--probes", "execve"])] {
                stages[name] = try ChildProcess(name: name, executable: binary, arguments: args + ["--stats-interval", "2"],
                                                environment: env, logPath: workDir.appendingPathComponent("\(name).log").path)
            }
            try waitForLog("agent", containing: "probe attached", timeout: 60)
            try waitForLog("sink", containing: "partitions assigned", timeout: 60)
            try waitForLog("enrich", containing: "partitions assigned", timeout: 60)
        } catch {
            startupError = error
        }
    }

    override class func tearDown() {
        for name in ["agent", "enrich", "sink"] { stages[name]?.stop(grace: 20) }
        tls?.stop()
        clickhouse?.stop()
        super.tearDown()
    }

    static func waitForLog(_ name: String, containing text: String, timeout: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let p = stages[name] else { throw TestSupportError("no stage \(name)") }
            if p.output().contains(text) { return }
            if !p.isRunning {
                throw TestSupportError("\(name) exited (\(p.process.terminationStatus)) before logging \"\(text)\":\n\(p.output())")
            }
            usleep(200_000)
        }
        throw TestSupportError("\(name) did not log \"\(text)\" within \(Int(timeout)) s:\n\(stages[name]?.output() ?? "")")
    }

    static func dumpLogs() -> String {
        stages.keys.sorted().map { "=== \($0)\n\(String((stages[$0]?.output() ?? "").suffix(4000)))" }.joined(separator: "\n")
            + "\n=== stunnel\n\(String((tls?.output() ?? "").suffix(2000)))"
    }

    func proxy() throws -> TLSBrokerProxy {
        if let error = Self.startupError {
            throw TestSupportError("TLS pipeline did not start: \(error)\n\(Self.dumpLogs())")
        }
        return Self.tls!
    }

    func testCommandsLandInClickHouseThroughTheTLSOnlyEndpoint() throws {
        let t = try proxy()
        let runID = "tls-run-\(UInt64.random(in: 0...UInt64.max))"
        for i in 0..<5 {
            let argv = ["/bin/echo", "infrasight-tls-it", runID, "cmd-\(i)"]
            XCTAssertEqual(CommandSpawner.run(argv).error, 0)
        }
        let sql = "SELECT count(), uniqExact(event_id) FROM infrasight.exec_events WHERE length(argv) >= 3 AND argv[3] = '\(runID)' FORMAT TabSeparated"
        var last = ""
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            last = ((try? Self.clickhouse!.query(sql)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if last == "5\t5" { break }
            usleep(500_000)
        }
        XCTAssertEqual(last, "5\t5", "exec rows through TLS\n\(Self.dumpLogs())")
        let argv = try Self.clickhouse!.query(
            "SELECT arrayStringConcat(argv, ' ') FROM infrasight.exec_events WHERE length(argv) >= 4 AND argv[3] = '\(runID)' AND argv[4] = 'cmd-3' FORMAT TabSeparated")
        XCTAssertEqual(argv.trimmingCharacters(in: .whitespacesAndNewlines), "/bin/echo infrasight-tls-it \(runID) cmd-3")
        // Every stage really went through stunnel (TLS), and the plain broker port was never given to a client.
        XCTAssertFalse(t.output().isEmpty)
        for name in ["agent", "enrich", "sink"] {
            let log = Self.stages[name]?.output() ?? ""
            XCTAssertFalse(log.contains("127.0.0.1:\(t.broker.port)"), "\(name) talked to the plain port:\n\(log.suffix(3000))")
        }
    }

    func testThePasswordNeverAppearsInStageOrCLIOutput() throws {
        _ = try proxy()
        sleep(3)   // at least one stats period after start
        for (name, p) in Self.stages {
            let log = p.output()
            XCTAssertFalse(log.isEmpty, "\(name) logged nothing")
            XCTAssertFalse(log.contains(Self.secret), "\(name) log contains the SASL password")
        }
        for out in Self.cliOutputs {
            XCTAssertFalse(out.contains(Self.secret), "CLI output contains the SASL password:\n\(out)")
        }
    }

    func testPlaintextToTheTLSEndpointFailsWithAClearError() throws {
        let t = try proxy()
        let r = try Self.cli(["topics", "create", "--wait", "5"], env: ["INFRASIGHT_BROKERS": t.bootstrap])
        XCTAssertNotEqual(r.status, 0, "plaintext topics create succeeded against a TLS-only endpoint:\n\(r.output)")
        XCTAssertTrue(r.output.contains("could not create topics on \(t.bootstrap)"), r.output)
        XCTAssertTrue(r.output.contains("Is the broker running and reachable?"), r.output)
        // librdkafka's hint on the disconnect names the likely cause.
        XCTAssertTrue(r.output.contains("incorrect security.protocol configuration"), r.output)
    }

    func testAClientTrustingTheWrongCAFailsVerification() throws {
        let t = try proxy()
        let r = try Self.cli(["topics", "create", "--wait", "5"], env: Self.tlsEnvironment(t, caPath: t.otherCAPath))
        XCTAssertNotEqual(r.status, 0, "a client trusting an unrelated CA connected:\n\(r.output)")
        XCTAssertTrue(r.output.contains("could not create topics on \(t.bootstrap)"), r.output)
        XCTAssertTrue(r.output.contains("certificate verify failed"), "the verification failure is not named:\n\(r.output)")
        XCTAssertFalse(r.output.contains(Self.secret))
    }

    func testTheRightCAButAnAddressTheCertificateDoesNotNameFailsVerification() throws {
        let t = try proxy()
        // The certificate names 127.0.0.1 and localhost; stunnel also serves it on 127.0.0.2, which it does not name.
        var env = Self.tlsEnvironment(t)
        env["INFRASIGHT_BROKERS"] = t.unnamedAddressBootstrap
        let r = try Self.cli(["topics", "create", "--wait", "5"], env: env)
        XCTAssertNotEqual(r.status, 0, "host name verification is off:\n\(r.output)")
        XCTAssertTrue(r.output.contains("could not create topics on \(t.unnamedAddressBootstrap)"), r.output)
        XCTAssertTrue(r.output.contains("SSL handshake failed") && r.output.contains("certificate verify failed"),
                      "the verification failure is not named:\n\(r.output)")
        XCTAssertFalse(r.output.contains("Connection refused"), "the test endpoint on 127.0.0.2 is not up:\n\(r.output)")
    }

    // MARK: SASL, at configuration level (tansu's SASL does not work, so no handshake is possible)

    func testSASLSettingsAreAcceptedByLibrdkafkaAndABadMechanismIsRejected() throws {
        let ok = ["security.protocol": "SASL_SSL", "sasl.mechanisms": "SCRAM-SHA-512",
                  "sasl.username": "infrasight", "sasl.password": Self.secret, "ssl.ca.location": try proxy().caPath]
        let producer = try KafkaProducer(config: KafkaClientConfig(brokers: "127.0.0.1:9", clientId: "sasl-conf", options: ok)) { _ in }
        producer.close()
        for mechanism in ["SCRAM-SHA-256", "PLAIN"] {
            var other = ok
            other["sasl.mechanisms"] = mechanism
            XCTAssertNoThrow(try KafkaProducer(config: KafkaClientConfig(brokers: "127.0.0.1:9", options: other)) { _ in }.close(),
                             mechanism)
        }
        var bad = ok
        bad["sasl.mechanisms"] = "NOT-A-MECHANISM"
        XCTAssertThrowsError(try KafkaProducer(config: KafkaClientConfig(brokers: "127.0.0.1:9", options: bad)) { _ in }) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("NOT-A-MECHANISM"), "error does not name the mechanism: \(text)")
            XCTAssertTrue(text.contains("127.0.0.1:9"), "error does not name the broker: \(text)")
            XCTAssertFalse(text.contains(Self.secret), "error contains the password: \(text)")
        }
    }

    /// SCRAM without a password is a librdkafka configuration error, so the CLI's message shows whether
    /// INFRASIGHT_KAFKA_SASL_PASSWORD / _FILE reached `sasl.password`.
    func testSASLPasswordFromTheEnvironmentOrAFileReachesLibrdkafka() throws {
        let t = try proxy()
        let sasl = "security.protocol=SASL_SSL,sasl.mechanisms=SCRAM-SHA-512,sasl.username=infrasight,"
            + "ssl.ca.location=\(t.caPath)"
        let missing = "sasl.username and sasl.password must be set"
        let args = ["topics", "create", "--wait", "2"]
        let none = try Self.cli(args, env: ["INFRASIGHT_BROKERS": t.bootstrap, "INFRASIGHT_KAFKA_OPTIONS": sasl])
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.output.contains(missing), "without a password librdkafka should refuse SCRAM:\n\(none.output)")

        let fromEnv = try Self.cli(args, env: ["INFRASIGHT_BROKERS": t.bootstrap, "INFRASIGHT_KAFKA_OPTIONS": sasl,
                                               "INFRASIGHT_KAFKA_SASL_PASSWORD": Self.secret])
        let fromFile = try Self.cli(args, env: ["INFRASIGHT_BROKERS": t.bootstrap, "INFRASIGHT_KAFKA_OPTIONS": sasl,
                                                "INFRASIGHT_KAFKA_SASL_PASSWORD_FILE": Self.secretFile])
        for (what, r) in [("INFRASIGHT_KAFKA_SASL_PASSWORD", fromEnv), ("INFRASIGHT_KAFKA_SASL_PASSWORD_FILE", fromFile)] {
            XCTAssertFalse(r.output.contains(missing), "\(what) did not reach sasl.password:\n\(r.output)")
            XCTAssertFalse(r.output.contains(Self.secret), "\(what): the password is in the output:\n\(r.output)")
            // It got as far as the SASL handshake, which the test broker cannot do: still a failure, naming the broker.
            XCTAssertTrue(r.output.contains("SASL SCRAM-SHA-512"), "\(what): no SASL handshake was attempted:\n\(r.output)")
            XCTAssertNotEqual(r.status, 0)
            XCTAssertTrue(r.output.contains(t.bootstrap), r.output)
        }
    }
}
