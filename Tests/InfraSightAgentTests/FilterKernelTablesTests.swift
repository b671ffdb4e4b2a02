import Foundation
import XCTest
@testable import InfraSightAgent
import CEventLayout
#if canImport(Glibc)
import Glibc
#endif

/// What a configuration writes into the kernel maps: kind bits, flags per value, the cumulative path
/// flags that make deny win over a longer allow in a longest-prefix match, and the key layouts.
final class FilterKernelTablesTests: XCTestCase {
    let allow = KernelFilterTables.allowFlag, deny = KernelFilterTables.denyFlag

    func testFlagsAndKindBits() throws {
        let f = try EventFilter(allow: FilterArguments(pids: ["5"], uids: ["0"], containers: ["0123456789ab"]),
                                deny: FilterArguments(pids: ["5", "6"], comms: ["sh"], cgroups: ["99"]),
                                userID: { _ in nil })
        let t = KernelFilterTables(filter: f, cgroupIDs: { if case .id(let id) = $0 { return [id] } else { return [] } })
        XCTAssertEqual(t.allowKinds, FilterKind.pid.bit | FilterKind.uid.bit | FilterKind.cgroup.bit)
        XCTAssertEqual(t.denyKinds, FilterKind.pid.bit | FilterKind.comm.bit | FilterKind.cgroup.bit)
        XCTAssertEqual(t.pids, [5: allow | deny, 6: deny])
        XCTAssertEqual(t.uids, [0: allow])
        XCTAssertEqual(t.comms, [Array("sh".utf8): deny])
        // the container did not resolve: the allow list is still active and admits nothing
        XCTAssertEqual(t.cgroups, [99: deny])
        XCTAssertFalse(t.isEmpty)
        XCTAssertTrue(KernelFilterTables(filter: EventFilter.none, cgroupIDs: { _ in [] }).isEmpty)
    }

    func testAPathEntryCarriesTheFlagsOfEveryShorterListedPrefix() throws {
        let f = try EventFilter(allow: FilterArguments(pathPrefixes: ["/srv/", "/srv/data/public/"]),
                                deny: FilterArguments(pathPrefixes: ["/srv/data/", "/etc"]), userID: { _ in nil })
        let t = KernelFilterTables(filter: f, cgroupIDs: { _ in [] })
        XCTAssertEqual(t.paths[Array("/srv/".utf8)], allow)
        XCTAssertEqual(t.paths[Array("/srv/data/".utf8)], allow | deny)
        XCTAssertEqual(t.paths[Array("/srv/data/public/".utf8)], allow | deny, "deny of /srv/data/ wins over the longer allow")
        XCTAssertEqual(t.paths[Array("/etc".utf8)], deny)
        XCTAssertEqual(t.paths.count, 4)
    }

    func testKeyLayoutsMatchTheHeader() {
        XCTAssertEqual(FilterMapWriter.idKey(1, 0x0102_0304), [1, 0, 0, 0, 4, 3, 2, 1])
        let comm = FilterMapWriter.commKey(0, Array("bash".utf8))
        XCTAssertEqual(comm.count, MemoryLayout<infrasight_filter_comm_key>.size)
        XCTAssertEqual(Array(comm[4..<9]), Array("bash".utf8) + [0])
        XCTAssertEqual(FilterMapWriter.cgroupKey(1, 7).count, MemoryLayout<infrasight_filter_cgroup_key>.size)
        let path = FilterMapWriter.pathKey(1, Array("/tmp/".utf8))
        XCTAssertEqual(path.count, MemoryLayout<infrasight_filter_path_key>.size)
        XCTAssertEqual(Array(path[0..<4]), FilterMapWriter.bytes(UInt32(8 * 6)), "prefixlen: generation byte + 5 path bytes")
        XCTAssertEqual(path[4], 1)
        XCTAssertEqual(Array(path[5..<10]), Array("/tmp/".utf8))
    }
}
