import Foundation
import InfraSightCore
@testable import InfraSightEnrich
import XCTest

/// `SensitivePathMatcher` and the `sensitive` step.
final class SensitivePathTests: XCTestCase {
    let m = SensitivePathMatcher.defaults

    func testDefaultExactAndPrefixPatterns() {
        for path in ["/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/sudoers.d/90-cloud", "/etc/ssh/sshd_config",
                     "/etc/ssh", "/root/.ssh/authorized_keys", "/var/run/docker.sock", "/run/docker.sock",
                     "/run/containerd/containerd.sock", "/run/crio/crio.sock", "/etc/kubernetes/admin.conf",
                     "/var/lib/kubelet/pki/kubelet.key", "/proc/kcore", "/dev/mem", "/boot/vmlinuz",
                     "/etc/crontab", "/etc/cron.d/backup"] {
            XCTAssertTrue(m.matches(path, write: false), path)
        }
        for path in ["/etc/shadow-", "/etc/shadow/x", "/etc/sshd", "/etc/hosts", "/usr/lib/os-release", "/root/.bashrc",
                     "/", "", "/etc", "/proc/kcore2", "/etc/sudoers.dx", "/bootstrap", "/run/docker.socket"] {
            XCTAssertFalse(m.matches(path, write: true), path)
        }
    }

    func testWildcardMatchesOneComponent() {
        XCTAssertTrue(m.matches("/home/alice/.ssh/id_ed25519", write: false))
        XCTAssertTrue(m.matches("/home/bob/.ssh", write: false))
        XCTAssertFalse(m.matches("/home/.ssh/id_rsa", write: false))
        XCTAssertFalse(m.matches("/home/a/b/.ssh/id_rsa", write: false))
        XCTAssertFalse(m.matches("/home/alice/ssh/id_rsa", write: false))
    }

    func testWriteOnlyPasswd() {
        XCTAssertFalse(m.matches("/etc/passwd", write: false))
        XCTAssertTrue(m.matches("/etc/passwd", write: true))
    }

    func testLexicalNormalisation() {
        XCTAssertTrue(m.matches("//etc//shadow", write: false))
        XCTAssertTrue(m.matches("/etc/./shadow", write: false))
        XCTAssertTrue(m.matches("/tmp/../etc/shadow", write: false))
        XCTAssertTrue(m.matches("/../../etc/shadow", write: false))
        XCTAssertTrue(m.matches("/etc/ssh/", write: false))
        XCTAssertFalse(m.matches("/etc/shadow/..", write: false))
    }

    func testRelativePathsNeverMatch() {
        XCTAssertFalse(m.matches("etc/shadow", write: false))
        XCTAssertFalse(m.matches("shadow", write: false))
        XCTAssertFalse(m.matches("./.ssh/id_rsa", write: false))
    }

    func testPatternsFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sensitive-\(getpid()).txt")
        try """
        # our list
        /srv/secrets/        # everything below
        /opt/*/config.yaml
        /*/flag
        /etc/hosts write

        """.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let f = try SensitivePathMatcher(contentsOfFile: url.path)
        XCTAssertEqual(f.patterns.map(\.text), ["/srv/secrets/", "/opt/*/config.yaml", "/*/flag", "/etc/hosts"])
        XCTAssertTrue(f.matches("/srv/secrets/db.pw", write: false))
        XCTAssertTrue(f.matches("/opt/app/config.yaml", write: false))
        XCTAssertTrue(f.matches("/tmp/flag", write: false))
        XCTAssertTrue(f.matches("/etc/hosts", write: true))
        XCTAssertFalse(f.matches("/etc/hosts", write: false))
        XCTAssertFalse(f.matches("/etc/shadow", write: true), "a file replaces the defaults")
    }

    func testBadPatternsAreRejectedWithTheLine() {
        for bad in ["relative/path", "/etc/id_*", "/etc/../shadow", "/etc/shadow read", "/", "/a b c"] {
            XCTAssertThrowsError(try SensitivePathMatcher(lines: ["# ok", bad]), bad) { error in
                XCTAssertTrue("\(error)".contains("line 2"), "\(error)")
            }
        }
        XCTAssertThrowsError(try SensitivePathMatcher(contentsOfFile: "/nonexistent/list")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/list"))
        }
    }

    func testStepChecksOpenChmodAndExecPaths() {
        let step = SensitivePathStep()
        func open(_ path: String, _ flags: UInt32) -> Bool {
            var e = Event()
            var d = OpenDetail()
            d.path = path
            d.flags = flags
            e.open = d
            step.apply(to: &e)
            return e.enriched.sensitive
        }
        XCTAssertTrue(open("/etc/shadow", 0))
        XCTAssertFalse(open("/etc/passwd", 0o2000000))
        XCTAssertTrue(open("/etc/passwd", 0o1))
        XCTAssertTrue(open("/etc/passwd", 0o1000))
        XCTAssertFalse(open("/etc/hostname", 0o2))

        var c = Event()
        var cd = ChmodDetail()
        cd.path = "/etc/passwd"
        c.chmod = cd
        step.apply(to: &c)
        XCTAssertTrue(c.enriched.sensitive)

        var x = Event()
        var xd = ExecDetail()
        xd.filename = "/boot/evil"
        x.exec = xd
        step.apply(to: &x)
        XCTAssertTrue(x.enriched.sensitive)

        var s = Event()
        s.socket = SocketDetail()
        step.apply(to: &s)
        XCTAssertFalse(s.hasEnriched)
    }

    func testMatchingIsFast() {
        let paths = ["/usr/lib/x86_64-linux-gnu/libc.so.6", "/etc/ld.so.cache", "/proc/self/status",
                     "/home/alice/.ssh/known_hosts", "/etc/passwd", "/var/log/syslog"]
        var hits = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<600_000 where m.matches(paths[i % paths.count], write: false) { hits += 1 }
        let perCall = Double(DispatchTime.now().uptimeNanoseconds - start) / 600_000
        XCTAssertEqual(hits, 100_000)
        print("SensitivePathMatcher: \(Int(perCall)) ns per path")
        XCTAssertLessThan(perCall, 20_000, "loose bound: debug builds are unoptimised")
    }
}
