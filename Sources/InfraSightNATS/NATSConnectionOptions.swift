import Foundation

/// Everything a NATS connection needs besides the server list: TLS, credentials and reconnect behaviour.
/// Typed so a mistake fails at start-up with a message naming the setting, and secrets are only ever read
/// from files or the environment, never taken from the command line.
///
/// `fromEnvironment` reads these variables (all optional):
/// - `INFRASIGHT_NATS_CA_FILE`: PEM CA bundle that signed the server certificate (implies TLS);
/// - `INFRASIGHT_NATS_CERT_FILE`, `INFRASIGHT_NATS_KEY_FILE`: client certificate chain and its key (mutual TLS; both or neither);
/// - `INFRASIGHT_NATS_CREDS_FILE`: a `.creds` file (user JWT and NKey seed, as `nsc` writes it);
/// - `INFRASIGHT_NATS_NKEY`, `INFRASIGHT_NATS_NKEY_SEED_FILE`: an NKey user, its public key (`U...`) and the file
///   holding its seed (`SU...`); nats.c needs both, it does not derive the public key;
/// - `INFRASIGHT_NATS_USER` with `INFRASIGHT_NATS_PASSWORD_FILE` (preferred) or `INFRASIGHT_NATS_PASSWORD`.
///
/// Only one way to authenticate may be set (credentials file, NKey, or user and password).
public struct NATSConnectionOptions: Sendable, Equatable {
    /// The `INFRASIGHT_NATS_*` variable names.
    public enum Env {
        public static let caFile = "INFRASIGHT_NATS_CA_FILE"
        public static let certFile = "INFRASIGHT_NATS_CERT_FILE"
        public static let keyFile = "INFRASIGHT_NATS_KEY_FILE"
        public static let credsFile = "INFRASIGHT_NATS_CREDS_FILE"
        public static let nkey = "INFRASIGHT_NATS_NKEY"
        public static let nkeySeedFile = "INFRASIGHT_NATS_NKEY_SEED_FILE"
        public static let user = "INFRASIGHT_NATS_USER"
        public static let password = "INFRASIGHT_NATS_PASSWORD"
        public static let passwordFile = "INFRASIGHT_NATS_PASSWORD_FILE"
        public static let all = [caFile, certFile, keyFile, credsFile, nkey, nkeySeedFile, user, password, passwordFile]
    }

    /// TLS settings; with `tls://` in the URL or any file here the connection requires TLS.
    public struct TLS: Sendable, Equatable {
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?
        public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
        }
        public var isEmpty: Bool { caFile == nil && certFile == nil && keyFile == nil }
    }

    /// How the client proves who it is.
    public enum Credentials: Sendable, Equatable {
        case none
        /// A chained `.creds` file (JWT + seed).
        case credsFile(String)
        /// An NKey user: public key and the file with its seed.
        case nkey(publicKey: String, seedFile: String)
        /// User and password; the password from a file or an environment variable.
        case userPassword(user: String, password: NATSPasswordSource)
    }

    public var tls: TLS
    public var credentials: Credentials
    public var reconnect: NATSReconnectPolicy
    /// The connection's name, shown by the server (`nats-server` monitoring, logs).
    public var name: String

    public init(tls: TLS = TLS(), credentials: Credentials = .none, reconnect: NATSReconnectPolicy = NATSReconnectPolicy(),
                name: String = "infrasight") {
        self.tls = tls
        self.credentials = credentials
        self.reconnect = reconnect
        self.name = name
    }

    /// Options from the `INFRASIGHT_NATS_*` variables (see the type's comment); throws `NATSError`
    /// (kind `.configuration`) for contradictory or incomplete settings.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment,
                                       name: String = "infrasight") throws -> NATSConnectionOptions {
        func value(_ key: String) -> String? { env[key].flatMap { $0.isEmpty ? nil : $0 } }
        var options = NATSConnectionOptions(name: name)
        options.tls = TLS(caFile: value(Env.caFile), certFile: value(Env.certFile), keyFile: value(Env.keyFile))
        var ways: [Credentials] = []
        if let creds = value(Env.credsFile) { ways.append(.credsFile(creds)) }
        switch (value(Env.nkey), value(Env.nkeySeedFile)) {
        case let (key?, seed?): ways.append(.nkey(publicKey: key, seedFile: seed))
        case (nil, nil): break
        default:
            throw NATSError.configuration("\(Env.nkey) and \(Env.nkeySeedFile) go together: set both (public key and seed file) or neither")
        }
        if let user = value(Env.user) {
            if let file = value(Env.passwordFile) {
                guard value(Env.password) == nil else {
                    throw NATSError.configuration("both \(Env.passwordFile) and \(Env.password) are set; keep one")
                }
                ways.append(.userPassword(user: user, password: .file(file)))
            } else {
                ways.append(.userPassword(user: user, password: .environment(Env.password)))
            }
        } else if value(Env.password) != nil || value(Env.passwordFile) != nil {
            throw NATSError.configuration("a NATS password is set but \(Env.user) is not; set the user too")
        }
        guard ways.count <= 1 else {
            throw NATSError.configuration("more than one NATS authentication is set (\(Env.credsFile), \(Env.nkey), "
                                          + "\(Env.user)); keep one")
        }
        options.credentials = ways.first ?? .none
        try options.validate()
        return options
    }

    /// Checks that the files named exist and that certificate and key come together.
    public func validate() throws {
        if (tls.certFile == nil) != (tls.keyFile == nil) {
            throw NATSError.configuration("a client certificate needs its key: set both \(Env.certFile) and \(Env.keyFile), or neither")
        }
        var files: [(String, String)] = [tls.caFile.map { ($0, Env.caFile) }, tls.certFile.map { ($0, Env.certFile) },
                                         tls.keyFile.map { ($0, Env.keyFile) }].compactMap { $0 }
        switch credentials {
        case .credsFile(let f): files.append((f, Env.credsFile))
        case .nkey(_, let seed): files.append((seed, Env.nkeySeedFile))
        case .userPassword(_, .file(let f)): files.append((f, Env.passwordFile))
        default: break
        }
        for (path, variable) in files where !FileManager.default.isReadableFile(atPath: path) {
            throw NATSError.configuration("\(variable)=\(path): no such readable file")
        }
    }
}
