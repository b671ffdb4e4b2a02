import Foundation
import Logging

/// Configures swift-log once per process: stderr, level from `--log-level` or INFRASIGHT_LOG_LEVEL.
public enum LogSetup {
    private static let once: Void = ()
    nonisolated(unsafe) private static var bootstrapped = false

    public static func bootstrap(level: String?) {
        let chosen = Logger.Level(rawValue: (level ?? ProcessInfo.processInfo.environment["INFRASIGHT_LOG_LEVEL"] ?? "info").lowercased()) ?? .info
        if !bootstrapped {
            bootstrapped = true
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = chosen
                return handler
            }
        }
    }

    public static func logger(_ label: String) -> Logger { Logger(label: "infrasight.\(label)") }
}
