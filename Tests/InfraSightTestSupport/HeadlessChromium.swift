import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Headless Chromium kept running and driven over the DevTools protocol, for tests that act on a
/// page as a person does (key presses, focus) and read what changed; `--dump-dom` runs cannot. One
/// browser, one page (the tab it opens at start): `navigate`, `evaluate`, `waitUntil`, and the key
/// presses of `HeadlessChromiumKeys.swift`. Missing Chromium throws, so a test fails rather than skips.
public final class HeadlessChromium {
    public let process: ChildProcess
    public let page: DevToolsConnection
    private let browser: DevToolsConnection
    private let profile: URL

    /// Starts Chromium with a fresh profile under `workDir` and a DevTools port of its own choosing
    /// (read back from `DevToolsActivePort`, so no port can be taken in between).
    public init(workDir: URL, windowSize: (Int, Int) = (1280, 800), timeout: TimeInterval = 30) throws {
        guard let executable = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestSupportError("chromium is not installed (scripts/deps.sh installs it)")
        }
        profile = workDir.appendingPathComponent("chromium-devtools-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        process = try ChildProcess(name: "chromium", executable: executable,
                                   arguments: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                               "--remote-debugging-port=0", "--user-data-dir=\(profile.path)",
                                               "--window-size=\(windowSize.0),\(windowSize.1)", "about:blank"],
                                   logPath: profile.path + ".log")
        let portFile = profile.appendingPathComponent("DevToolsActivePort").path
        let deadline = Date().addingTimeInterval(timeout)
        var lines: [String] = []
        while lines.count < 2 {
            guard process.isRunning else { throw TestSupportError("chromium exited:\n\(process.output().suffix(3000))") }
            guard Date() < deadline else { throw TestSupportError("chromium wrote no DevToolsActivePort within \(Int(timeout)) s:\n\(process.output().suffix(3000))") }
            usleep(100_000)
            lines = ((try? String(contentsOfFile: portFile, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        guard let port = Int(lines[0]) else { throw TestSupportError("DevToolsActivePort: \(lines)") }
        browser = try DevToolsConnection(port: port, path: lines[1])
        let targets = try browser.send("Target.getTargets")["targetInfos"] as? [[String: Any]] ?? []
        guard let tab = targets.first(where: { $0["type"] as? String == "page" })?["targetId"] as? String else {
            throw TestSupportError("chromium has no page target: \(targets)")
        }
        page = try DevToolsConnection(port: port, path: "/devtools/page/\(tab)")
        try page.send("Page.enable")
        try page.send("Runtime.enable")
        // Key events go to the focused page: headless has no window manager to give it focus.
        try page.send("Page.bringToFront")
        try page.send("Emulation.setFocusEmulationEnabled", ["enabled": true])
    }

    /// Opens `url` and waits until its document is loaded (`readyState` complete at that address).
    public func navigate(_ url: String, timeout: TimeInterval = 30) throws {
        try page.send("Page.navigate", ["url": url])
        try waitUntil("document.readyState === 'complete' && location.href === \(Self.literal(url))", timeout: timeout)
    }

    /// The value of `expression` (JSON-compatible: strings, numbers, booleans, arrays, objects);
    /// an exception in the page throws.
    @discardableResult
    public func evaluate(_ expression: String, timeout: TimeInterval = 10) throws -> Any? {
        let answer = try page.send("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true],
                                   timeout: timeout)
        if let exception = answer["exceptionDetails"] as? [String: Any] {
            throw TestSupportError("page threw evaluating \(expression.prefix(200)): \(exception)")
        }
        return (answer["result"] as? [String: Any])?["value"]
    }

    /// The string `expression` gives (empty when it is not a string).
    public func string(_ expression: String) throws -> String {
        try evaluate(expression) as? String ?? ""
    }

    /// Waits until `condition` (a JavaScript expression) is true, polling every 50 ms; a page between
    /// two documents (a navigation under way) counts as not yet. Throws after `timeout` with `describe`'s
    /// value, so the failure says what the page showed instead.
    public func waitUntil(_ condition: String, timeout: TimeInterval = 15,
                          describe: String = "location.href + ' focus=' + (document.activeElement && document.activeElement.outerHTML.slice(0, 200))") throws {
        let deadline = Date().addingTimeInterval(timeout)
        var lastError = ""
        while Date() < deadline {
            do {
                if try evaluate("Boolean(\(condition))", timeout: 5) as? Bool == true { return }
            } catch {
                lastError = "\(error)"
            }
            usleep(50_000)
        }
        let shown = (try? evaluate(describe, timeout: 5)).map { String(describing: $0) } ?? "(no answer)"
        throw TestSupportError("not within \(Int(timeout)) s: \(condition)\npage: \(shown)\(lastError.isEmpty ? "" : "\nlast error: \(lastError)")")
    }

    /// `s` as a JavaScript string literal.
    public static func literal(_ s: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [s])
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }

    public func stop() {
        page.close()
        browser.close()
        process.stop(grace: 5)
        try? FileManager.default.removeItem(at: profile)
    }

    deinit { stop() }
}
