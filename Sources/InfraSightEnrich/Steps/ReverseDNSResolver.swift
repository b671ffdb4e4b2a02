import Foundation
import InfraSightCore
#if canImport(Glibc)
import Glibc
#endif

/// Reverse DNS kept off the hot path: `name(for:)` only reads a bounded LRU cache (with TTLs, and
/// negative entries for addresses without a name); a miss enqueues the address for a background
/// dispatcher thread and returns "" at once. The dispatcher runs up to `maxConcurrentLookups`
/// blocking lookups (`getnameinfo` with `NI_NAMEREQD`) on their own threads. A lookup still running
/// after `timeout` is cached as negative (and counted); should it finish later, a found name
/// replaces that entry, and only then is its thread free again. The queue is bounded; addresses
/// that do not fit are dropped and counted, as are hits, misses and lookup outcomes (`counts`).
/// Threads start on the first miss, so constructing a resolver costs nothing.
public final class ReverseDNSResolver: @unchecked Sendable {
    /// Tuning of cache, queue and lookups.
    public struct Options: Sendable {
        /// Cached addresses (positive and negative), least recently used evicted first.
        public var cacheCapacity = 10_000
        /// How long a found name is kept.
        public var positiveTTLSeconds: Double = 3600
        /// How long "no name" (or a timed-out lookup) is kept before the address is tried again.
        public var negativeTTLSeconds: Double = 300
        /// A lookup running longer is cached as negative.
        public var timeoutSeconds: Double = 2
        /// Addresses waiting for a lookup; beyond this, misses are dropped (counted).
        public var queueCapacity = 1024
        /// Lookups running at once (including timed-out ones still blocked in the resolver).
        public var maxConcurrentLookups = 4
        public init() {}
    }

    /// What the resolver did so far.
    public struct Counts: Sendable, Equatable {
        /// Cache reads that found a name.
        public var hits: UInt64 = 0
        /// Cache reads that found a fresh "no name" entry.
        public var negativeHits: UInt64 = 0
        /// Cache reads that found nothing (the address is then queued, or already pending, or dropped).
        public var misses: UInt64 = 0
        /// Addresses queued for lookup.
        public var enqueued: UInt64 = 0
        /// Addresses not queued because the queue was full.
        public var dropped: UInt64 = 0
        /// Lookups that found a name / found none / exceeded the timeout.
        public var resolved: UInt64 = 0
        public var failed: UInt64 = 0
        public var timedOut: UInt64 = 0
        public init() {}
    }

    /// A blocking lookup: the name of an IP address given as text, or nil.
    public typealias Lookup = @Sendable (String) -> String?

    public let options: Options
    private let lookup: Lookup
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var cache: LRUCache<String, String>
    private var queue: [String] = []
    private var queueHead = 0
    /// Queued or running (not yet timed out) addresses, with their deadline once running.
    private var pending: [String: UInt64] = [:]
    private var running = 0
    private var started = false
    private var stopped = false
    private var stats = Counts()

    public init(options: Options = Options(), lookup: @escaping Lookup = ReverseDNSResolver.systemLookup) {
        self.options = options
        self.lookup = lookup
        self.cache = LRUCache(capacity: max(1, options.cacheCapacity))
    }

    deinit { stop() }

    /// The cached name of `ip` ("" when unknown or known to have none); on a miss, queues `ip`.
    public func name(for ip: String) -> String {
        let now = WallClock.monotonicNanos()
        condition.lock()
        defer { condition.unlock() }
        if let name = cache.get(ip, nowNanos: now) {
            if name.isEmpty { stats.negativeHits += 1 } else { stats.hits += 1 }
            return name
        }
        stats.misses += 1
        guard !stopped, pending[ip] == nil else { return "" }
        guard queue.count - queueHead < options.queueCapacity else {
            stats.dropped += 1
            return ""
        }
        queue.append(ip)
        pending[ip] = UInt64.max
        stats.enqueued += 1
        if !started {
            started = true
            let thread = Thread { [self] in dispatch() }
            thread.name = "reverse-dns"
            thread.start()
        }
        condition.broadcast()
        return ""
    }

    /// Counters so far.
    public var counts: Counts {
        condition.lock()
        defer { condition.unlock() }
        return stats
    }

    /// Stops the dispatcher; running lookups finish on their own. Later misses are not queued.
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func dispatch() {
        condition.lock()
        defer { condition.unlock() }
        while !stopped {
            let now = WallClock.monotonicNanos()
            var nextDeadline = now + 1_000_000_000
            for (ip, deadline) in pending where deadline != UInt64.max {
                if deadline <= now {
                    pending[ip] = nil
                    stats.timedOut += 1
                    store(ip, "", now: now)
                } else {
                    nextDeadline = min(nextDeadline, deadline)
                }
            }
            while running < options.maxConcurrentLookups, queueHead < queue.count {
                let ip = queue[queueHead]
                queueHead += 1
                let deadline = now + UInt64(max(0, options.timeoutSeconds) * 1e9)
                pending[ip] = deadline
                nextDeadline = min(nextDeadline, deadline)
                running += 1
                Thread.detachNewThread { [self, lookup] in
                    let name = lookup(ip)
                    finished(ip, name: name)
                }
            }
            if queueHead == queue.count { queue.removeAll(keepingCapacity: true); queueHead = 0 }
            let waitNanos = nextDeadline - now
            _ = condition.wait(until: Date(timeIntervalSinceNow: Double(waitNanos) / 1e9))
        }
    }

    private func finished(_ ip: String, name: String?) {
        let now = WallClock.monotonicNanos()
        condition.lock()
        defer { condition.unlock() }
        running -= 1
        if pending.removeValue(forKey: ip) != nil {
            if name == nil { stats.failed += 1 } else { stats.resolved += 1 }
            store(ip, name ?? "", now: now)
        } else if let name {
            store(ip, name, now: now)   // late answer after a timeout
        }
        condition.broadcast()
    }

    private func store(_ ip: String, _ name: String, now: UInt64) {
        let ttl = name.isEmpty ? options.negativeTTLSeconds : options.positiveTTLSeconds
        cache.set(ip, name, expiresNanos: now + UInt64(max(0, ttl) * 1e9))
    }

    /// `getnameinfo(NI_NAMEREQD)` for an IPv4 or IPv6 address in text form.
    public static let systemLookup: Lookup = { ip in
        var host = [CChar](repeating: 0, count: 1025)   // NI_MAXHOST
        let rc: Int32
        if ip.contains(":") {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            guard inet_pton(AF_INET6, ip, &sa.sin6_addr) == 1 else { return nil }
            rc = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    getnameinfo($0, socklen_t(MemoryLayout<sockaddr_in6>.size), &host, socklen_t(host.count), nil, 0, NI_NAMEREQD)
                }
            }
        } else {
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            guard inet_pton(AF_INET, ip, &sa.sin_addr) == 1 else { return nil }
            rc = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    getnameinfo($0, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NAMEREQD)
                }
            }
        }
        guard rc == 0 else { return nil }
        let bytes = host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}
