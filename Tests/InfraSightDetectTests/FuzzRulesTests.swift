import InfraSightCore
@testable import InfraSightDetect
import InfraSightTestSupport
import XCTest

/// Fuzzes the rules reader and the condition language: any bytes either compile or are refused with a
/// `RuleError` that names a line inside the file; compiled rules run on an event without crashing.
final class FuzzRulesTests: XCTestCase {
    static let smallFile = """
    - list: shells
      items: [bash, sh]
    - macro: spawned
      condition: evt.probe = execve and not evt.failed
    - rule: Shell from a service
      condition: spawned and proc.name in (shells) and (proc.pname startswith "ngin" or proc.aname glob "php*")
      exceptions:
        - name: ok
          fields: [proc.cmdline]
          comps: [contains]
          values: [[healthcheck]]
      output: "shell %proc.name by %proc.pname (%fd.name) 100%%"
      priority: warning
      tags: [T1059]
    - rule: Dropper
      sequence:
        within: 10s
        same: [fd.name]
        steps:
          - evt.probe = open and open.create
          - spawned
      output: "%fd.name"
      priority: critical
    - rule: Burst
      condition: evt.probe = open and evt.res < 0 and fd.name pmatch (/etc, /root)
      threshold: {count: 3, within: 1s}
      output: "%proc.pid"
      priority: notice
    """

    func testFuzzRulesFiles() throws {
        XCTAssertEqual(try RuleBook(yaml: Self.smallFile).rules.count, 3)
        var event = DetectTestEvents.exec("/usr/bin/bash", argv: ["bash", "-c", "true"], parentComm: "nginx")
        event.comm = "bash"
        let bytes = try EventCodec.encode(event)
        // The default rules' lists and first rules as a second seed (whole, they are 16 kB: 20,000 debug-build
        // compiles of that took 3 minutes).
        let defaultsHead = DefaultRules.yaml.components(separatedBy: "\n- rule: Search private keys")[0]
        XCTAssertNoThrow(try RuleBook(yaml: defaultsHead))
        FuzzKit.run("rules-file", seeds: [Array(Self.smallFile.utf8), Array(defaultsHead.utf8)], maxLength: 8_192) { input in
            let text = String(decoding: input, as: UTF8.self)
            // YAML breaks lines at \n, \r and \r\n (and NEL, LS, PS): count every break as one.
            let lines = text.unicodeScalars.filter { ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains($0) }.count + 1
            let book: RuleBook
            do throws(RuleError) {
                book = try RuleBook(yaml: text, file: "fuzz.yaml")
            } catch {
                if error.file != "fuzz.yaml" { return "error names another file: \(error)" }
                if error.line < 1 || error.line > lines + 1 { return "error line \(error.line) outside the file's \(lines) lines: \(error)" }
                return nil
            }
            // Whatever compiled runs on a real event without trapping.
            let engine = DetectionEngine(book: book, detectedBy: "fuzz")
            var alerts: [RaisedAlert] = []
            bytes.withUnsafeBytes { raw in
                guard let view = try? EventView(validating: raw) else { return }
                engine.process(view, probe: .execve, at: InputPosition(topic: "t", partition: 0, offset: 0), into: &alerts)
            }
            return nil
        }
    }

    func testFuzzConditions() {
        let seeds = ["proc.name in (bash, \"sh\") and not (fd.name glob /tmp/* or evt.res < -1)",
                     "open.write and fd.name pmatch (/etc, /root/.ssh) or proc.aname = sshd",
                     "net.rport >= 0x10 and net.rip != '127.0.0.1' and ptrace.request in (16, 0o20)"]
        FuzzKit.run("rule-condition", seeds: seeds.map { Array($0.utf8) }, maxLength: 512) { input in
            let text = String(decoding: input, as: UTF8.self)
            do throws(ConditionError) {
                _ = try ConditionParser.parse(text)
            } catch {
                let length = text.unicodeScalars.count
                if error.column < 1 || error.column > length + 1 { return "column \(error.column) outside 1...\(length + 1)" }
                if error.message.isEmpty { return "empty message" }
            }
            return nil
        }
    }
}
