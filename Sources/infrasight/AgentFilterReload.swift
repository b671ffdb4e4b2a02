import ArgumentParser
import Foundation
import InfraSightAgent

/// The agent's filters read again on SIGHUP, the way they were read at start: the original command
/// line goes through `ConfiguredCommandLine.layered` (re-reading the config file and the environment,
/// flags still winning) and is parsed by `AgentCommand` again. Only the filters are taken from it;
/// other settings need a restart.
enum AgentFilterReload {
    /// The filters of `arguments` (the command line without the executable, starting with `agent`).
    static func filter(arguments: [String],
                       environment: [String: String] = ProcessInfo.processInfo.environment) throws -> EventFilter {
        let layered = try ConfiguredCommandLine.layered(arguments, environment: environment)
        guard layered.first == AgentCommand.configuration.commandName else {
            throw EventFilterError("not an agent command line: \(layered.first ?? "(empty)")")
        }
        let command: AgentCommand
        do {
            command = try AgentCommand.parse(Array(layered.dropFirst()))
        } catch {
            throw EventFilterError(AgentCommand.message(for: error))
        }
        return try command.eventFilter()
    }
}
