import Foundation
import XCTest
@testable import InfraSightAgent

final class ContextUserNameCacheTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("infrasight-ctx-passwd-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func writePasswd(_ text: String, name: String = "passwd") throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    func testParsesWellFormedLines() {
        let table = PasswdParser.parse("""
            root:x:0:0:root:/root:/bin/bash
            daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
            nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
            alice:x:1000:1000:Alice,,,:/home/alice:/bin/zsh
            """)
        XCTAssertEqual(table, [0: "root", 1: "daemon", 65534: "nobody", 1000: "alice"])
    }

    func testSkipsCommentsBlankAndMalformedLines() {
        let table = PasswdParser.parse("""
            # comment:x:5:5::/:/bin/sh

               \t
            +nisuser:x:6:6::/:/bin/sh
            -other:x:7:7::/:/bin/sh
            onlyname
            two:fields
            :x:8:8:empty name:/:/bin/sh
            neg:x:-1:0::/:/bin/sh
            big:x:4294967296:0::/:/bin/sh
            hex:x:0x10:0::/:/bin/sh
            space:x: 9:0::/:/bin/sh
            emptyuid:x::0::/:/bin/sh
            ctl\u{7}name:x:10:0::/:/bin/sh
            maxuid:x:4294967295:0::/:/bin/sh
            short:x:11
            crlf:x:12:12::/:/bin/sh\r
            dup:x:13:13::/:/bin/sh
            dup2:x:13:13::/:/bin/sh
            utf8ü:x:14:14::/:/bin/sh
            """)
        XCTAssertEqual(table, [4_294_967_295: "maxuid", 11: "short", 12: "crlf", 13: "dup", 14: "utf8ü"])
    }

    func testGarbageNeverCrashes() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let length = Int.random(in: 0..<300, using: &rng)
            let alphabet: [UInt8] = Array(":\n\r#+-0123456789abcx\u{0}".utf8) + [0xFF, 0xC3]
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &rng)! }
            _ = PasswdParser.parse(bytes)
        }
    }

    func testEntryLimit() {
        let text = (0..<100).map { "u\($0):x:\($0):0::/:/bin/sh" }.joined(separator: "\n")
        XCTAssertEqual(PasswdParser.parse(text, maxEntries: 10).count, 10)
    }

    func testLooksUpAndCaches() throws {
        let path = try writePasswd("root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n")
        let cache = UserNameCache(passwdPath: path, refreshInterval: 3600)
        XCTAssertEqual(cache.name(for: 1000), "alice")
        XCTAssertEqual(cache.name(for: 0), "root")
        XCTAssertEqual(cache.reloads, 1)
        XCTAssertNil(cache.name(for: 4242)) // miss within the interval: no re-read
        XCTAssertEqual(cache.reloads, 1)
    }

    func testMissRereadsAtMostOncePerInterval() throws {
        let path = try writePasswd("root:x:0:0::/root:/bin/sh\n")
        let cache = UserNameCache(passwdPath: path, refreshInterval: 0.3)
        XCTAssertEqual(cache.name(for: 0), "root")
        _ = try writePasswd("root:x:0:0::/root:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\n")
        for _ in 0..<100 { XCTAssertNil(cache.name(for: 1001)) } // rate-limited
        XCTAssertEqual(cache.reloads, 1)
        Thread.sleep(forTimeInterval: 0.35)
        XCTAssertEqual(cache.name(for: 1001), "bob")
        XCTAssertEqual(cache.reloads, 2)
    }

    func testMissingFileGivesNilAndRecovers() throws {
        let path = directory.appendingPathComponent("absent").path
        let cache = UserNameCache(passwdPath: path, refreshInterval: 0.1)
        XCTAssertNil(cache.name(for: 0))
        _ = try writePasswd("root:x:0:0::/root:/bin/sh\n", name: "absent")
        Thread.sleep(forTimeInterval: 0.15)
        XCTAssertEqual(cache.name(for: 0), "root")
    }

    func testHugeFileIsReadOnlyUpToTheLimit() throws {
        var text = "root:x:0:0::/root:/bin/sh\n"
        text += String(repeating: "filler:x:5:5:" + String(repeating: "g", count: 100) + ":/:/bin/sh\n", count: 2000)
        text += "late:x:1234567:0::/:/bin/sh\n"
        let path = try writePasswd(text)
        // Cut inside the "late" line: its uid must not be read truncated (e.g. as 123).
        let limit = text.utf8.count - 18
        let cache = UserNameCache(passwdPath: path, refreshInterval: 3600, maxFileBytes: limit)
        XCTAssertEqual(cache.name(for: 0), "root")
        XCTAssertNil(cache.name(for: 1234567))
        for uid: UInt32 in [1, 12, 123, 1234, 12345, 123456] { XCTAssertNil(cache.name(for: uid)) }
    }

    func testConcurrentLookups() throws {
        let path = try writePasswd((0..<500).map { "user\($0):x:\($0):0::/:/bin/sh" }.joined(separator: "\n"))
        let cache = UserNameCache(passwdPath: path, refreshInterval: 0.01)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for i in 0..<2000 {
                let uid = UInt32((i * 7 + worker) % 600)
                let name = cache.name(for: uid)
                if uid < 500 { XCTAssertEqual(name, "user\(uid)") } else { XCTAssertNil(name) }
            }
        }
    }

    func testHostPasswd() {
        XCTAssertEqual(UserNameCache().name(for: 0), "root")
    }
}
