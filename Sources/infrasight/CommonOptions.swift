import ArgumentParser

/// Options every stage shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (env INFRASIGHT_LOG_LEVEL).")
    var logLevel: String?

    @Option(name: .long, help: "Seconds between stats records on infrasight.stats.")
    var statsInterval: Double = 10
}
