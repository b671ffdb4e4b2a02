/// Formats Unix-epoch nanoseconds as an ISO 8601 / RFC 3339 UTC timestamp with exactly nine
/// fraction digits, e.g. `2026-11-27T15:47:36.123456789Z`.
///
/// The calendar conversion is Howard Hinnant's `civil_from_days` (proleptic Gregorian), done in
/// integer arithmetic straight into a fixed 30-byte buffer: no `DateFormatter`, no `Calendar`,
/// no locale, no floating point. Every `UInt64` value is covered (the largest, `UInt64.max`, is
/// `2554-07-21T23:34:33.709551615Z`), so the year always has four digits.
public enum ISO8601Nanos {
    /// Number of bytes in every formatted timestamp.
    public static let formattedLength = 30

    /// The UTC timestamp for `epochNanos` nanoseconds after 1970-01-01T00:00:00Z.
    public static func format(epochNanos: UInt64) -> String {
        String(unsafeUninitializedCapacity: formattedLength) { write(epochNanos: epochNanos, into: $0) }
    }

    /// Writes the timestamp into `buffer` (at least `formattedLength` bytes); returns the length.
    @discardableResult
    public static func write(epochNanos: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let nanos = epochNanos % 1_000_000_000
        let seconds = epochNanos / 1_000_000_000
        let days = Int64(seconds / 86_400)
        let secondOfDay = Int(seconds % 86_400)
        let (year, month, day) = civilFromDays(days)
        let hour = secondOfDay / 3600
        let minute = (secondOfDay % 3600) / 60
        let second = secondOfDay % 60

        func put(_ value: Int, digits: Int, at offset: Int) {
            var v = value
            var i = offset + digits - 1
            while i >= offset {
                buffer[i] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                v /= 10
                i -= 1
            }
        }
        put(Int(year), digits: 4, at: 0)
        buffer[4] = UInt8(ascii: "-")
        put(month, digits: 2, at: 5)
        buffer[7] = UInt8(ascii: "-")
        put(day, digits: 2, at: 8)
        buffer[10] = UInt8(ascii: "T")
        put(hour, digits: 2, at: 11)
        buffer[13] = UInt8(ascii: ":")
        put(minute, digits: 2, at: 14)
        buffer[16] = UInt8(ascii: ":")
        put(second, digits: 2, at: 17)
        buffer[19] = UInt8(ascii: ".")
        put(Int(nanos), digits: 9, at: 20)
        buffer[29] = UInt8(ascii: "Z")
        return formattedLength
    }

    /// Days since 1970-01-01 → (year, month 1...12, day 1...31) in the proleptic Gregorian calendar.
    /// See https://howardhinnant.github.io/date_algorithms.html#civil_from_days
    static func civilFromDays(_ daysSinceEpoch: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097                                              // [0, 146096]
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365 // [0, 399]
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // [0, 365]
        let monthPrime = (5 * dayOfYear + 2) / 153                                     // [0, 11], March-based
        let day = Int(dayOfYear - (153 * monthPrime + 2) / 5 + 1)                      // [1, 31]
        let month = Int(monthPrime < 10 ? monthPrime + 3 : monthPrime - 9)             // [1, 12]
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
