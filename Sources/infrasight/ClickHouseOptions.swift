import ArgumentParser
import Foundation
import InfraSightClickHouse

/// `--clickhouse URL` (env INFRASIGHT_CLICKHOUSE_URL) and credentials from the environment.
struct ClickHouseOptions: ParsableArguments {
    @Option(name: .customLong("clickhouse"),
            help: "ClickHouse HTTP(S) URL, e.g. http://127.0.0.1:8123 (env INFRASIGHT_CLICKHOUSE_URL). User and password from INFRASIGHT_CLICKHOUSE_USER and INFRASIGHT_CLICKHOUSE_PASSWORD or INFRASIGHT_CLICKHOUSE_PASSWORD_FILE.")
    var url: String?

    @Option(name: .long, help: "ClickHouse database.")
    var database: String = "infrasight"

    func endpoint() throws -> ClickHouseEndpoint {
        let env = ProcessInfo.processInfo.environment
        guard let url = url ?? env["INFRASIGHT_CLICKHOUSE_URL"], !url.isEmpty else {
            throw ValidationError("no ClickHouse URL: pass --clickhouse URL or set INFRASIGHT_CLICKHOUSE_URL")
        }
        var endpoint = try ClickHouseEndpoint(url: url)
        if let user = env["INFRASIGHT_CLICKHOUSE_USER"] { endpoint.user = user }
        if let password = env["INFRASIGHT_CLICKHOUSE_PASSWORD"] { endpoint.password = password }
        if let file = env["INFRASIGHT_CLICKHOUSE_PASSWORD_FILE"] {
            endpoint.password = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return endpoint
    }
}
