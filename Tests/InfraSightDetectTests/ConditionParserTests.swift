@testable import InfraSightDetect
import XCTest

/// The condition language: precedence, lists, operators, and errors that name the column.
final class ConditionParserTests: XCTestCase {
    func testOrBindsLooserThanAndAndNotBindsTightest() throws {
        let s = try ConditionParser.parse("a = 1 or not b = 2 and c exists")
        guard case .or(let parts) = s, parts.count == 2, case .and(let right) = parts[1], case .not = right[0] else {
            return XCTFail("wrong shape: \(s)")
        }
    }

    func testParenthesesListsAndQuotedValues() throws {
        let s = try ConditionParser.parse(#"(proc.name in (bash, "sh", shell_binaries)) and fd.name startswith '/tmp/x y'"#)
        guard case .and(let parts) = s, case .comparison(_, .in, let values, _) = parts[0],
              case .comparison(_, .startswith, let v2, _) = parts[1] else { return XCTFail("wrong shape: \(s)") }
        XCTAssertEqual(values.map(\.text), ["bash", "sh", "shell_binaries"])
        XCTAssertEqual(values.map(\.quoted), [false, true, false])
        XCTAssertEqual(v2.first?.text, "/tmp/x y")
    }

    func testBareWordsNeedNoQuotes() throws {
        let s = try ConditionParser.parse("fd.name glob /home/*/.ssh/id_* and ptrace.request != 0x4206")
        guard case .and(let parts) = s, case .comparison(_, .glob, let g, _) = parts[0],
              case .comparison(_, .notEqual, let n, _) = parts[1] else { return XCTFail("wrong shape: \(s)") }
        XCTAssertEqual(g.first?.text, "/home/*/.ssh/id_*")
        XCTAssertEqual(n.first?.text, "0x4206")
    }

    func testErrorsNameTheColumn() {
        for (text, column, fragment) in [
            ("proc.name = ", 13, "needs a value"),
            ("(proc.name = bash", 18, "missing ')'"),
            ("proc.name = bash proc.pid = 1", 18, "unexpected"),
            ("proc.name in bash", 14, "takes a list"),
            ("proc.name ! bash", 11, "'!'"),
            ("fd.name = \"open", 11, "unterminated"),
            ("and", 1, "expected a field"),
        ] {
            XCTAssertThrowsError(try ConditionParser.parse(text), text) { error in
                guard let e = error as? ConditionError else { return XCTFail("\(error)") }
                XCTAssertEqual(e.column, column, "\(text): \(e.message)")
                XCTAssertTrue(e.message.contains(fragment), "\(text): \(e.message)")
            }
        }
    }
}
