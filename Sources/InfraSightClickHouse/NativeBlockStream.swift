import InfraSightCore

/// One ClickHouse Native block made from RowBinary rows, handed out piece by piece (curl reads it for
/// the request body), so no second copy of a batch is held: only one column's bytes at a time.
///
/// Why: ClickHouse parses Native (column after column) at well under half the CPU of RowBinary (see
/// `NativeBlockLayout`), and on the co-located end-to-end row the server's insert parsing was the
/// largest single consumer of the two cores. The rows stay RowBinary in the sink's batch, where each
/// source message keeps its own byte range for splitting a refused batch.
///
/// The block, as a server answers `FORMAT Native` over HTTP (no block-info header): LEB128 column count,
/// LEB128 row count, then per column its name and type (strings) and every row's value of it. A value is
/// the row's own bytes, except `Array(T)`: every row's cumulative element count (UInt64) first, then
/// the elements of every row.
///
/// Invariant: `cursors[r]` is where row `r`'s next column starts in `rows`; producing a column moves
/// every row's cursor past it, so each byte of `rows` is read once per pass.
public final class NativeBlockStream {
    /// A column's values as the inner loops read them: no enum payloads or strings to retain per value.
    private struct Shape {
        /// 0: fixed width, 1: string, 2: array of fixed-width elements, 3: array of strings.
        let kind: UInt8
        let width: Int
        init(_ value: NativeBlockLayout.Value) {
            switch value {
            case .fixed(let n): kind = 0; width = n
            case .string: kind = 1; width = 0
            case .array(.fixed(let n)): kind = 2; width = n
            case .array: kind = 3; width = 0
            }
        }
    }

    private let layout: NativeBlockLayout
    private let shapes: [Shape]
    private let rows: UnsafeRawBufferPointer
    private let source: UnsafePointer<UInt8>
    private let cursors: UnsafeMutablePointer<Int>
    private var elementStarts: UnsafeMutablePointer<Int>?
    /// Where each row starts when the caller said so (checked against where the rows really end).
    private let rowStarts: [Int]?
    /// Rows in the block.
    public let rowCount: Int
    /// The column to produce next; -1 before the block header.
    private var nextColumn = -1
    private let pending = GrowableBytes(capacity: 64 << 10)
    private var pendingAt = 0

    /// `rowBinary`: whole RowBinary rows of `layout`'s columns; must stay valid while the stream is read.
    /// `rowStarts`: where each row starts, when the caller knows (the sink: one row per source
    /// message); otherwise the rows are found by reading them once. Throws when the bytes are not whole
    /// rows of that layout (with `rowStarts`: by the time the last column is produced).
    public init(layout: NativeBlockLayout, rowBinary: UnsafeRawBufferPointer, rowStarts: [Int]? = nil) throws(ClickHouseError) {
        self.layout = layout
        shapes = layout.columns.map { Shape($0.value) }
        rows = rowBinary
        source = rowBinary.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? UnsafePointer(bitPattern: 1)!
        self.rowStarts = rowStarts
        if let rowStarts {
            rowCount = rowStarts.count
            cursors = .allocate(capacity: max(rowCount, 1))
            for r in 0..<rowCount { cursors[r] = rowStarts[r] }
        } else {
            var starts: [Int] = []
            var at = 0
            while at < rowBinary.count {
                starts.append(at)
                for c in 0..<shapes.count { at = try Self.skip(shapes[c], in: source, count: rowBinary.count, at: at, column: c, layout: layout) }
            }
            rowCount = starts.count
            cursors = .allocate(capacity: max(rowCount, 1))
            for r in 0..<rowCount { cursors[r] = starts[r] }
        }
    }

    deinit {
        cursors.deallocate()
        elementStarts?.deallocate()
    }

    /// Copies the next bytes of the block into `buffer`; returns how many (0: the block is complete).
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ClickHouseError) -> Int {
        var written = 0
        while written < buffer.count {
            if pendingAt == pending.count {
                guard nextColumn < shapes.count else { break }
                try produceNext()
                continue
            }
            let n = min(buffer.count - written, pending.count - pendingAt)
            (buffer.baseAddress.unsafelyUnwrapped + written).copyMemory(from: pending.base + pendingAt, byteCount: n)
            written += n
            pendingAt += n
        }
        return written
    }

    /// The whole block at once (tests and tools).
    public func readAll() throws(ClickHouseError) -> [UInt8] {
        var out: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 8)
        defer { chunk.deallocate() }
        while true {
            let n = try read(into: chunk)
            if n == 0 { return out }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
        }
    }

    /// Fills `pending` with the block header or the next column.
    private func produceNext() throws(ClickHouseError) {
        pending.count = 0
        pendingAt = 0
        if nextColumn < 0 {
            pending.appendVarint(UInt64(shapes.count))
            pending.appendVarint(UInt64(rowCount))
            nextColumn = 0
            return
        }
        let c = nextColumn
        nextColumn += 1
        appendString(layout.columns[c].name)
        appendString(layout.columns[c].nativeType)
        let shape = shapes[c]
        let count = rows.count
        switch shape.kind {
        case 0:
            let width = shape.width
            let out = pending.claim(width * rowCount)
            for r in 0..<rowCount {
                let at = cursors[r]
                guard at + width <= count else { throw malformed(c, at) }
                Self.copy(out + r * width, source + at, width)
                cursors[r] = at + width
            }
            pending.count += width * rowCount
        case 1:
            for r in 0..<rowCount {
                let at = cursors[r]
                let end = try Self.stringEnd(in: source, count: count, at: at, column: c, layout: layout)
                Self.copy(pending.claim(end - at), source + at, end - at)
                pending.count += end - at
                cursors[r] = end
            }
        default:
            if elementStarts == nil { elementStarts = .allocate(capacity: max(rowCount, 1)) }
            let starts = elementStarts.unsafelyUnwrapped
            var total: UInt64 = 0
            let offsets = UnsafeMutableRawPointer(pending.claim(8 * rowCount))
            for r in 0..<rowCount {
                let end = try Self.skip(shape, in: source, count: count, at: cursors[r], column: c, layout: layout)
                let (n, first) = try Self.varint(in: source, count: count, at: cursors[r], column: c, layout: layout)
                total &+= n
                offsets.storeBytes(of: total.littleEndian, toByteOffset: 8 * r, as: UInt64.self)
                starts[r] = first
                cursors[r] = end
            }
            pending.count += 8 * rowCount
            for r in 0..<rowCount where cursors[r] > starts[r] {
                pending.append(UnsafeRawBufferPointer(start: source + starts[r], count: cursors[r] - starts[r]))
            }
        }
        if nextColumn == shapes.count, let rowStarts {
            // every row must end exactly where the next one starts (the last: at the end of the bytes)
            for r in 0..<rowCount where cursors[r] != (r + 1 < rowCount ? rowStarts[r + 1] : count) {
                throw malformed(c, cursors[r])
            }
        }
    }

    /// `n` bytes from `source` to `target`: values are mostly a few bytes, where a call to memcpy costs
    /// more than the copy (two overlapping 8-byte moves cover 8 to 16 bytes).
    @inline(__always)
    private static func copy(_ target: UnsafeMutablePointer<UInt8>, _ source: UnsafePointer<UInt8>, _ n: Int) {
        if n > 16 {
            target.update(from: source, count: n)
        } else if n >= 8 {
            let head = UnsafeRawPointer(source).loadUnaligned(as: UInt64.self)
            let tail = UnsafeRawPointer(source + (n - 8)).loadUnaligned(as: UInt64.self)
            UnsafeMutableRawPointer(target).storeBytes(of: head, as: UInt64.self)
            UnsafeMutableRawPointer(target + (n - 8)).storeBytes(of: tail, as: UInt64.self)
        } else {
            for i in 0..<n { target[i] = source[i] }
        }
    }

    private func appendString(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            pending.appendVarint(UInt64(utf8.count))
            pending.append(UnsafeRawBufferPointer(utf8))
        }
    }

    /// Where the value of `shape` starting at `at` ends.
    @inline(__always)
    private static func skip(_ shape: Shape, in source: UnsafePointer<UInt8>, count: Int, at: Int,
                             column: Int, layout: NativeBlockLayout) throws(ClickHouseError) -> Int {
        switch shape.kind {
        case 0:
            guard at + shape.width <= count else { throw malformed(layout, column, at, count) }
            return at + shape.width
        case 1:
            return try stringEnd(in: source, count: count, at: at, column: column, layout: layout)
        case 2:
            let (n, first) = try varint(in: source, count: count, at: at, column: column, layout: layout)
            guard n <= UInt64(count - first) / UInt64(max(shape.width, 1)) else { throw malformed(layout, column, at, count) }
            return first + Int(n) * shape.width
        default:
            let (n, first) = try varint(in: source, count: count, at: at, column: column, layout: layout)
            guard n <= UInt64(count - first) else { throw malformed(layout, column, at, count) }
            var end = first
            for _ in 0..<n { end = try stringEnd(in: source, count: count, at: end, column: column, layout: layout) }
            return end
        }
    }

    /// Where the string (LEB128 length + bytes) at `at` ends.
    @inline(__always)
    private static func stringEnd(in source: UnsafePointer<UInt8>, count: Int, at: Int,
                                  column: Int, layout: NativeBlockLayout) throws(ClickHouseError) -> Int {
        if at < count, source[at] < 0x80 {
            let end = at + 1 + Int(source[at])
            guard end <= count else { throw malformed(layout, column, at, count) }
            return end
        }
        let (length, bytesAt) = try varint(in: source, count: count, at: at, column: column, layout: layout)
        guard length <= UInt64(count - bytesAt) else { throw malformed(layout, column, at, count) }
        return bytesAt + Int(length)
    }

    /// A LEB128 number at `at`, and where the bytes after it start.
    @inline(__always)
    private static func varint(in source: UnsafePointer<UInt8>, count: Int, at start: Int,
                               column: Int, layout: NativeBlockLayout) throws(ClickHouseError) -> (UInt64, Int) {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var at = start
        while at < count, shift < 64 {
            let byte = source[at]
            at += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return (value, at) }
            shift += 7
        }
        throw malformed(layout, column, start, count)
    }

    private func malformed(_ column: Int, _ at: Int) -> ClickHouseError {
        Self.malformed(layout, column, at, rows.count)
    }

    private static func malformed(_ layout: NativeBlockLayout, _ column: Int, _ at: Int, _ count: Int) -> ClickHouseError {
        ClickHouseError(kind: .request, message: "RowBinary rows end inside column \(layout.columns[column].name) (byte \(at) of \(count)): not whole rows of the table's columns")
    }
}
