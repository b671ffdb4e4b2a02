import CNats

/// Creates and inspects InfraSight's JetStream streams: the JetStream side of `infrasight topics create`.
///
/// `ensure` is idempotent: a missing stream is created, one whose settings differ is updated, an equal one is
/// left alone; a change JetStream cannot make in place (storage type) fails with the stream's name and what to do.
public struct JetStreamAdmin: Sendable {
    /// What `ensure` did to a stream.
    public enum Outcome: String, Sendable, Equatable { case created, updated, unchanged }

    public let connection: NATSConnection

    public init(connection: NATSConnection) { self.connection = connection }

    /// Creates or updates every stream in `specs`; returns what happened to each, by stream name.
    @discardableResult
    public func ensure(_ specs: [JetStreamStreamSpec]) throws -> [String: Outcome] {
        var outcomes: [String: Outcome] = [:]
        for spec in specs { outcomes[spec.name] = try ensure(spec) }
        return outcomes
    }

    /// Creates the stream, or updates it to `spec`; see the type's comment.
    @discardableResult
    public func ensure(_ spec: JetStreamStreamSpec) throws -> Outcome {
        let js = connection.jetStream
        var si: UnsafeMutablePointer<jsStreamInfo>?
        var jerr = jsErrCode(rawValue: 0)
        var s = js_GetStreamInfo(&si, js, spec.name, nil, &jerr)
        if s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr {
            try withConfig(spec) { cfg in
                var created: UnsafeMutablePointer<jsStreamInfo>?
                var e = jsErrCode(rawValue: 0)
                let s = js_AddStream(&created, js, cfg, nil, &e)
                jsStreamInfo_Destroy(created)
                guard s == NATS_OK else { throw error(s, e, "create stream \(spec.name) (\(spec.subjects.joined(separator: " ")))") }
            }
            natsLogger.info("JetStream stream created", metadata: ["stream": "\(spec.name)", "subjects": "\(spec.subjects)"])
            return .created
        }
        guard s == NATS_OK, let si else { throw error(s, jerr, "look up stream \(spec.name)") }
        defer { jsStreamInfo_Destroy(si) }
        let current = si.pointee.Config.pointee
        if current.Storage != js_FileStorage {
            throw NATSError(kind: .configuration,
                            message: "stream \(spec.name) on \(connection.url) uses memory storage; InfraSight needs file "
                                + "storage and JetStream cannot change it in place: back it up and delete it "
                                + "(nats stream rm \(spec.name)), then create the streams again")
        }
        let currentSubjects = (0..<Int(current.SubjectsLen)).compactMap { current.Subjects[$0].map { String(cString: $0) } }
        let same = Set(currentSubjects) == Set(spec.subjects)
            && current.Replicas == Int64(spec.replicas)
            && current.MaxAge == (spec.maxAge?.nanoseconds ?? 0)
            && current.MaxBytes == (spec.maxBytes ?? -1)
            && current.Duplicates == spec.duplicateWindow.nanoseconds
            && current.MaxMsgSize == (spec.maxMessageSize ?? -1)
            && current.Retention == js_LimitsPolicy
        if same { return .unchanged }
        try withConfig(spec) { cfg in
            var updated: UnsafeMutablePointer<jsStreamInfo>?
            var e = jsErrCode(rawValue: 0)
            s = js_UpdateStream(&updated, js, cfg, nil, &e)
            jsStreamInfo_Destroy(updated)
            guard s == NATS_OK else { throw error(s, e, "update stream \(spec.name) to \(spec)") }
        }
        natsLogger.info("JetStream stream updated", metadata: ["stream": "\(spec.name)"])
        return .updated
    }

    /// The stream's settings and message counts as the server has them now.
    public func info(stream name: String) throws -> JetStreamStreamState {
        var si: UnsafeMutablePointer<jsStreamInfo>?
        var jerr = jsErrCode(rawValue: 0)
        let s = js_GetStreamInfo(&si, connection.jetStream, name, nil, &jerr)
        guard s == NATS_OK, let si else { throw error(s, jerr, "look up stream \(name)") }
        defer { jsStreamInfo_Destroy(si) }
        let st = si.pointee.State
        let cfg = si.pointee.Config.pointee
        return JetStreamStreamState(name: name, messages: st.Msgs, bytes: st.Bytes, firstSequence: st.FirstSeq,
                                    lastSequence: st.LastSeq, consumers: Int(st.Consumers),
                                    replicas: Int(cfg.Replicas), duplicateWindow: .nanoseconds(cfg.Duplicates),
                                    fileStorage: cfg.Storage == js_FileStorage)
    }

    /// Deletes a stream and every message in it (tests, `infrasight topics delete`).
    public func delete(stream name: String) throws {
        var jerr = jsErrCode(rawValue: 0)
        let s = js_DeleteStream(connection.jetStream, name, nil, &jerr)
        guard s == NATS_OK else { throw error(s, jerr, "delete stream \(name)") }
    }

    private func withConfig(_ spec: JetStreamStreamSpec, _ body: (UnsafeMutablePointer<jsStreamConfig>) throws -> Void) throws {
        try withCStrings(spec.subjects) { subjects, count in
            try spec.name.withCString { name in
                var cfg = jsStreamConfig()
                jsStreamConfig_Init(&cfg)
                cfg.Name = name
                cfg.Subjects = subjects
                cfg.SubjectsLen = count
                cfg.Storage = js_FileStorage
                cfg.Retention = js_LimitsPolicy
                cfg.Discard = js_DiscardOld
                cfg.Replicas = Int64(spec.replicas)
                cfg.MaxAge = spec.maxAge?.nanoseconds ?? 0
                cfg.MaxBytes = spec.maxBytes ?? -1
                cfg.Duplicates = spec.duplicateWindow.nanoseconds
                cfg.MaxMsgSize = spec.maxMessageSize ?? -1
                try body(&cfg)
            }
        }
    }

    private func error(_ s: natsStatus, _ jerr: jsErrCode, _ what: String) -> NATSError {
        let advice: String?
        switch (s, jerr) {
        case (NATS_NO_RESPONDERS, _), (_, JSNotEnabledErr), (_, JSNotEnabledForAccountErr):
            advice = "JetStream is not enabled on \(connection.url): start nats-server with -js (and -sd DIR for file storage)"
        case (_, JSStreamSubjectOverlapErr):
            advice = "another stream already stores these subjects; remove or rename it"
        case (_, JSStreamNotFoundErr):
            advice = "create the streams first (infrasight topics create)"
        default: advice = nil
        }
        return NATSError(s, context: "\(what) on \(connection.url)", jetStreamCode: jerr, advice: advice)
    }
}

/// A stream's state and main settings, from the server.
public struct JetStreamStreamState: Sendable, Equatable {
    public var name: String
    public var messages: UInt64
    public var bytes: UInt64
    public var firstSequence: UInt64
    public var lastSequence: UInt64
    public var consumers: Int
    public var replicas: Int
    public var duplicateWindow: Duration
    public var fileStorage: Bool
}
