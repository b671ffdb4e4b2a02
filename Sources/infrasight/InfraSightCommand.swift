import ArgumentParser

/// The `infrasight` executable: every stage and tool of the pipeline as one subcommand.
@main
struct InfraSightCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infrasight",
        abstract: "eBPF syscall telemetry: kernel → Kafka → enrichment → ClickHouse.",
        subcommands: [AgentCommand.self, EnrichCommand.self, DetectCommand.self, SinkCommand.self,
                      TopicsCommand.self, SchemaCommand.self, QueryCommand.self, StatusCommand.self, WatchCommand.self,
                      ConsoleCommand.self, TopCommand.self, StackCommand.self])

    /// Parses the command line after the config-file and environment layers (`ConfiguredCommandLine`).
    static func main() async {
        let arguments: [String]
        do {
            arguments = try ConfiguredCommandLine.layered(Array(CommandLine.arguments.dropFirst()))
        } catch {
            exit(withError: error)   // says which file, key or variable, without a usage screen
        }
        await main(arguments)
    }
}
