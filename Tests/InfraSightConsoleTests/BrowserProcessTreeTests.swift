import Foundation
import InfraSightConsole
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `BrowserProcessTree` on real sockets and processes: a bash that starts a second bash, which connects
/// to a listener here over loopback (as a browser's network process does for its main process). The
/// connection's client end must lead to the outer bash: the socket's owner, then up while the parent
/// runs the same executable.
final class BrowserProcessTreeTests: XCTestCase {
    func testTheClientEndOfALoopbackConnectionLeadsToTheRootOfItsSameExecutableTree() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(listener, 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { p in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                guard bind(listener, sa, length) == 0, listen(listener, 4) == 0, getsockname(listener, sa, &length) == 0 else {
                    throw NSError(domain: "socket", code: Int(errno))
                }
            }
        }
        let serverPort = Int(UInt16(bigEndian: address.sin_port))

        // 150 other connections first, so that /proc/net/tcp is many pages long (procfs hands out a page
        // per read: a reader that stops after one sees only the first ~30 sockets).
        var others: [Int32] = []
        defer { others.forEach { close($0) } }
        for _ in 0..<150 {
            let c = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var to = address
            let connected = withUnsafePointer(to: &to) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(c, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            XCTAssertEqual(connected, 0)
            others.append(c)
            others.append(accept(listener, nil, nil))
        }

        // The inner bash holds the socket (fd 3; its sleep does not inherit it); the `; true`s keep each
        // bash from exec-ing its last command.
        let outer = Process()
        outer.executableURL = URL(fileURLWithPath: "/bin/bash")
        outer.arguments = ["-c", "/bin/bash -c 'exec 3<>/dev/tcp/127.0.0.1/\(serverPort); sleep 30 3>&-; true'; true"]
        try outer.run()
        defer { outer.terminate(); kill(-outer.processIdentifier, SIGKILL) }

        var peer = sockaddr_in()
        var peerLength = socklen_t(MemoryLayout<sockaddr_in>.size)
        let accepted = withUnsafeMutablePointer(to: &peer) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(listener, $0, &peerLength) }
        }
        XCTAssertGreaterThanOrEqual(accepted, 0)
        defer { close(accepted) }
        let clientPort = Int(UInt16(bigEndian: peer.sin_port))

        let tree = BrowserProcessTree()
        let root = tree.root(of: ConsolePeer(ip: "127.0.0.1", port: clientPort, serverPort: serverPort))
        XCTAssertEqual(root, UInt32(outer.processIdentifier), "the outer bash is the root of the tree holding the client socket")
        // Not on loopback, or no such connection: nothing.
        XCTAssertNil(tree.root(of: ConsolePeer(ip: "192.0.2.7", port: clientPort, serverPort: serverPort)))
        XCTAssertNil(tree.root(of: ConsolePeer(ip: "127.0.0.1", port: clientPort, serverPort: serverPort == 65535 ? 1 : serverPort + 1)))
    }
}
