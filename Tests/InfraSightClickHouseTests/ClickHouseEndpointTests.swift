import XCTest
import InfraSightClickHouse

final class ClickHouseEndpointTests: XCTestCase {
    func testParsesFullURL() throws {
        let e = try ClickHouseEndpoint(url: "http://writer:p%40ss%3Aw0rd@ch.example:8123/?database=telemetry&async_insert=1")
        XCTAssertEqual(e.baseURL, "http://ch.example:8123")
        XCTAssertEqual(e.user, "writer")
        XCTAssertEqual(e.password, "p@ss:w0rd")
        XCTAssertEqual(e.database, "telemetry")
        XCTAssertEqual(e.settings, ["async_insert": "1"])
        XCTAssertFalse(e.description.contains("p@ss"), e.description)
        XCTAssertTrue(e.description.contains("password=***"), e.description)
    }

    func testVariants() throws {
        let plain = try ClickHouseEndpoint(url: "https://ch.example")
        XCTAssertEqual(plain.baseURL, "https://ch.example")
        XCTAssertNil(plain.user)
        XCTAssertNil(plain.password)
        XCTAssertNil(plain.database)

        let path = try ClickHouseEndpoint(url: "HTTP://u@[::1]:8123/proxy/ch/")
        XCTAssertEqual(path.baseURL, "http://[::1]:8123/proxy/ch")
        XCTAssertEqual(path.user, "u")
        XCTAssertNil(path.password)

        let params = try ClickHouseEndpoint(url: "http://h:1/?user=a&password=b%20c&database=x+y")
        XCTAssertEqual(params.user, "a")
        XCTAssertEqual(params.password, "b c")
        XCTAssertEqual(params.database, "x y")

        let direct = ClickHouseEndpoint(baseURL: "http://127.0.0.1:8123/", user: "default", password: nil)
        XCTAssertEqual(direct.baseURL, "http://127.0.0.1:8123")
    }

    func testRejectsBadURLsWithoutLeakingPasswords() {
        for bad in ["ch.example:8123", "ftp://h", "http://", "http://:8123", "http://h:99999", "http://u:secret@h:port"] {
            XCTAssertThrowsError(try ClickHouseEndpoint(url: bad), bad) { error in
                XCTAssertFalse("\(error)".contains("secret"), "\(error)")
            }
        }
    }
}
