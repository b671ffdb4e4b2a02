import InfraSightCore
@testable import InfraSightSink
import InfraSightTestSupport
import XCTest

/// Preset SQL is valid on ClickHouse 26 (chDB) and values from users stay literals.
final class QueryPresetTests: XCTestCase {
    func testStringLiteralsEscapeEverything() {
        XCTAssertEqual(SQLLiteral.string("plain"), "'plain'")
        XCTAssertEqual(SQLLiteral.string("x' OR 1=1 --"), "'x\\' OR 1=1 --'")
        XCTAssertEqual(SQLLiteral.string("a\\'b"), "'a\\\\\\'b'")
        XCTAssertEqual(SQLLiteral.string("tab\tnl\n\u{1}"), "'tab\\tnl\\n\\x01'")
    }

    func testFilterBoundsUserNumbers() {
        let f = QueryFilter(sinceMinutes: -5, limit: 10_000_000, host: "h")
        XCTAssertEqual(f.sinceMinutes, 1)
        XCTAssertEqual(f.limit, 100_000)
    }

    func testEveryPresetRunsOnCurrentClickHouse() throws {
        let ddl = ["CREATE DATABASE IF NOT EXISTS infrasight"] +
            SchemaMigrations.all.flatMap { $0.statements("infrasight", .modern, 30) }
        for preset in QueryPresets.all {
            let sql = preset.sql(filter: QueryFilter(sinceMinutes: 60, limit: 5, host: "node-'a"))
            XCTAssertNoThrow(try ChDB.run(statements: ddl + [sql + " FORMAT TabSeparatedWithNames"]), preset.name)
        }
    }

    func testTableRendering() {
        let t = TabSeparatedTable(parsing: "a\tb\n1\tx\\ty\n22\tz\n")
        XCTAssertEqual(t.columns, ["a", "b"])
        XCTAssertEqual(t.rows, [["1", "x\ty"], ["22", "z"]])
        XCTAssertTrue(t.rendered().hasSuffix("(2 rows)"))
    }
}
