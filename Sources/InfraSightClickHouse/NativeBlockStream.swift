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
    private let layout: NativeBlockLayout
    private let rows: UnsafeRawBufferPointer
    private var cursors: [Int] = []
    private var elementStarts: [Int] = []
    /// Rows in the block.
    public private(set) var rowCount = 0
    /// The column to produce next; -1 before the block header.
    private var nextColumn = -1
    private let pending = GrowableBytes(capacity: 64 << 10)
    private var pendingAt = 0

    /// `rowBinary`: whole RowBinary rows of `layout`'s columns; must stay valid while the stream is read.
    /// Throws when the bytes are not whole rows of that layout.
    public init(layout: NativeBlockLayout, rowBinary: UnsafeRawBufferPointer) throws(ClickHouseError) {
        self.layout = layout
        rows = rowBinary
        var at = 0
        while at < rows.count {
            cursors.append(at)
            for column in layout.columns { at = try skip(column.value, from: at, column: column.name) }
        }
        rowCount = cursors.count
    }

    /// Copies the next bytes of the block into `buffer`; returns how many (0: the block is complete).
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ClickHouseError) -> Int {
        var written = 0
        while written < buffer.count {
            if pendingAt == pending.count {
                guard nextColumn < layout.columns.count else { break }
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
            pending.appendVarint(UInt64(layout.columns.count))
            pending.appendVarint(UInt64(rowCount))
            nextColumn = 0
            return
        }
        let column = layout.columns[nextColumn]
        nextColumn += 1
        appendString(column.name)
        appendString(column.nativeType)
        if case .array(let element) = column.value {
            if elementStarts.count != rowCount { elementStarts = [Int](repeating: 0, count: rowCount) }
            var total: UInt64 = 0
            for r in 0..<rowCount {
                let (count, first) = try varint(at: cursors[r], column: column.name)
                total &+= count
                let at = pending.claim(8)
                UnsafeMutableRawPointer(at).storeBytes(of: total.littleEndian, as: UInt64.self)
                pending.count += 8
                var end = first
                for _ in 0..<count { end = try skip(element, from: end, column: column.name) }
                elementStarts[r] = first
                cursors[r] = end
            }
            for r in 0..<rowCount { append(from: elementStarts[r], to: cursors[r]) }
        } else {
            for r in 0..<rowCount {
                let start = cursors[r]
                let end = try skip(column.value, from: start, column: column.name)
                append(from: start, to: end)
                cursors[r] = end
            }
        }
    }

    @inline(__always)
    private func append(from start: Int, to end: Int) {
        guard end > start else { return }
        pending.append(UnsafeRawBufferPointer(rebasing: rows[start..<end]))
    }

    private func appendString(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            pending.appendVarint(UInt64(utf8.count))
            pending.append(UnsafeRawBufferPointer(utf8))
        }
    }

    /// Where the value of `value` starting at `at` ends.
    private func skip(_ value: NativeBlockLayout.Value, from at: Int, column: String) throws(ClickHouseError) -> Int {
        switch value {
        case .fixed(let n):
            guard at + n <= rows.count else { throw malformed(column, at) }
            return at + n
        case .string:
            let (length, bytesAt) = try varint(at: at, column: column)
            guard length <= UInt64(rows.count - bytesAt) else { throw malformed(column, at) }
            return bytesAt + Int(length)
        case .array(let element):
            let (count, first) = try varint(at: at, column: column)
            guard count <= UInt64(rows.count - first) else { throw malformed(column, at) }
            var end = first
            for _ in 0..<count { end = try skip(element, from: end, column: column) }
            return end
        }
    }

    /// A LEB128 number at `at`, and where the bytes after it start.
    @inline(__always)
    private func varint(at start: Int, column: String) throws(ClickHouseError) -> (UInt64, Int) {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var at = start
        while at < rows.count, shift < 64 {
            let byte = rows[at]
            at += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return (value, at) }
            shift += 7
        }
        throw malformed(column, start)
    }

    private func malformed(_ column: String, _ at: Int) -> ClickHouseError {
        ClickHouseError(kind: .request, message: "RowBinary rows end inside column \(column) (byte \(at) of \(rows.count)): not whole rows of the table's columns")
    }
}
