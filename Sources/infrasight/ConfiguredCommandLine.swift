import ArgumentParser
import Foundation
import InfraSightCore

/// The command line after config-file and environment layering (`ArgumentLayering`): every option of
/// a subcommand can be set by `INFRASIGHT_<NAME>`, a subcommand with a `--config` option (the stages)
/// also reads its YAML file (`--config FILE` or env `INFRASIGHT_CONFIG`); flags given win.
/// Subcommands with subcommands of their own (`topics create`) are left as they are.
enum ConfiguredCommandLine {
    /// Options no layer may set: they are about the command line itself.
    static let notLayered: Set<String> = ["help", "version", "config", "experimental-dump-help"]
    /// Environment names that predate the generic `INFRASIGHT_<NAME>` rule.
    static let renamedEnvironment: [String: String] = ["clickhouse": "INFRASIGHT_CLICKHOUSE_URL"]
    /// KEY=VALUE lists merged across layers; `KafkaOptions` reads INFRASIGHT_KAFKA_OPTIONS itself.
    static let mergedLists: Set<String> = ["kafka-option"]
    static let ownEnvironment: Set<String> = ["kafka-option"]

    /// `arguments` (without the executable) with the environment layer, and the file layer for the
    /// subcommands that take `--config`, added in front of the subcommand's own arguments.
    static func layered(_ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
                        subcommands: [ParsableCommand.Type] = InfraSightCommand.configuration.subcommands) throws -> [String] {
        guard let name = arguments.first,
              let command = subcommands.first(where: { $0.configuration.commandName == name }),
              command.configuration.subcommands.isEmpty else { return arguments }
        let options = optionSpecs(of: command)
        let rest = Array(arguments.dropFirst())
        let takesFile = options.contains(where: { $0.name == "config" })
        let file = try takesFile ? configPath(in: rest, environment: environment).map { try StageConfigFile.load(path: $0) } : nil
        let layerable = options.filter { !notLayered.contains($0.name) }
        let layered = try ArgumentLayering.layer(arguments: rest, options: layerable, environment: environment, file: file)
        return [name] + layered
    }

    /// `--config FILE` / `--config=FILE`, else INFRASIGHT_CONFIG.
    static func configPath(in arguments: [String], environment: [String: String]) -> String? {
        var iterator = arguments.makeIterator()
        var found: String?
        while let argument = iterator.next() {
            if argument == "--" { break }
            if argument == "--config" { found = iterator.next() }
            else if argument.hasPrefix("--config=") { found = String(argument.dropFirst("--config=".count)) }
        }
        return found ?? environment["INFRASIGHT_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The long options of `command`, read from ArgumentParser's own description of it.
    static func optionSpecs(of command: ParsableCommand.Type) -> [CommandOptionSpec] {
        guard let data = command._dumpHelp().data(using: .utf8),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let info = root["command"] as? [String: Any],
              let arguments = info["arguments"] as? [[String: Any]] else { return [] }
        return arguments.compactMap { argument in
            guard let kind = argument["kind"] as? String, kind == "option" || kind == "flag",
                  let names = argument["names"] as? [[String: Any]],
                  let long = names.first(where: { ($0["kind"] as? String) == "long" })?["name"] as? String else { return nil }
            return CommandOptionSpec(name: long, kind: kind == "flag" ? .flag : .value,
                                     repeating: argument["isRepeating"] as? Bool ?? false,
                                     environmentName: renamedEnvironment[long],
                                     readsEnvironment: !ownEnvironment.contains(long),
                                     merges: mergedLists.contains(long))
        }
    }
}
