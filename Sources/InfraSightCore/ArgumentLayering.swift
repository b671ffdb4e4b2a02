import Foundation

/// One long option of a command, as `ArgumentLayering` needs to know it.
public struct CommandOptionSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `--name VALUE`
        case value
        /// `--name` (a boolean flag)
        case flag
    }

    /// The long name without `--`; also the config-file key.
    public let name: String
    public let kind: Kind
    /// The option may be given several times (a list).
    public let repeating: Bool
    /// The environment variable that sets it (`INFRASIGHT_` + upper snake case, unless renamed), or
    /// nil when the command reads its environment itself.
    public let environmentName: String?
    /// Lists from every layer are concatenated (KEY=VALUE maps such as `kafka-option`, later wins
    /// per key) instead of the highest layer replacing the others.
    public let merges: Bool

    public init(name: String, kind: Kind, repeating: Bool = false, environmentName: String? = nil,
                readsEnvironment: Bool = true, merges: Bool = false) {
        self.name = name
        self.kind = kind
        self.repeating = repeating
        self.environmentName = readsEnvironment ? environmentName ?? Self.defaultEnvironmentName(name) : nil
        self.merges = merges
    }

    /// `rate-limit` → `INFRASIGHT_RATE_LIMIT`.
    public static func defaultEnvironmentName(_ name: String) -> String {
        "INFRASIGHT_" + name.uppercased().map { $0 == "-" ? "_" : $0 }.reduce(into: "") { $0.append($1) }
    }
}

/// Turns a stage's three sources of settings into one command line, so that one parser reads them:
/// the config file (lowest), then `INFRASIGHT_*` environment variables, then the flags given (highest).
///
/// A single-valued option takes the highest layer that sets it (a YAML list given to it becomes one
/// comma-separated value, as for `probes`). A list option (repeatable) takes the
/// whole list of the highest layer that sets it, except `merges` options, whose lists are concatenated.
/// An environment list is comma-separated. A flag is on for `true`, `1`, `yes` or `on` and off for
/// `false`, `0`, `no` or `off`, so `false` in the environment turns off a flag the file turned on.
public enum ArgumentLayering {
    /// The arguments to parse: `file` and `environment` settings as flags, then `arguments` (the
    /// subcommand's own command line, without the subcommand name). Keys of `file` that are not options
    /// of the command are an error naming the key and the valid ones.
    public static func layer(arguments: [String], options: [CommandOptionSpec],
                             environment: [String: String], file: StageConfigFile?) throws -> [String] {
        let given = givenOptionNames(arguments)
        let byName = Dictionary(options.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        if let file {
            let unknown = file.values.keys.filter { byName[$0] == nil }.sorted()
            if !unknown.isEmpty {
                throw StageConfigError("config file \(file.path): unknown key\(unknown.count == 1 ? "" : "s") \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")); this command takes: \(options.map(\.name).sorted().joined(separator: ", "))")
            }
        }
        var prefix: [String] = []
        for option in options {
            let fromFlags = given.contains(option.name)
            if fromFlags && !option.merges { continue }
            let fromEnvironment = try option.environmentName.flatMap { name in
                try environment[name].map { try values(ofEnvironment: $0, name: name, option: option) }
            }
            let fromFile = try file?.values[option.name].map { try values(of: $0, option: option, path: file!.path) }
            if option.merges {
                prefix += flagArguments(for: option, values: (fromFile ?? []) + (fromEnvironment ?? []))
            } else if let chosen = fromEnvironment ?? fromFile {
                prefix += flagArguments(for: option, values: chosen)
            }
        }
        return prefix + arguments
    }

    /// Long option names present in `arguments` (`--name value` or `--name=value`), up to `--`.
    static func givenOptionNames(_ arguments: [String]) -> Set<String> {
        var names = Set<String>()
        for argument in arguments {
            if argument == "--" { break }
            guard argument.hasPrefix("--"), argument.count > 2 else { continue }
            let body = argument.dropFirst(2)
            names.insert(String(body.split(separator: "=", maxSplits: 1).first ?? body))
        }
        return names
    }

    private static func flagArguments(for option: CommandOptionSpec, values: [String]) -> [String] {
        switch option.kind {
        case .flag: return values.last == "true" ? ["--" + option.name] : []
        case .value: return values.flatMap { ["--" + option.name, $0] }
        }
    }

    private static func values(of value: StageConfigFile.Value, option: CommandOptionSpec, path: String) throws -> [String] {
                switch (option.kind, value) {
        case (.flag, .boolean(let on)): return [on ? "true" : "false"]
        case (.flag, _): throw StageConfigError("config file \(path): \"\(option.name)\" is a flag: use true or false")
        case (.value, .boolean(let on)): return [on ? "true" : "false"]
        case (.value, .scalar(let text)): return [text]
        case (.value, .list(let items)):
            return option.repeating ? items : [items.joined(separator: ",")]
        }
    }

    private static func values(ofEnvironment text: String, name: String, option: CommandOptionSpec) throws -> [String] {
        switch option.kind {
        case .flag:
            switch text.lowercased() {
            case "1", "true", "yes", "on": return ["true"]
            case "0", "false", "no", "off", "": return ["false"]
            default: throw StageConfigError("\(name) is a flag: use true or false, got \"\(text)\"")
            }
        case .value:
            guard option.repeating else { return [text] }
            return text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }
}
