import Foundation

/// The directories (or files) of a `pmatch` list, looked up by the lengths a path can match at.
///
/// Why: `fd.name pmatch (sensitive_paths)` meets every open event. A path can only be equal to an
/// entry or lie under one, so the entries worth comparing are those whose length is the path's own
/// or that of one of its leading components (`/etc/shadow` can match entries of length 4 or 11,
/// or an entry that ends in `/` of length 5). Entries are kept in buckets by length, so a path is
/// compared with a handful of candidates instead of the whole list, and only whole bytes: no hashing.
struct PathPrefixSet {
    /// `buckets[n]`: the entries of n bytes (none of 0: see `hasEmptyEntry`).
    private let buckets: [[[UInt8]]]
    /// An empty entry, which `isPath` takes to hold the empty path and every absolute one.
    private let hasEmptyEntry: Bool

    init(_ entries: [[UInt8]]) {
        var buckets = Array(repeating: [[UInt8]](), count: (entries.map(\.count).max() ?? 0) + 1)
        for e in entries where !e.isEmpty { buckets[e.count].append(e) }
        self.buckets = buckets
        hasEmptyEntry = entries.contains { $0.isEmpty }
    }

    /// Whether `path` equals an entry or lies under one (`ByteMatch.isPath(_:under:)` for some entry).
    func contains(_ path: UnsafeRawBufferPointer) -> Bool {
        guard let base = path.baseAddress, !path.isEmpty else { return hasEmptyEntry }
        if hasEmptyEntry, path[0] == UInt8(ascii: "/") { return true }
        if path.count < buckets.count, Self.any(buckets[path.count], equalTo: path, length: path.count) { return true }
        let slash = Int32(UInt8(ascii: "/"))
        var at = 0
        // Each '/' at index i ends a leading part: entries of length i (`/etc` before `/etc/x`) or i + 1
        // ending in the slash itself (`/etc/`).
        while at < path.count, at < buckets.count, let hit = memchr(base + at, slash, min(path.count, buckets.count) - at) {
            let i = base.distance(to: UnsafeRawPointer(hit))
            if i > 0, Self.any(buckets[i], equalTo: path, length: i) { return true }
            if i + 1 < buckets.count, i + 1 < path.count, Self.any(buckets[i + 1], equalTo: path, length: i + 1) { return true }
            at = i + 1
        }
        return false
    }

    @inline(__always)
    private static func any(_ bucket: [[UInt8]], equalTo path: UnsafeRawBufferPointer, length: Int) -> Bool {
        for e in bucket where e.withUnsafeBytes({ memcmp($0.baseAddress!, path.baseAddress!, length) }) == 0 { return true }
        return false
    }
}
