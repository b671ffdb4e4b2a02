import Foundation
import InfraSightCore
import InfraSightKafka
#if canImport(Glibc)
import Glibc
#endif

/// A steady stream of valid raw execve events (and optionally garbage) produced straight to
/// `infrasight.raw.execve`, for fault tests that must know exactly what was published.
final class EventGenerator: @unchecked Sendable {
    let runID: String
    let ratePerSecond: Int
    let garbageEvery: Int
    private let producer: KafkaProducer
    private let lock = NSLock()
    private var ackedIDs = Set<String>()
    private var ackedGarbage: [[UInt8]] = []
    private var failures = 0
    private var pending: [UInt64: (id: String?, garbage: [UInt8]?)] = [:]
    private var stopRequested = false
    private var thread: Thread?
    private var finished = DispatchSemaphore(value: 0)

    /// `garbageEvery` > 0 sends one garbage message after every `garbageEvery - 1` good ones.
    init(brokers: String, runID: String, ratePerSecond: Int, garbageEvery: Int = 0) throws {
        self.runID = runID
        self.ratePerSecond = ratePerSecond
        self.garbageEvery = garbageEvery
        var acked: (UInt64, Bool) -> Void = { _, _ in }
        producer = try KafkaProducer(config: KafkaClientConfig(brokers: brokers, clientId: "it-generator"), idempotent: true) { report in
            acked(report.token, report.error == nil)
        }
        acked = { [unowned self] token, ok in self.delivered(token: token, ok: ok) }
    }

    private func delivered(token: UInt64, ok: Bool) {
        lock.lock(); defer { lock.unlock() }
        guard let p = pending.removeValue(forKey: token) else { return }
        if !ok { failures += 1; return }
        if let id = p.id { ackedIDs.insert(id) }
        if let g = p.garbage { ackedGarbage.append(g) }
    }

    func event(_ n: Int) -> Event {
        var e = Event()
        e.eventID = "\(runID)-\(n)"
        e.schemaVersion = 1
        e.probe = "execve"
        e.host = "generator"
        e.timeNs = WallClock.nowNanos()
        e.ktimeNs = UInt64(n)
        e.pid = UInt32(1000 + n % 50)
        e.tid = e.pid
        e.ppid = 1
        e.comm = "gen"
        e.ret = n % 7 == 0 ? -2 : 0
        e.latencyNs = 1000
        var d = ExecDetail()
        d.filename = "/bin/gen"
        d.argv = ["/bin/gen", runID, "n-\(n)"]
        e.exec = d
        return e
    }

    func start() {
        let t = Thread { [self] in
            var n = 0
            var token: UInt64 = 0
            let interval = 1.0 / Double(ratePerSecond)
            var next = Date()
            while !isStopping {
                token += 1
                let isGarbage = garbageEvery > 0 && (n + 1) % garbageEvery == 0
                let key = Array("generator/\(1000 + n % 50)".utf8)
                if isGarbage {
                    let junk: [UInt8] = Array("garbage-\(runID)-\(n)".utf8) + [0xff, 0xfe, 0x00, 0x07]
                    lock.lock(); pending[token] = (nil, junk); lock.unlock()
                    try? producer.send(topic: Probe.execve.rawTopic, key: key, value: junk, token: token)
                } else {
                    let value = (try? EventCodec.encode(event(n))) ?? []
                    lock.lock(); pending[token] = ("\(runID)-\(n)", nil); lock.unlock()
                    try? producer.send(topic: Probe.execve.rawTopic, key: key, value: value, token: token)
                }
                n += 1
                producer.poll(timeoutMs: 0)
                next = next.addingTimeInterval(interval)
                let wait = next.timeIntervalSinceNow
                if wait > 0 { usleep(UInt32(wait * 1_000_000)) }
            }
            _ = producer.flush(timeoutMs: 60_000)
            finished.signal()
        }
        thread = t
        t.start()
    }

    private var isStopping: Bool {
        lock.lock(); defer { lock.unlock() }
        return stopRequested
    }

    /// Stops producing and waits until every message is acknowledged (or failed).
    func stop() {
        lock.lock(); stopRequested = true; lock.unlock()
        _ = finished.wait(timeout: .now() + 90)
        producer.close()
    }

    var acknowledgedIDs: Set<String> { lock.lock(); defer { lock.unlock() }; return ackedIDs }
    var acknowledgedGarbage: [[UInt8]] { lock.lock(); defer { lock.unlock() }; return ackedGarbage }
    var deliveryFailures: Int { lock.lock(); defer { lock.unlock() }; return failures }
}
