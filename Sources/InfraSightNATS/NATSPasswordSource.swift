import Foundation

/// Where a NATS password comes from: a file or an environment variable, never the command line
/// (argv is readable by every user of the machine through /proc).
public enum NATSPasswordSource: Sendable, Equatable {
    /// A file holding the password; one trailing newline is ignored (`echo secret > file` works).
    case file(String)
    /// An environment variable, `INFRASIGHT_NATS_PASSWORD` by default.
    case environment(String = NATSConnectionOptions.Env.password)

    /// The password; throws `NATSError` (kind `.configuration`) naming the file or variable when it is unusable.
    public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        switch self {
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw NATSError.configuration("cannot read the NATS password file \(path) "
                                              + "(\(NATSConnectionOptions.Env.passwordFile)); check the path and its permissions")
            }
            var text = String(decoding: data, as: UTF8.self)
            if text.hasSuffix("\n") { text.removeLast() }
            if text.hasSuffix("\r") { text.removeLast() }
            guard !text.isEmpty else { throw NATSError.configuration("the NATS password file \(path) is empty") }
            return text
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw NATSError.configuration("a NATS user is set but \(name) is empty or unset; set it, "
                                              + "or give \(NATSConnectionOptions.Env.passwordFile)")
            }
            return value
        }
    }
}
