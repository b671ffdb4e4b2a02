/// Parses the `name:password:uid:gid:gecos:home:shell` lines of a passwd(5) file into a
/// uid → user-name table.
///
/// Lenient by design, since the file may come from any host or container image: blank lines,
/// `#` comments, NIS compat entries (`+…`/`-…`), lines with too few fields, empty or over-long
/// names, names with control characters and non-numeric or out-of-range uids are skipped.
/// CRLF line ends are accepted. When a uid appears more than once the first line wins, as with
/// `getpwuid(3)`. At most `maxEntries` users are kept.
public enum PasswdParser {
    /// Longest user name accepted (Linux `LOGIN_NAME_MAX` is 256 including the NUL).
    public static let maxNameLength = 255

    /// The uid → name table of the passwd file `contents`.
    public static func parse(_ contents: [UInt8], maxEntries: Int = 1_000_000) -> [UInt32: String] {
        var table: [UInt32: String] = [:]
        contents.withUnsafeBufferPointer { bytes in
            var lineStart = 0
            while lineStart < bytes.count && table.count < maxEntries {
                var lineEnd = lineStart
                while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
                if let (uid, name) = parseLine(UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd])),
                   table[uid] == nil {
                    table[uid] = name
                }
                lineStart = lineEnd + 1
            }
        }
        return table
    }

    /// Convenience for string input (tests, tools).
    public static func parse(_ contents: String, maxEntries: Int = 1_000_000) -> [UInt32: String] {
        parse(Array(contents.utf8), maxEntries: maxEntries)
    }

    /// (uid, name) of one line without its `\n`, or nil if the line is not a usable entry.
    static func parseLine(_ line: UnsafeBufferPointer<UInt8>) -> (UInt32, String)? {
        var end = line.count
        if end > 0 && line[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        guard end > 0 else { return nil }
        let first = line[0]
        guard first != UInt8(ascii: "#"), first != UInt8(ascii: "+"), first != UInt8(ascii: "-") else { return nil }

        // Field 0 = name, field 2 = uid; fields after the uid are not needed.
        guard let nameEnd = firstIndex(of: UInt8(ascii: ":"), in: line, from: 0, to: end),
              let passwordEnd = firstIndex(of: UInt8(ascii: ":"), in: line, from: nameEnd + 1, to: end)
        else { return nil }
        let uidStart = passwordEnd + 1
        let uidEnd = firstIndex(of: UInt8(ascii: ":"), in: line, from: uidStart, to: end) ?? end

        guard nameEnd > 0, nameEnd <= maxNameLength else { return nil }
        for i in 0..<nameEnd where line[i] < 0x20 || line[i] == 0x7F { return nil }
        guard let uid = parseUID(line, from: uidStart, to: uidEnd) else { return nil }
        let name = String(decoding: UnsafeBufferPointer(rebasing: line[0..<nameEnd]), as: UTF8.self)
        return (uid, name)
    }

    private static func firstIndex(of byte: UInt8, in line: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        var i = from
        while i < to {
            if line[i] == byte { return i }
            i += 1
        }
        return nil
    }

    /// Decimal uid in `line[from..<to]`; nil if empty, not all digits, or above `UInt32.max`.
    private static func parseUID(_ line: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> UInt32? {
        guard to > from, to - from <= 10 else { return nil }
        var value: UInt64 = 0
        for i in from..<to {
            let digit = line[i] &- UInt8(ascii: "0")
            guard digit <= 9 else { return nil }
            value = value * 10 + UInt64(digit)
        }
        return value <= UInt64(UInt32.max) ? UInt32(value) : nil
    }
}
