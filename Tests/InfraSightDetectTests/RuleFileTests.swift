import InfraSightCore
@testable import InfraSightDetect
import XCTest

/// Rules files: the default set compiles, and every kind of mistake is refused with file, line and field.
final class RuleFileTests: XCTestCase {
    func testDefaultRulesCompileAndAreTagged() throws {
        let book = try RuleBook(files: [])
        XCTAssertGreaterThanOrEqual(book.rules.count, 25)
        for rule in book.rules {
            XCTAssertTrue(rule.tags.contains { $0.hasPrefix("T") && $0.dropFirst().first?.isNumber == true },
                          "\(rule.name) has no MITRE technique tag")
        }
        XCTAssertTrue(book.rules.contains { if case .sequence = $0.kind { return true }; return false })
        XCTAssertTrue(book.rules.contains { if case .threshold = $0.kind { return true }; return false })
        // Indexed by probe: no default rule runs on every probe.
        XCTAssertTrue(book.rules.allSatisfy { $0.probes != nil }, book.rules.filter { $0.probes == nil }.map(\.name).description)
    }

    func testErrorsNameFileLineItemAndField() {
        let cases: [(String, Int, String, String, String)] = [
            // yaml, line, item, field, message fragment
            ("- rule: r\n  condition: proc.nme = x\n  output: o\n  priority: warning\n", 2, "rule 'r'", "condition", "did you mean 'proc.name'"),
            ("- rule: r\n  condition: proc.name = x\n  output: o\n  priority: loud\n", 1, "rule 'r'", "priority", "'loud'"),
            ("- rule: r\n  condition: proc.name = x\n  output: \"%proc.nam\"\n  priority: info\n", 3, "rule 'r'", "output", "unknown field"),
            ("- rule: r\n  condtion: proc.name = x\n", 2, "rule 'r'", "condtion", "unknown key"),
            ("- rule: r\n  condition: undefined_macro\n  output: o\n  priority: info\n", 2, "rule 'r'", "condition", "neither a macro nor a field"),
            ("- macro: m\n  condition: m\n- rule: r\n  condition: m\n  output: o\n  priority: info\n", 4, "rule 'r'", "condition", "refers to itself"),
            ("- rule: r\n  condition: proc.pid startswith 1\n  output: o\n  priority: info\n", 2, "rule 'r'", "condition", "does not apply to number"),
            ("- rule: r\n  condition: proc.pid = abc\n  output: o\n  priority: info\n", 2, "rule 'r'", "condition", "not a number"),
            ("- rule: r\n  condition: x = 1\n  threshold: {count: 1, within: 5s}\n  output: o\n  priority: info\n", 3, "rule 'r'", "threshold.count", "2 to 10000"),
            ("- rule: r\n  sequence:\n    steps: [evt.failed]\n  output: o\n  priority: info\n", 3, "rule 'r'", "sequence.steps", "at least two"),
            ("- rule: r\n  sequence:\n    within: forever\n    steps: [evt.failed, evt.failed]\n  output: o\n  priority: info\n", 3, "rule 'r'", "sequence.within", "duration"),
            ("- rule: r\n  append: true\n  condition: evt.failed\n", 1, "rule 'r'", "append", "no earlier file"),
            ("rules: []\n", 1, "", "", "a rules file is a list"),
            ("- rule: r\n  condition: [a\n", 3, "", "", "not valid YAML"),
        ]
        for (yaml, line, item, field, fragment) in cases {
            XCTAssertThrowsError(try RuleBook(yaml: yaml, file: "custom.yaml"), yaml) { error in
                guard let e = error as? RuleError else { return XCTFail("\(error)") }
                XCTAssertEqual(e.file, "custom.yaml")
                XCTAssertEqual(e.line, line, "\(yaml): \(e)")
                XCTAssertEqual(e.item, item, "\(yaml): \(e)")
                XCTAssertEqual(e.field, field, "\(yaml): \(e)")
                XCTAssertTrue(e.description.contains(fragment), "\(yaml): \(e)")
            }
        }
    }

    func testLaterFilesOverrideAppendAndDisable() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("detect-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("local.yaml").path
        try """
        - list: sensitive_file_readers
          items: [backup-agent]
          append: true
        - rule: Execution from a hidden directory
          enabled: false
        - rule: Read sensitive file untrusted
          append: true
          condition: not user.name = auditor
        - rule: Local rule
          condition: evt.probe = open and fd.name = /srv/secret
          output: "secret read by %proc.name"
          priority: error
          tags: [T1005]
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let base = try RuleBook(files: [])
        let book = try RuleBook(files: [file])
        XCTAssertEqual(book.rules.count, base.rules.count)   // one off, one added
        XCTAssertFalse(book.rules.contains { $0.name == "Execution from a hidden directory" })
        let engine = DetectionEngine(book: book, detectedBy: "test")
        var shadowByBackup = DetectTestEvents.open("/etc/shadow", comm: "backup-agent")
        shadowByBackup.comm = "backup-agent"
        let alerts = try DetectTestEvents.run(engine, [shadowByBackup, DetectTestEvents.open("/srv/secret"), DetectTestEvents.open("/etc/shadow")])
        XCTAssertEqual(alerts.map(\.record.rule), ["Local rule", "Read sensitive file untrusted"])
        XCTAssertFalse(book.filesChanged)
        try "- list: x\n  items: []\n".write(toFile: file, atomically: true, encoding: .utf8)
        let later = Date().addingTimeInterval(5)
        try FileManager.default.setAttributes([.modificationDate: later], ofItemAtPath: file)
        XCTAssertTrue(book.filesChanged)
    }

    func testFieldsAreDocumented() {
        XCTAssertEqual(Set(EventFields.all.map(\.name)).count, EventFields.all.count)
        for f in EventFields.all { XCTAssertFalse(f.help.isEmpty, f.name) }
    }
}

/// Shapes the fuzzer found.
final class RuleShapeTests: XCTestCase {
    func testThresholdWithoutConditionIsRefused() {
        XCTAssertThrowsError(try RuleBook(yaml: "- rule: r\n  threshold: {count: 2, within: 1s}\n  output: o\n  priority: info\n")) { error in
            XCTAssertTrue("\(error)".contains("a rule has a condition"), "\(error)")
        }
        XCTAssertThrowsError(try RuleBook(yaml: "- rule: r\n  output: o\n  priority: info\n"))
    }
}

/// Operators' mistakes and Kubernetes' way of updating a mounted ConfigMap.
final class RuleFileOperationsTests: XCTestCase {
    func testTurningOffAnUnknownRuleIsRefusedWithASuggestion() {
        XCTAssertThrowsError(try RuleBook(yaml: "- rule: Execution from a hiden directory\n  enabled: false\n", includeDefaults: true)) { error in
            XCTAssertTrue("\(error)".contains("did you mean 'Execution from a hidden directory'"), "\(error)")
        }
    }

    /// The kubelet swaps a `..data` symlink to a new folder; the file's own name and time never change.
    func testARepointedSymlinkCountsAsAChange() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("detect-cm-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fm = FileManager.default
        for version in ["v1", "v2"] {
            try fm.createDirectory(atPath: "\(dir)/\(version)", withIntermediateDirectories: true)
            try "- list: l\n  items: [\(version)]\n".write(toFile: "\(dir)/\(version)/rules.yaml", atomically: true, encoding: .utf8)
        }
        try fm.createSymbolicLink(atPath: "\(dir)/..data", withDestinationPath: "v1")
        try fm.createSymbolicLink(atPath: "\(dir)/rules.yaml", withDestinationPath: "..data/rules.yaml")
        let book = try RuleBook(files: ["\(dir)/rules.yaml"])
        XCTAssertFalse(book.filesChanged)
        try fm.removeItem(atPath: "\(dir)/..data")
        try fm.createSymbolicLink(atPath: "\(dir)/..data", withDestinationPath: "v2")
        XCTAssertTrue(book.filesChanged)
    }
}
