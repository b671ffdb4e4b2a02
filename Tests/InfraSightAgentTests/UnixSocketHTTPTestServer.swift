import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on a unix socket for client tests (plain POSIX sockets, one thread): it
/// answers `GET <path>` from a fixed table (status, body, chunked or not), 404 otherwise, and counts
/// the requests per path. `holdAnswers` keeps connections unanswered (a hung runtime).
final class UnixSocketHTTPTestServer: @unchecked Sendable {
    struct Route { var status: Int; var body: String; var chunked: Bool = false }

    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var routes: [String: Route]
    private var counts: [String: Int] = [:]
    private var held: [Int32] = []
    private var stopped = false
    var holdAnswers = false

    init(path: String, routes: [String: Route]) throws {
        self.path = path
        self.routes = routes
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        guard bound == 0, listen(fd, 16) == 0 else { throw NSError(domain: "bind \(path): \(String(cString: strerror(errno)))", code: 1) }
        Thread { [self] in serve() }.start()
    }

    func requests(_ path: String) -> Int {
        lock.lock(); defer { lock.unlock() }
        return counts[path] ?? 0
    }

    func stop() {
        lock.lock(); stopped = true; let h = held; held = []; lock.unlock()
        for c in h { close(c) }
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        unlink(path)
    }

    private func serve() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { return }
            var request = [UInt8]()
            var buf = [UInt8](repeating: 0, count: 4096)
            while !request.ends(with: Array("\r\n\r\n".utf8)) {
                let n = read(c, &buf, buf.count)
                if n <= 0 { break }
                request += buf[0..<n]
            }
            let line = String(decoding: request.prefix { $0 != 13 }, as: UTF8.self).split(separator: " ")
            let target = line.count >= 2 ? String(line[1]) : ""
            lock.lock()
            counts[target, default: 0] += 1
            let route = routes[target] ?? Route(status: 404, body: #"{"message":"no such container"}"#)
            if holdAnswers { held.append(c); lock.unlock(); continue }
            lock.unlock()
            var response = "HTTP/1.1 \(route.status) X\r\nContent-Type: application/json\r\nConnection: close\r\n"
            if route.chunked {
                response += "Transfer-Encoding: chunked\r\n\r\n"
                let bytes = Array(route.body.utf8)
                var i = 0
                while i < bytes.count {
                    let chunk = bytes[i..<min(i + 700, bytes.count)]
                    response += String(chunk.count, radix: 16) + "\r\n" + String(decoding: chunk, as: UTF8.self) + "\r\n"
                    i += 700
                }
                response += "0\r\n\r\n"
            } else {
                response += "Content-Length: \(route.body.utf8.count)\r\n\r\n" + route.body
            }
            _ = response.utf8CString.withUnsafeBufferPointer { write(c, $0.baseAddress, $0.count - 1) }
            close(c)
        }
    }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
