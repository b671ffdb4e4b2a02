import XCTest
@testable import InfraSightCore

/// Config file < environment < flags, per option kind.
final class ArgumentLayeringTests: XCTestCase {
    let options = [
        CommandOptionSpec(name: "brokers", kind: .value),
        CommandOptionSpec(name: "probes", kind: .value),
        CommandOptionSpec(name: "exclude-pid", kind: .value, repeating: true),
        CommandOptionSpec(name: "include-self", kind: .flag),
        CommandOptionSpec(name: "clickhouse", kind: .value, environmentName: "INFRASIGHT_CLICKHOUSE_URL"),
        CommandOptionSpec(name: "kafka-option", kind: .value, repeating: true, readsEnvironment: false, merges: true),
    ]

    func file(_ values: [String: StageConfigFile.Value]) -> StageConfigFile {
        StageConfigFile(path: "stage.yaml", values: values)
    }

    func testFileThenEnvironmentThenFlags() throws {
        let config = file(["brokers": .scalar("file:1"), "probes": .list(["execve", "open"])])
        XCTAssertEqual(try ArgumentLayering.layer(arguments: [], options: options, environment: [:], file: config),
                       ["--brokers", "file:1", "--probes", "execve,open"])
        XCTAssertEqual(try ArgumentLayering.layer(arguments: [], options: options,
                                                  environment: ["INFRASIGHT_BROKERS": "env:1"], file: config),
                       ["--brokers", "env:1", "--probes", "execve,open"])
        XCTAssertEqual(try ArgumentLayering.layer(arguments: ["--brokers=flag:1"], options: options,
                                                  environment: ["INFRASIGHT_BROKERS": "env:1"], file: config),
                       ["--probes", "execve,open", "--brokers=flag:1"])
    }

    func testListsReplaceUnlessTheyMerge() throws {
        let config = file(["exclude-pid": .list(["1", "2"]), "kafka-option": .list(["a=file", "b=file"])])
        XCTAssertEqual(try ArgumentLayering.layer(arguments: ["--exclude-pid", "9", "--kafka-option", "a=flag"],
                                                  options: options, environment: ["INFRASIGHT_EXCLUDE_PID": "3, 4"], file: config),
                       ["--kafka-option", "a=file", "--kafka-option", "b=file", "--exclude-pid", "9", "--kafka-option", "a=flag"])
        XCTAssertEqual(try ArgumentLayering.layer(arguments: [], options: options,
                                                  environment: ["INFRASIGHT_EXCLUDE_PID": "3, 4"], file: config),
                       ["--exclude-pid", "3", "--exclude-pid", "4", "--kafka-option", "a=file", "--kafka-option", "b=file"])
    }

    func testFlagsTurnOnAndOff() throws {
        let on = file(["include-self": .boolean(true)])
        XCTAssertEqual(try ArgumentLayering.layer(arguments: [], options: options, environment: [:], file: on), ["--include-self"])
        XCTAssertEqual(try ArgumentLayering.layer(arguments: [], options: options,
                                                  environment: ["INFRASIGHT_INCLUDE_SELF": "off"], file: on), [])
        XCTAssertEqual(try ArgumentLayering.layer(arguments: [], options: options,
                                                  environment: ["INFRASIGHT_INCLUDE_SELF": "1"], file: nil), ["--include-self"])
        XCTAssertThrowsError(try ArgumentLayering.layer(arguments: [], options: options,
                                                        environment: ["INFRASIGHT_INCLUDE_SELF": "maybe"], file: nil)) {
            XCTAssertTrue("\($0)".contains("INFRASIGHT_INCLUDE_SELF is a flag"), "\($0)")
        }
        XCTAssertThrowsError(try ArgumentLayering.layer(arguments: [], options: options, environment: [:],
                                                        file: file(["include-self": .scalar("x")]))) {
            XCTAssertTrue("\($0)".contains("\"include-self\" is a flag"), "\($0)")
        }
    }

    func testRenamedAndOwnEnvironment() throws {
        XCTAssertEqual(try ArgumentLayering.layer(arguments: [], options: options,
                                                  environment: ["INFRASIGHT_CLICKHOUSE_URL": "http://ch:8123",
                                                                "INFRASIGHT_CLICKHOUSE": "ignored",
                                                                "INFRASIGHT_KAFKA_OPTION": "ignored=1"], file: nil),
                       ["--clickhouse", "http://ch:8123"])
    }

    func testUnknownFileKeysAreAnError() {
        XCTAssertThrowsError(try ArgumentLayering.layer(arguments: [], options: options, environment: [:],
                                                        file: file(["brokres": .scalar("x"), "brokers": .scalar("y")]))) {
            let message = "\($0)"
            XCTAssertTrue(message.contains("unknown key \"brokres\""), message)
            XCTAssertTrue(message.contains("this command takes: brokers, clickhouse"), message)
        }
    }

    func testArgumentsAfterTerminatorAreNotOptions() {
        XCTAssertEqual(ArgumentLayering.givenOptionNames(["--brokers", "a", "--x=1", "--", "--probes"]), ["brokers", "x"])
    }
}
