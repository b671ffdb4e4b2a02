import ArgumentParser
import Foundation

/// `infrasight stack up|down|status`: the local demo stack (broker, ClickHouse, agent, two enrich
/// workers, sink, one detect worker, all on loopback with state under one folder), kept running in the
/// background.
/// It is the same stack `make demo` runs in the foreground, driven by the same script.
struct StackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stack",
        abstract: "Start, stop or inspect the local stack (broker, ClickHouse, agent, 2 enrich workers, sink, detect) in the background.",
        subcommands: [Up.self, Down.self, Status.self])

    /// Options of every `stack` action.
    struct StackOptions: ParsableArguments {
        @Option(name: .long, help: "Folder holding the stack's state, logs, alerts (alerts.jsonl) and ClickHouse data (env INFRASIGHT_DEMO_DIR; default: <checkout>/var/demo).",
                completion: .directory)
        var dir: String?
    }

    /// `infrasight stack up`
    struct Up: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start (or reuse) the stack and return once the agent's probes are attached; needs root.")
        @OptionGroup var options: StackOptions
        func run() throws { try StackScript.exec(action: "up", dir: options.dir) }
    }

    /// `infrasight stack down`
    struct Down: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop the stack in order (agent first, so what it flushes is still stored); ClickHouse data is kept.")
        @OptionGroup var options: StackOptions
        func run() throws { try StackScript.exec(action: "down", dir: options.dir) }
    }

    /// `infrasight stack status`
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Which parts of the stack run, then the pipeline health check (`infrasight status`) against it.")
        @OptionGroup var options: StackOptions
        func run() throws { try StackScript.exec(action: "status", dir: options.dir) }
    }
}
