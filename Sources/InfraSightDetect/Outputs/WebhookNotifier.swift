import AsyncHTTPClient
import Foundation
import InfraSightCore
import Logging
import NIOCore
import ServiceLifecycle

/// Sends each alert as a JSON POST to a webhook (Slack-style relays, SOAR, a pager). The detect loop
/// hands alerts over without waiting: a bounded queue sits between, a full queue drops the newest alert
/// and counts it, and a failed POST is retried with backoff before it is dropped and counted.
public final class WebhookNotifier: Service, @unchecked Sendable {
    public let url: String
    private let logger: Logger
    private let counters: StageCounters
    private let stream: AsyncStream<AlertRecord>
    private let continuation: AsyncStream<AlertRecord>.Continuation
    /// Alerts the webhook accepted (2xx); only the service's task writes it.
    private var delivered: UInt64 = 0
    /// Attempts per alert, and the first retry's delay (doubled each time).
    static let attempts = 4
    static let firstBackoff: Duration = .milliseconds(250)
    /// How long a graceful shutdown waits for queued alerts.
    static let shutdownDeadline: Duration = .seconds(5)

    public init(url: String, capacity: Int, counters: StageCounters, logger: Logger) throws {
        guard let parsed = URL(string: url), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
            throw DetectError("--webhook must be an http:// or https:// URL, not '\(url)'")
        }
        self.url = url
        self.logger = logger
        self.counters = counters
        (stream, continuation) = AsyncStream.makeStream(of: AlertRecord.self, bufferingPolicy: .bufferingOldest(capacity))
    }

    /// Queues `alert`; never blocks. A full queue drops it (counted as dropped{webhook-queue-full}).
    public func enqueue(_ alert: AlertRecord) {
        if case .dropped = continuation.yield(alert) {
            counters.add(.dropped, reason: "webhook-queue-full")
        }
    }

    public func run() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        await withGracefulShutdownHandler {
            for await alert in stream {
                guard let body = try? encoder.encode(AlertJSON(alert)) else { continue }
                await deliver(body, alert: alert, client: client)
            }
        } onGracefulShutdown: { [continuation] in
            continuation.finish()   // what is queued is still sent, within the shutdown deadline
        }
        try? await client.shutdown()
    }

    private func deliver(_ body: Data, alert: AlertRecord, client: HTTPClient) async {
        var delay = Self.firstBackoff
        for attempt in 1...Self.attempts {
            do {
                var request = HTTPClientRequest(url: url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "User-Agent", value: "infrasight-detect")
                request.body = .bytes(ByteBuffer(bytes: body))
                let timeout: TimeAmount = Task.isShuttingDownGracefully ? .seconds(2) : .seconds(10)
                let response = try await client.execute(request, timeout: timeout)
                _ = try? await response.body.collect(upTo: 64 * 1024)
                if (200..<300).contains(response.status.code) {
                    delivered += 1
                    counters.set("webhook_delivered", delivered)
                    return
                }
                logger.warning("webhook \(url) answered \(response.status.code) for alert \(alert.alertID) (attempt \(attempt) of \(Self.attempts))")
            } catch {
                logger.warning("webhook \(url) failed for alert \(alert.alertID): \(error) (attempt \(attempt) of \(Self.attempts))")
            }
            if attempt < Self.attempts, !Task.isShuttingDownGracefully {
                counters.add(.retried, reason: "webhook")
                try? await Task.sleep(for: delay)
                delay *= 2
            } else if Task.isShuttingDownGracefully {
                break
            }
        }
        counters.add(.dropped, reason: "webhook")
        logger.error("webhook \(url): alert \(alert.alertID) (\(alert.rule)) dropped after retries")
    }
}
