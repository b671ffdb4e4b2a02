import Foundation
import InfraSightTestSupport
import XCTest

/// A stage configured the way an operator does it: a YAML file, overridden by the environment,
/// overridden by flags; and the README's reference table names every option of every stage.
final class StageConfigIntegrationTests: XCTestCase {
    var workDir: URL!

    override func setUpWithError() throws {
        workDir = FileManager.default.temporaryDirectory.appendingPathComponent("infrasight-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workDir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: workDir)
    }

    func write(_ text: String, to name: String) throws -> String {
        let path = workDir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Starts `infrasight enrich` and asserts it serves /healthz on `expected` (and not on `others`).
    func enrichListens(on expected: Int, notOn others: [Int], arguments: [String], environment: [String: String],
                       label: String) throws {
        let stage = try ChildProcess(name: "enrich (\(label))", executable: ProjectPaths.infrasightBinary,
                                     arguments: ["enrich"] + arguments, environment: environment,
                                     logPath: workDir.appendingPathComponent("enrich-\(label).log").path)
        defer { stage.stop() }
        XCTAssertTrue(FreePort.waitUntilListening(expected, timeout: 30), "\(label): nothing on \(expected)\n\(stage.output())")
        XCTAssertTrue(stage.isRunning, "\(label): exited\n\(stage.output())")
        let curl = Process()
        let page = Pipe()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sSf", "--max-time", "10", "http://127.0.0.1:\(expected)/healthz"]
        curl.standardOutput = page
        try curl.run()
        let health = String(decoding: page.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        curl.waitUntilExit()
        XCTAssertEqual(curl.terminationStatus, 0, "\(label): /healthz answered \(health)")
        XCTAssertTrue(health.hasPrefix("ok"), "\(label): /healthz\n\(health)")
        for port in others {
            XCTAssertFalse(FreePort.waitUntilListening(port, timeout: 0.5), "\(label): also listening on \(port)")
        }
    }

    func testFileSetsTheStageEnvironmentOverridesItAndFlagsOverrideBoth() throws {
        let broker = try TansuBroker.start()
        defer { broker.stop() }
        let (filePort, envPort, flagPort) = (try FreePort.next(), try FreePort.next(), try FreePort.next())
        let config = try write("""
            # enrich worker
            brokers: \(broker.bootstrap)
            metrics-address: 127.0.0.1:\(filePort)
            group: config-test
            steps: [time-iso8601, latency-ms]
            kafka-option:
              - socket.keepalive.enable=true
            """, to: "enrich.yaml")
        try enrichListens(on: filePort, notOn: [envPort, flagPort], arguments: ["--config", config],
                          environment: [:], label: "file")
        try enrichListens(on: envPort, notOn: [filePort, flagPort], arguments: [],
                          environment: ["INFRASIGHT_CONFIG": config, "INFRASIGHT_METRICS_ADDRESS": "127.0.0.1:\(envPort)"],
                          label: "env")
        try enrichListens(on: flagPort, notOn: [filePort, envPort],
                          arguments: ["--config", config, "--metrics-address", "127.0.0.1:\(flagPort)"],
                          environment: ["INFRASIGHT_METRICS_ADDRESS": "127.0.0.1:\(envPort)"], label: "flag")
    }

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let p = try ChildProcess(name: "infrasight \(arguments.first ?? "")", executable: ProjectPaths.infrasightBinary,
                                 arguments: arguments, environment: environment,
                                 logPath: workDir.appendingPathComponent("run-\(UUID().uuidString).log").path)
        p.process.waitUntilExit()
        return (p.process.terminationStatus, p.output())
    }

    func testBadConfigIsRefusedWithFileKeyOrVariableNamed() throws {
        let typo = try write("brokers: 127.0.0.1:9\nrate-limt: 5\n", to: "typo.yaml")
        let unknown = try run(["agent", "--config", typo])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.output.contains("config file \(typo): unknown key \"rate-limt\""), unknown.output)
        XCTAssertTrue(unknown.output.contains("rate-limit"), unknown.output)   // the valid keys are listed

        let badFlag = try run(["sink"], environment: ["INFRASIGHT_ASYNC_INSERT": "sometimes"])
        XCTAssertNotEqual(badFlag.status, 0)
        XCTAssertTrue(badFlag.output.contains("INFRASIGHT_ASYNC_INSERT is a flag"), badFlag.output)

        let missing = try run(["enrich", "--config", workDir.appendingPathComponent("absent.yaml").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.output.contains("cannot read config file"), missing.output)

        let noBrokers = try write("group: g\n", to: "nobrokers.yaml")
        let refused = try run(["enrich", "--config", noBrokers], environment: ["INFRASIGHT_BROKERS": ""])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("no Kafka brokers"), refused.output)
    }

    /// The sample files in deploy/config have only keys their stage knows (the layering refuses others
    /// before `--help` is looked at).
    func testShippedSampleConfigsAreAccepted() throws {
        for stage in ["agent", "enrich", "sink", "detect"] {
            let path = ProjectPaths.root.appendingPathComponent("deploy/config/\(stage).yaml").path
            let result = try run([stage, "--config", path, "--help"])
            XCTAssertEqual(result.status, 0, "\(path): \(result.output)")
        }
    }

    /// Every visible option of agent, enrich and sink, from the binary's own description, has a row in
    /// the README's reference table with its env variable and config-file key.
    func testReadmeReferenceTableNamesEveryStageOption() throws {
        let readme = try String(contentsOfFile: ProjectPaths.root.appendingPathComponent("README.md").path, encoding: .utf8)
        let rows = readme.split(separator: "\n").filter { $0.hasPrefix("| `--") }.map(String.init)
        XCTAssertGreaterThan(rows.count, 20)
        for stage in ["agent", "enrich", "sink"] {
            let dump = try run([stage, "--experimental-dump-help"])
            XCTAssertEqual(dump.status, 0, dump.output)
            let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(dump.output.utf8)) as? [String: Any])
            let arguments = try XCTUnwrap((root["command"] as? [String: Any])?["arguments"] as? [[String: Any]])
            let names = arguments.compactMap { argument -> String? in
                guard argument["shouldDisplay"] as? Bool ?? true,
                      let long = (argument["names"] as? [[String: Any]])?.first(where: { $0["kind"] as? String == "long" })?["name"] as? String,
                      !["help", "version"].contains(long) else { return nil }
                return long
            }
            XCTAssertGreaterThan(names.count, 5, stage)
            for name in names {
                let row = rows.first { row in
                    let cells = Self.cells(row)
                    return cells.count >= 4 && cells[0].contains("`--\(name)") && cells[3].contains(stage)
                }
                guard let row else { XCTFail("README has no reference row for \(stage) --\(name)"); continue }
                let cells = Self.cells(row)
                let env = name == "clickhouse" ? "INFRASIGHT_CLICKHOUSE_URL"
                    : name == "kafka-option" ? "INFRASIGHT_KAFKA_OPTIONS"
                    : "INFRASIGHT_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
                XCTAssertTrue(cells[1].contains(env), "\(stage) --\(name): env column lacks \(env): \(row)")
                if name != "config" {
                    XCTAssertTrue(cells[2].contains("`\(name)`"), "\(stage) --\(name): config key column: \(row)")
                }
            }
        }
    }

    /// A markdown table row's cells (`\|` inside a cell is not a separator).
    static func cells(_ row: String) -> [String] {
        row.replacingOccurrences(of: "\\|", with: "\u{1}").split(separator: "|")
            .map { $0.replacingOccurrences(of: "\u{1}", with: "|").trimmingCharacters(in: .whitespaces) }
    }
}
