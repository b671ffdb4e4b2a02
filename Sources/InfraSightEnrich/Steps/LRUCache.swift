/// A bounded least-recently-used cache whose entries also expire (TTL). Not thread-safe: the owner
/// locks. Capacity is fixed; inserting a new key into a full cache evicts the least recently used
/// entry. Expired entries read as misses and are overwritten in place.
struct LRUCache<Key: Hashable, Value> {
    private struct Node {
        var key: Key
        var value: Value
        var expiresNanos: UInt64
        var prev: Int
        var next: Int
    }

    let capacity: Int
    private var nodes: [Node] = []
    private var index: [Key: Int] = [:]
    private var head = -1   // most recently used
    private var tail = -1   // least recently used

    init(capacity: Int) {
        precondition(capacity > 0, "LRU capacity must be positive")
        self.capacity = capacity
    }

    var count: Int { index.count }

    /// The live value for `key` (marking it most recently used), or nil when absent or expired.
    mutating func get(_ key: Key, nowNanos: UInt64) -> Value? {
        guard let i = index[key] else { return nil }
        guard nodes[i].expiresNanos > nowNanos else { return nil }
        moveToFront(i)
        return nodes[i].value
    }

    /// Stores `value` until `expiresNanos` (monotonic), evicting the least recently used entry when full.
    mutating func set(_ key: Key, _ value: Value, expiresNanos: UInt64) {
        if let i = index[key] {
            nodes[i].value = value
            nodes[i].expiresNanos = expiresNanos
            moveToFront(i)
            return
        }
        let i: Int
        if nodes.count < capacity {
            nodes.append(Node(key: key, value: value, expiresNanos: expiresNanos, prev: -1, next: -1))
            i = nodes.count - 1
        } else {
            i = tail
            unlink(i)
            index[nodes[i].key] = nil
            nodes[i] = Node(key: key, value: value, expiresNanos: expiresNanos, prev: -1, next: -1)
        }
        index[key] = i
        linkFront(i)
    }

    private mutating func moveToFront(_ i: Int) {
        guard head != i else { return }
        unlink(i)
        linkFront(i)
    }

    private mutating func unlink(_ i: Int) {
        let p = nodes[i].prev, n = nodes[i].next
        if p >= 0 { nodes[p].next = n } else { head = n }
        if n >= 0 { nodes[n].prev = p } else { tail = p }
        nodes[i].prev = -1
        nodes[i].next = -1
    }

    private mutating func linkFront(_ i: Int) {
        nodes[i].prev = -1
        nodes[i].next = head
        if head >= 0 { nodes[head].prev = i }
        head = i
        if tail < 0 { tail = i }
    }
}
