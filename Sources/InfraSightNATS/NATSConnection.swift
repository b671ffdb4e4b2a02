import CNats
import Foundation
import Logging
import NIOConcurrencyHelpers

let natsLogger = Logger(label: "infrasight.nats")

/// One connection to a NATS server (cluster), with JetStream: what producers, consumers and stream setup share.
///
/// The first connect is retried with backoff for `options.reconnect.initialConnectWait`, then fails with a
/// message that says what to check (`cannot reach nats://…: … — is nats-server running? check --brokers`);
/// refused credentials and TLS failures fail at once. Once connected, nats.c reconnects by itself (forever by
/// default); `events` counts disconnects, reconnects and asynchronous errors, for logs and metrics.
///
/// Thread-safe (nats.c's connection is); `close()` is idempotent, and deinit closes and frees the handles.
public final class NATSConnection: @unchecked Sendable {
    /// `natsConnection*`.
    let handle: OpaquePointer
    /// The connection's default JetStream context (`jsCtx*`), for stream setup and consumers.
    let jetStream: OpaquePointer
    public let url: NATSURL
    public let options: NATSConnectionOptions
    /// How long a JetStream API request (stream/consumer setup, info) may take.
    public let apiTimeout: Duration
    private let context: ConnectionContext
    private let isClosed = NIOLockedValueBox(false)

    /// Connects (see the type's comment); throws `NATSError` with kind `.unreachable`, `.authentication`,
    /// `.tls` or `.configuration`.
    public init(url: NATSURL, options: NATSConnectionOptions = NATSConnectionOptions(),
                apiTimeout: Duration = .seconds(5)) throws {
        try options.validate()
        self.url = url
        self.options = options
        self.apiTimeout = apiTimeout
        let context = ConnectionContext(url: url, policy: options.reconnect)
        self.context = context
        let deadline = ContinuousClock.now + options.reconnect.initialConnectWait
        var attempts = 0
        var connection: OpaquePointer?
        while connection == nil {
            attempts += 1
            do {
                connection = try Self.connectOnce(url: url, options: options, context: context)
            } catch let error as NATSError where error.kind == .unreachable || error.kind == .timeout {
                let now = ContinuousClock.now
                guard now < deadline else {
                    throw NATSError(kind: .unreachable, status: error.status,
                                    message: "cannot reach \(url) after \(attempts) attempt(s) in "
                                        + "\(options.reconnect.initialConnectWait): \(error.message) — is nats-server "
                                        + "running (with -js for JetStream)? check --brokers")
                }
                if attempts == 1 {
                    natsLogger.warning("NATS \(url) not reachable yet, retrying for \(options.reconnect.initialConnectWait)",
                                       metadata: ["error": "\(error.message)"])
                }
                let wait = min(options.reconnect.delay(afterAttempts: attempts), now.duration(to: deadline))
                usleep(UInt32(max(1, wait.milliseconds) * 1000))
            }
        }
        handle = connection!
        do {
            jetStream = try Self.jetStream(on: handle, url: url, apiTimeout: apiTimeout) { _ in }
        } catch {
            natsConnection_Destroy(handle)
            throw error
        }
        natsLogger.debug("NATS connected", metadata: ["url": "\(url)", "server": "\(connectedURL ?? "?")"])
    }

    deinit {
        jsCtx_Destroy(jetStream)
        natsConnection_Destroy(handle)
    }

    /// The server this connection is on now (nil while disconnected).
    public var connectedURL: String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard natsConnection_GetConnectedUrl(handle, &buffer, buffer.count) == NATS_OK, buffer[0] != 0 else { return nil }
        return String(cString: buffer)
    }

    /// True while connected (not reconnecting, not closed).
    public var isConnected: Bool { !isClosed.withLockedValue { $0 } && natsConnection_Status(handle) == NATS_CONN_STATUS_CONNECTED }

    /// Disconnects, reconnects and asynchronous errors so far.
    public var events: NATSConnectionEvents { context.events.withLockedValue { $0 } }

    /// A round trip to the server: everything published before has reached it. Throws on timeout.
    public func flush(timeout: Duration) throws {
        let s = natsConnection_FlushTimeout(handle, timeout.milliseconds)
        guard s == NATS_OK else { throw NATSError(s, context: "flush to \(url)") }
    }

    /// Closes the connection (nats.c flushes buffered outgoing data first); later calls on it, and on the
    /// producers and consumers made from it, fail with "connection closed". Idempotent. The handles are freed
    /// on deinit, once nothing uses them any more (producers, consumers and messages keep this object alive).
    public func close() {
        let wasClosed = isClosed.withLockedValue { closed -> Bool in defer { closed = true }; return closed }
        guard !wasClosed else { return }
        natsConnection_Close(handle)
    }

    /// A JetStream context of its own (asynchronous-publish settings are per context).
    func makeJetStream(_ configure: (inout jsOptions) -> Void) throws -> OpaquePointer {
        try Self.jetStream(on: handle, url: url, apiTimeout: apiTimeout, configure)
    }

    private static func jetStream(on handle: OpaquePointer, url: NATSURL, apiTimeout: Duration,
                                  _ configure: (inout jsOptions) -> Void) throws -> OpaquePointer {
        var js: OpaquePointer?
        var o = jsOptions()
        jsOptions_Init(&o)
        o.Wait = apiTimeout.milliseconds
        configure(&o)
        let s = natsConnection_JetStream(&js, handle, &o)
        guard s == NATS_OK, let js else { throw NATSError(s, context: "JetStream context on \(url)") }
        return js
    }

    /// One connect to the servers in `url` (nats.c tries each once). The context is retained for the
    /// connection's callbacks and released by its closed callback (or here when the connect fails).
    private static func connectOnce(url: NATSURL, options: NATSConnectionOptions,
                                    context: ConnectionContext) throws -> OpaquePointer {
        var opts: OpaquePointer?
        var s = natsOptions_Create(&opts)
        guard s == NATS_OK, let opts else { throw NATSError(s, context: "natsOptions_Create") }
        defer { natsOptions_Destroy(opts) }
        func check(_ s: natsStatus, _ what: String, advice: String? = nil) throws {
            guard s == NATS_OK else {
                var e = NATSError(s, context: "\(what) for \(url)", advice: advice)
                if e.kind != .tls { e.kind = .configuration }
                throw e
            }
        }
        let urls = url.urls
        var cStrings = urls.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        try cStrings.withUnsafeMutableBufferPointer { buf in
            try buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) {
                try check(natsOptions_SetServers(opts, $0, Int32(buf.count)), "server list")
            }
        }
        let policy = options.reconnect
        try check(natsOptions_SetName(opts, options.name), "connection name")
        try check(natsOptions_SetTimeout(opts, policy.attemptTimeout.milliseconds), "connect timeout")
        try check(natsOptions_SetMaxReconnect(opts, Int32(clamping: policy.maxReconnects ?? -1)), "max reconnects")
        try check(natsOptions_SetReconnectBufSize(opts, Int32(clamping: policy.reconnectBufferBytes)), "reconnect buffer")
        try check(natsOptions_SetPingInterval(opts, policy.pingInterval.milliseconds), "ping interval")
        try check(natsOptions_SetMaxPingsOut(opts, Int32(clamping: policy.maxPingsOut)), "max pings out")
        // TLS: tls:// or any TLS file.
        let tls = options.tls
        if url.tls || !tls.isEmpty {
            try check(natsOptions_SetSecure(opts, true), "TLS")
            if let ca = tls.caFile {
                try check(natsOptions_LoadCATrustedCertificates(opts, ca), "CA file \(ca) (\(NATSConnectionOptions.Env.caFile))")
            }
            if let cert = tls.certFile, let key = tls.keyFile {
                try check(natsOptions_LoadCertificatesChain(opts, cert, key),
                          "client certificate \(cert) / key \(key) (\(NATSConnectionOptions.Env.certFile), \(NATSConnectionOptions.Env.keyFile))")
            }
        }
        switch options.credentials {
        case .none: break
        case .credsFile(let file):
            try check(natsOptions_SetUserCredentialsFromFiles(opts, file, nil),
                      "credentials file \(file) (\(NATSConnectionOptions.Env.credsFile))")
        case .nkey(let publicKey, let seedFile):
            try check(natsOptions_SetNKeyFromSeed(opts, publicKey, seedFile),
                      "NKey \(publicKey) with seed file \(seedFile) (\(NATSConnectionOptions.Env.nkeySeedFile))")
        case .userPassword(let user, let source):
            let password = try source.resolve()
            try check(natsOptions_SetUserInfo(opts, user, password), "user \(user)")
        }
        let closure = Unmanaged.passRetained(context).toOpaque()
        try check(natsOptions_SetCustomReconnectDelay(opts, { _, attempts, closure in
            guard let closure else { return 1000 }
            return Unmanaged<ConnectionContext>.fromOpaque(closure).takeUnretainedValue().reconnectDelayMs(attempts: Int(attempts))
        }, closure), "reconnect delay")
        try check(natsOptions_SetDisconnectedCB(opts, { _, closure in
            guard let closure else { return }
            Unmanaged<ConnectionContext>.fromOpaque(closure).takeUnretainedValue().disconnected()
        }, closure), "disconnected callback")
        try check(natsOptions_SetReconnectedCB(opts, { nc, closure in
            guard let closure else { return }
            Unmanaged<ConnectionContext>.fromOpaque(closure).takeUnretainedValue().reconnected(nc)
        }, closure), "reconnected callback")
        try check(natsOptions_SetErrorHandler(opts, { _, _, status, closure in
            guard let closure else { return }
            Unmanaged<ConnectionContext>.fromOpaque(closure).takeUnretainedValue().asyncError(status)
        }, closure), "error handler")
        try check(natsOptions_SetClosedCB(opts, { _, closure in
            guard let closure else { return }
            Unmanaged<ConnectionContext>.fromOpaque(closure).release()
        }, closure), "closed callback")

        var nc: OpaquePointer?
        s = natsConnection_Connect(&nc, opts)
        guard s == NATS_OK, let nc else {
            Unmanaged<ConnectionContext>.fromOpaque(closure).release()
            let advice: String?
            switch s {
            case NATS_CONNECTION_AUTH_FAILED, NATS_NOT_PERMITTED:
                advice = "the server refused the credentials; check \(NATSConnectionOptions.Env.user) and "
                    + "\(NATSConnectionOptions.Env.passwordFile), \(NATSConnectionOptions.Env.credsFile) or \(NATSConnectionOptions.Env.nkey)"
            case NATS_SSL_ERROR where !url.tls && tls.isEmpty:
                // nats.c switches to TLS by itself when the server requires it, then cannot verify it.
                advice = "the server requires TLS: use tls:// in --brokers and set \(NATSConnectionOptions.Env.caFile) "
                    + "to the CA that signed its certificate"
            case NATS_SSL_ERROR:
                advice = "TLS failed; check \(NATSConnectionOptions.Env.caFile) (the CA that signed the server's certificate), "
                    + "the client certificate, and that the server speaks TLS"
            case NATS_SECURE_CONNECTION_REQUIRED:
                advice = "the server requires TLS: use tls:// in --brokers and set \(NATSConnectionOptions.Env.caFile)"
            case NATS_PROTOCOL_ERROR where url.tls || !tls.isEmpty:
                // With TLS 1.3 a server that rejects the client certificate closes the connection after the
                // handshake: nats.c then sees an empty reply instead of PONG.
                advice = "the server closed the TLS connection: does it require a client certificate it trusts? "
                    + "check \(NATSConnectionOptions.Env.certFile) and \(NATSConnectionOptions.Env.keyFile)"
            default: advice = nil
            }
            var error = NATSError(s, context: "connect to \(url)", advice: advice)
            if s == NATS_PROTOCOL_ERROR && (url.tls || !tls.isEmpty) { error.kind = .tls }
            if s == NATS_SECURE_CONNECTION_REQUIRED || s == NATS_SECURE_CONNECTION_WANTED { error.kind = .tls }
            if s == NATS_CONNECTION_AUTH_FAILED || s == NATS_NOT_PERMITTED { error.kind = .authentication }
            throw error
        }
        return nc
    }
}

/// Connection events counted by the callbacks.
public struct NATSConnectionEvents: Sendable, Equatable {
    public var disconnects: UInt64 = 0
    public var reconnects: UInt64 = 0
    /// Asynchronous errors (slow consumer, permissions on a subject, ...), and the last one's text.
    public var asyncErrors: UInt64 = 0
    public var lastAsyncError: String?
}

/// State reachable from nats.c's connection callbacks (which run on its threads).
final class ConnectionContext: @unchecked Sendable {
    let url: NATSURL
    let policy: NATSReconnectPolicy
    let events = NIOLockedValueBox(NATSConnectionEvents())

    init(url: NATSURL, policy: NATSReconnectPolicy) {
        self.url = url
        self.policy = policy
    }

    func reconnectDelayMs(attempts: Int) -> Int64 {
        let base = policy.delay(afterAttempts: attempts).milliseconds
        return base + Int64.random(in: 0...max(0, base / 5))
    }

    func disconnected() {
        let n = events.withLockedValue { $0.disconnects += 1; return $0.disconnects }
        natsLogger.warning("NATS connection to \(url) lost; reconnecting", metadata: ["disconnects": "\(n)"])
    }

    func reconnected(_ nc: OpaquePointer?) {
        events.withLockedValue { $0.reconnects += 1 }
        var buffer = [CChar](repeating: 0, count: 256)
        if let nc { _ = natsConnection_GetConnectedUrl(nc, &buffer, buffer.count) }
        natsLogger.info("NATS reconnected", metadata: ["server": "\(String(cString: buffer))"])
    }

    func asyncError(_ status: natsStatus) {
        let text = String(cString: natsStatus_GetText(status))
        events.withLockedValue { $0.asyncErrors += 1; $0.lastAsyncError = text }
        natsLogger.error("NATS asynchronous error on \(url): \(text)")
    }
}
