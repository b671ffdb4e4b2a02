import Foundation
import XCTest
@testable import InfraSightAgent
#if canImport(Glibc)
import Glibc
#endif

/// Cgroup selectors → cgroup ids (directory inodes) over a directory tree shaped like a cgroup v2
/// hierarchy: ids as given, paths relative or absolute, containers with their sub-cgroups.
final class FilterCgroupResolverTests: XCTestCase {
    var root = ""
    let id = "3f1c0a5e9b7d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4"

    override func setUp() {
        super.setUp()
        root = NSTemporaryDirectory() + "is-filter-cg-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        for dir in ["/system.slice/docker-\(id).scope/init.scope", "/system.slice/cron.service", "/user.slice"] {
            try? FileManager.default.createDirectory(atPath: root + dir, withIntermediateDirectories: true)
        }
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: root)
        super.tearDown()
    }

    func inode(_ path: String) -> UInt64 {
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0, path)
        return UInt64(st.st_ino)
    }

    func testEverySelectorResolvesToTheInodesOfItsDirectories() throws {
        let resolver = FilterCgroupResolver(root: root + "/")
        let container = try CgroupSelector.parseContainer("docker://" + id.prefix(12))
        let relative = try CgroupSelector.parseCgroup("/system.slice/cron.service")
        let absolute = try CgroupSelector.parseCgroup(root + "/user.slice")
        let missing = try CgroupSelector.parseCgroup("/nope.slice")
        let other = try CgroupSelector.parseContainer(String(repeating: "e", count: 64))
        let r = resolver.resolve([.id(77), container, relative, absolute, missing, other])
        XCTAssertEqual(r.ids[.id(77)], [77])
        XCTAssertEqual(r.ids[container], [inode(root + "/system.slice/docker-\(id).scope"),
                                          inode(root + "/system.slice/docker-\(id).scope/init.scope")])
        XCTAssertEqual(r.ids[relative], [inode(root + "/system.slice/cron.service")])
        XCTAssertEqual(r.ids[absolute], [inode(root + "/user.slice")])
        XCTAssertEqual(r.unresolved, [missing, other].sorted { $0.description < $1.description })
    }

    func testWithoutACgroupV2MountOnlyIdsResolve() throws {
        let r = FilterCgroupResolver(root: nil).resolve([.id(5), .path("/x"), .container("0123456789ab")])
        XCTAssertEqual(r.ids[.id(5)], [5])
        XCTAssertEqual(r.unresolved.count, 2)
    }
}
