import ArgumentParser
import Foundation
import InfraSightConsole
import InfraSightCore
import InfraSightObservability
import ServiceLifecycle

/// `infrasight console`: the web console (live events, process view, top views, pipeline health)
/// over ClickHouse, read-only. No privileges needed.
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Serve the web console (live events, processes, top views, pipeline health) from ClickHouse.",
        discussion: """
            Every query is sent with readonly=1; a read-only ClickHouse user is still recommended. \
            Listens on 127.0.0.1:9470 by default. With a token (--token-file PATH or env INFRASIGHT_CONSOLE_TOKEN, \
            never on the command line) every request needs `Authorization: Bearer <token>` or the session cookie \
            of the login form at /login. Binding to a non-loopback address without a token is refused unless \
            --allow-remote-without-token is given.
            """)

    @OptionGroup var clickhouse: ClickHouseOptions

    @Option(name: .long, help: ArgumentHelp("HOST:PORT to listen on ([v6]:PORT for IPv6, port 0 for any free port).",
                                            valueName: "host:port"))
    var listen: String = "127.0.0.1:9470"

    @Option(name: .long, help: "File holding the login token (at least 16 characters); or env INFRASIGHT_CONSOLE_TOKEN.")
    var tokenFile: String?

    @Flag(name: .long, help: "Allow a non-loopback --listen address without a token (not recommended).")
    var allowRemoteWithoutToken = false

    @Option(name: .long, help: ArgumentHelp("This machine's node name as its agent stamps it, to leave the console's own browser out of the live events (default: as the agent: INFRASIGHT_NODE_NAME, NODE_NAME, uname -n).",
                                            valueName: "name"))
    var nodeName: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (env INFRASIGHT_LOG_LEVEL).")
    var logLevel: String?

    func run() async throws {
        LogSetup.bootstrap(level: logLevel)
        let logger = LogSetup.logger("console")
        guard let address = try? MetricsAddress.parse(listen) else {
            throw ValidationError("--listen: expected HOST:PORT, got \(listen)")
        }
        let token = try readToken()
        let auth: ConsoleAuth
        do {
            auth = try ConsoleAuth(token: token)
        } catch {
            throw ValidationError("\(error)")
        }
        let loopback = ["127.0.0.1", "::1", "localhost"].contains(address.host) || address.host.hasPrefix("127.")
        if !loopback && !auth.isEnabled && !allowRemoteWithoutToken {
            throw ValidationError("refusing to serve \(address) without a token: set INFRASIGHT_CONSOLE_TOKEN or --token-file (or pass --allow-remote-without-token)")
        }
        let endpoint = try clickhouse.endpoint()
        // A loopback console without a token answers only to loopback host names (DNS-rebinding guard).
        let router = ConsoleRouter(database: ClickHouseConsoleDatabase(endpoint: endpoint),
                                   databaseName: clickhouse.database, auth: auth, logger: logger,
                                   allowedHosts: loopback && !auth.isEnabled ? ConsoleRouter.loopbackHosts : nil,
                                   nodeName: nodeName ?? NodeName.current())
        let server = ConsoleServer(host: address.host, port: address.port, router: router, logger: logger)
        let bound = try await server.start()
        let shown = MetricsAddress(host: address.host, port: bound.port ?? address.port)
        logger.info("console on http://\(shown)/ (ClickHouse \(endpoint), database \(clickhouse.database), login \(auth.isEnabled ? "token required" : "off"))")
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: server)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// The token from --token-file, else INFRASIGHT_CONSOLE_TOKEN, else nil (no login).
    func readToken() throws -> String? {
        if let tokenFile {
            do {
                return try String(contentsOfFile: tokenFile, encoding: .utf8)
            } catch {
                throw ValidationError("--token-file: cannot read \(tokenFile)")
            }
        }
        if let env = ProcessInfo.processInfo.environment["INFRASIGHT_CONSOLE_TOKEN"], !env.isEmpty { return env }
        return nil
    }
}
