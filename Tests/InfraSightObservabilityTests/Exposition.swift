import XCTest

/// Reading samples out of a Prometheus text exposition in assertions.
enum Exposition {
    /// The value of the sample whose series (name plus `{labels}` exactly as rendered) is `series`.
    static func value(of series: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard line.hasPrefix(series + " ") else { continue }
            return Double(line.dropFirst(series.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// The `# TYPE` of `metric`.
    static func type(of metric: String, in text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix("# TYPE \(metric) ") {
            return String(line.dropFirst("# TYPE \(metric) ".count))
        }
        return nil
    }

    static func assertValue(_ series: String, _ expected: Double, in text: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        guard let value = value(of: series, in: text) else {
            XCTFail("no sample \(series) in:\n\(text)", file: file, line: line)
            return
        }
        XCTAssertEqual(value, expected, "sample \(series)", file: file, line: line)
    }
}
