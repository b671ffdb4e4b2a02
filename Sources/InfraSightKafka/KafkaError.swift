import CRdKafka

/// A librdkafka error (or a failure of this wrapper), with enough context to act on.
///
/// `code` is librdkafka's `rd_kafka_resp_err_t` (negative values are client-side errors such as
/// `_TRANSPORT` or `_TIMED_OUT`; positive values come from the broker, e.g. 36 `TOPIC_ALREADY_EXISTS`).
/// `message` names the broker(s) involved and what to do where that is known.
public struct KafkaError: Error, CustomStringConvertible, Sendable {
    public var code: Int32
    /// librdkafka's symbolic name, e.g. `_TRANSPORT`, `UNKNOWN_TOPIC_OR_PART`.
    public var name: String
    public var message: String
    /// Trying again later may succeed (broker down, leader change, timeout, full queue).
    public var isRetriable: Bool
    /// The client instance is unusable (e.g. idempotent producer fenced / sequence broken); recreate it.
    public var isFatal: Bool

    public init(code: Int32, name: String, message: String, isRetriable: Bool, isFatal: Bool) {
        self.code = code
        self.name = name
        self.message = message
        self.isRetriable = isRetriable
        self.isFatal = isFatal
    }

    public var description: String {
        var flags: [String] = []
        if isFatal { flags.append("fatal") }
        if isRetriable { flags.append("retriable") }
        let suffix = flags.isEmpty ? "" : " [\(flags.joined(separator: ", "))]"
        return "Kafka error \(name) (\(code)): \(message)\(suffix)"
    }

    /// Code used for failures detected by this wrapper rather than librdkafka (`_INVALID_ARG`).
    static let wrapperCode: Int32 = RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue

    /// From a plain `rd_kafka_resp_err_t`; `context` is prepended to librdkafka's text.
    init(_ err: rd_kafka_resp_err_t, context: String? = nil, detail: String? = nil, isFatal: Bool = false) {
        let text = detail ?? String(cString: rd_kafka_err2str(err))
        self.init(code: err.rawValue,
                  name: String(cString: rd_kafka_err2name(err)),
                  message: context.map { "\($0): \(text)" } ?? text,
                  isRetriable: KafkaError.retriableCodes.contains(err.rawValue),
                  isFatal: isFatal || err == RD_KAFKA_RESP_ERR__FATAL)
    }

    /// From an `rd_kafka_error_t` (does not destroy it).
    init(_ error: OpaquePointer, context: String? = nil) {
        let text = String(cString: rd_kafka_error_string(error))
        self.init(code: rd_kafka_error_code(error).rawValue,
                  name: String(cString: rd_kafka_error_name(error)),
                  message: context.map { "\($0): \(text)" } ?? text,
                  isRetriable: rd_kafka_error_is_retriable(error) != 0,
                  isFatal: rd_kafka_error_is_fatal(error) != 0)
    }

    /// A failure detected by this wrapper (bad configuration, invalid argument).
    static func wrapper(_ message: String) -> KafkaError {
        KafkaError(code: wrapperCode, name: "_INVALID_ARG", message: message, isRetriable: false, isFatal: false)
    }

    /// Errors for which a later attempt can succeed.
    static let retriableCodes: Set<Int32> = [
        RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__TIMED_OUT,
        RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__RESOLVE,
        RD_KAFKA_RESP_ERR__WAIT_COORD, RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE, RD_KAFKA_RESP_ERR__PREV_IN_PROGRESS,
        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
        RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
        RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR,
        RD_KAFKA_RESP_ERR_FETCH_SESSION_ID_NOT_FOUND, RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH,
        RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH, RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED,
    ].reduce(into: Set<Int32>()) { $0.insert($1.rawValue) }
}
