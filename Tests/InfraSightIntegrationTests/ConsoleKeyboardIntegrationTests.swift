import Foundation
import InfraSightTestSupport
import XCTest

/// The console used from the keyboard alone (issue 16): headless Chromium driven over the DevTools
/// protocol receives real key presses (keyDown/keyUp with key, code, text) and each test checks what a
/// person would see: the address and heading after a shortcut, where focus is, rows that stop or keep
/// coming. These share ConsoleIntegrationTests' pipeline (agent, tansu, ClickHouse, consoles), hence
/// an extension; run them with `--filter ConsoleIntegrationTests/testKeyboard`.
extension ConsoleIntegrationTests {
    /// A browser on the token-less console; fails the test (never skips) when Chromium cannot be driven.
    func keyboardBrowser() throws -> HeadlessChromium {
        let h = try pipeline()
        do {
            return try HeadlessChromium(workDir: h.workDir)
        } catch {
            XCTFail("headless Chromium over DevTools: \(error)")
            throw error
        }
    }

    var consoleURL: String { "http://127.0.0.1:\(Self.openPort)" }

    static let viewCondition = { (view: String) in "new URLSearchParams(location.search).get('view') === '\(view)'" }

    /// What a person sees of the current view: its heading and the navigation link marked current.
    static let seenTitle = "document.getElementById('title').textContent + '|' + ((document.querySelector('header nav a[aria-current=page]') || {}).textContent || '')"

    func testKeyboardNumberShortcutsSwitchViewsKeepingHostAndRange() throws {
        let browser = try keyboardBrowser()
        defer { browser.stop() }
        let host = try XCTUnwrap(try api("/api/events", [("probe", "execve"), ("comm", "echo")]).column("host").first)
        try browser.navigate(consoleURL + "/?" + Self.query([("view", "overview"), ("host", host), ("since", "30")]))
        try browser.waitUntil("document.querySelector('#results h3')")
        // Each view's first section heading, once its data arrived (the process view asks for a process).
        let views: [(Character, String, String, String)] = [
            ("2", "events", "Live events", "document.querySelector('#results h3') && document.querySelector('#results h3').textContent === 'Events'"),
            ("4", "top", "Top", "document.querySelector('#results h3') && document.querySelector('#results h3').textContent === 'Top comm by syscall latency'"),
            ("5", "health", "Pipeline health", "document.querySelector('#results h3') && document.querySelector('#results h3').textContent === 'instances'"),
            ("6", "alerts", "Alerts", "document.querySelector('#results h3') && document.querySelector('#results h3').textContent === 'Alerts'"),
            ("3", "process", "Process", "document.getElementById('status').textContent.startsWith('Give exec_id')"),
            ("1", "overview", "Overview", "document.querySelector('#results h3') && document.querySelector('#results h3').textContent === 'Events per second per probe'"),
        ]
        for (key, view, title, section) in views {
            try browser.press(.character(key))
            try browser.waitUntil("\(Self.viewCondition(view)) && document.readyState === 'complete' && (\(section))",
                                  describe: "location.href + ' ' + \(Self.seenTitle) + ' ' + document.getElementById('results').textContent.slice(0, 200)")
            XCTAssertEqual(try browser.string(Self.seenTitle), "\(title)|\(title)", "key \(key)")
            // Every view takes a host and a time range: the shortcut keeps both.
            let search = try browser.string("location.search")
            XCTAssertTrue(search.contains("host=" + Self.encode(host)) && search.contains("since=30"), "key \(key) dropped the scope: \(search)")
        }
    }

    func testKeyboardSkipLinkIsTheFirstTabStopAndEnterMovesFocusToTheResults() throws {
        let browser = try keyboardBrowser()
        defer { browser.stop() }
        // Live events of the captured echo: the results have links (its pid, its values) to Tab on to.
        try browser.navigate(consoleURL + "/?" + Self.query([("view", "events"), ("probe", "execve"), ("path", "/bin/echo"), ("limit", "1000")]))
        try browser.waitUntil("document.getElementById('results').textContent.includes(\(HeadlessChromium.literal(Self.marker)))")
        XCTAssertEqual(try browser.string("document.activeElement.tagName"), "BODY", "nothing focused at load")
        try browser.press(.tab)
        XCTAssertEqual(try browser.string("document.activeElement.className + ' ' + document.activeElement.textContent"), "skip Skip to results")
        // Off-screen until focused: now a person sees it.
        let box = try browser.string("JSON.stringify(document.activeElement.getBoundingClientRect())")
        XCTAssertEqual(try browser.evaluate("document.activeElement.getBoundingClientRect().left >= 0") as? Bool, true, box)
        try browser.press(.enter)
        try browser.waitUntil("document.activeElement && document.activeElement.id === 'results' && location.hash === '#results'")
        // The next Tab goes on from the results, not back to the navigation.
        try browser.press(.tab)
        let next = try browser.string("document.activeElement.outerHTML.slice(0, 300)")
        XCTAssertEqual(try browser.evaluate("document.getElementById('results').contains(document.activeElement) && document.activeElement.tagName === 'A'") as? Bool,
                       true, next)
    }

    func testKeyboardTabAndEnterFollowANavigationLinkAndAProcessLink() throws {
        let browser = try keyboardBrowser()
        defer { browser.stop() }
        try browser.navigate(consoleURL + "/?view=overview")
        try browser.waitUntil("document.querySelector('#results h3')")
        let presses = try browser.tab(until: "e.matches('header nav a') && e.textContent === 'Top'")
        XCTAssertEqual(presses, 5, "skip link, Overview, Live events, Process, Top")
        try browser.press(.enter)
        try browser.waitUntil(Self.viewCondition("top") + " && document.getElementById('title').textContent === 'Top'")

        // A live event's pid links to its process: Tab to it, Enter opens the process view of the echo.
        let filtered = "/?" + Self.query([("view", "events"), ("probe", "execve"), ("path", "/bin/echo"), ("limit", "1000")])
        try browser.navigate(consoleURL + filtered)
        try browser.waitUntil("document.getElementById('results').textContent.includes(\(HeadlessChromium.literal(Self.marker)))")
        let pidLink = "e.matches('#results a') && new URL(e.href).searchParams.get('view') === 'process' && new URL(e.href).searchParams.get('pid') === '\(Self.markerPID)'"
        try browser.tab(until: pidLink, limit: 400)
        try browser.press(.enter)
        try browser.waitUntil(Self.viewCondition("process") + " && new URLSearchParams(location.search).get('pid') === '\(Self.markerPID)'"
                              + " && document.getElementById('results').textContent.includes(\(HeadlessChromium.literal(Self.marker)))")
        XCTAssertEqual(try browser.string("document.getElementById('title').textContent"), "Process")
    }

    func testKeyboardFocusedLinkSurvivesALiveEventsPoll() throws {
        let browser = try keyboardBrowser()
        defer { browser.stop() }
        try browser.navigate(consoleURL + "/?" + Self.query([("view", "events"), ("probe", "execve"), ("path", "/bin/echo"), ("limit", "1000")]))
        try browser.waitUntil("document.getElementById('status').textContent.startsWith('Updated')")
        let pidLink = "e.matches('#results a') && new URL(e.href).searchParams.get('pid') === '\(Self.markerPID)'"
        try browser.tab(until: pidLink, limit: 400)
        let href = try browser.string("document.activeElement.getAttribute('href')")
        let status = try browser.string("document.getElementById('status').textContent")
        // The next poll (every 2 s) redraws the table: the keyboard user keeps their place.
        try browser.waitUntil("document.getElementById('status').textContent !== \(HeadlessChromium.literal(status))")
        XCTAssertEqual(try browser.string("document.getElementById('results').contains(document.activeElement) ? document.activeElement.getAttribute('href') : 'focus lost to ' + document.activeElement.tagName"), href)
        try browser.press(.enter)
        try browser.waitUntil(Self.viewCondition("process") + " && new URLSearchParams(location.search).get('pid') === '\(Self.markerPID)'")
    }

    /// Pause from the keyboard: Space on the focused button stops new rows (a new exec reaches ClickHouse
    /// and the console's API but not the page), Enter resumes and the row appears; `p` does the same.
    func testKeyboardPauseButtonStopsAndResumesLiveEvents() throws {
        let h = try pipeline()
        let browser = try keyboardBrowser()
        defer { browser.stop() }
        try browser.navigate(consoleURL + "/?" + Self.query([("view", "events"), ("probe", "execve"), ("comm", "echo"), ("since", "30")]))
        try browser.waitUntil("document.getElementById('status').textContent.startsWith('Updated')")
        func echo() throws -> String {
            let marker = "infrasight-keys-\(UInt32.random(in: 0...UInt32.max))"
            let run = CommandSpawner.run(["/bin/echo", marker])
            guard let pid = run.pid else { throw TestSupportError("spawn failed: \(run.error)") }
            XCTAssertEqual(h.waitForQuery("SELECT count() FROM infrasight.exec_events WHERE pid = \(pid)", equals: "1", timeout: 60), "1", h.dumpLogs())
            return marker
        }
        let shown = { (marker: String) in "document.getElementById('results').textContent.includes(\(HeadlessChromium.literal(marker)))" }
        // Polling shows a new exec before the pause.
        let first = try echo()
        try browser.waitUntil(shown(first), timeout: 30)

        try browser.tab(until: "e.id === 'pause'")
        try browser.press(.space)
        try browser.waitUntil("document.getElementById('pause').textContent === 'Resume' && document.getElementById('status').textContent === 'Paused'")
        let polls = "performance.getEntriesByType('resource').filter(function (r) { return r.name.includes('/api/events'); }).length"
        let pollsAtPause = try XCTUnwrap(browser.evaluate(polls) as? Int)
        let second = try echo()
        let served = try api("/api/events", [("probe", "execve"), ("comm", "echo"), ("since", "30")])
        XCTAssertTrue(served.column("command_line").contains { $0.contains(second) }, "the console serves the new exec")
        // Three poll intervals (2 s each) without a request or the new row.
        let until = Date().addingTimeInterval(6)
        while Date() < until {
            XCTAssertEqual(try browser.evaluate(shown(second)) as? Bool, false, "a paused page got the new row")
            usleep(250_000)
        }
        XCTAssertEqual(try browser.evaluate(polls) as? Int, pollsAtPause, "a paused page kept polling")
        XCTAssertEqual(try browser.string("document.activeElement.id"), "pause", "focus stays on the button")
        try browser.press(.enter)
        try browser.waitUntil("document.getElementById('pause').textContent === 'Pause' && " + shown(second), timeout: 30)

        // The `p` shortcut (focus anywhere but a field: here back on the first table link) pauses and resumes too.
        try browser.tab(until: "e.matches('#results a')")
        try browser.press(.character("p"))
        try browser.waitUntil("document.getElementById('pause').textContent === 'Resume'")
        try browser.press(.character("p"))
        try browser.waitUntil("document.getElementById('pause').textContent === 'Pause' && document.getElementById('status').textContent.startsWith('Updated')")
    }

    /// Typing in a filter field types: digits and `p` land in the field, the view and polling stay; `/`
    /// is the way there, and Enter in the field applies the filter.
    func testKeyboardShortcutsDoNotHijackTypingInAFilterField() throws {
        let browser = try keyboardBrowser()
        defer { browser.stop() }
        try browser.navigate(consoleURL + "/?view=events")
        try browser.waitUntil("document.getElementById('status').textContent.startsWith('Updated')")
        try browser.press(.slash)
        XCTAssertEqual(try browser.string("document.activeElement.name"), "host", "/ goes to the first filter")
        XCTAssertEqual(try browser.string("document.activeElement.value"), "", "the / itself is not typed")
        try browser.type("p123456")
        XCTAssertEqual(try browser.string("document.activeElement.value"), "p123456")
        XCTAssertEqual(try browser.string("location.search"), "?view=events", "a digit typed in a field switched the view")
        XCTAssertEqual(try browser.string("document.getElementById('pause').textContent"), "Pause", "p typed in a field paused")
        // Tab on to the next field (container) and type there too.
        try browser.press(.tab)
        XCTAssertEqual(try browser.string("document.activeElement.name"), "container")
        try browser.type("3")
        try browser.press(.enter)
        try browser.waitUntil(Self.viewCondition("events") + " && new URLSearchParams(location.search).get('host') === 'p123456'"
                              + " && new URLSearchParams(location.search).get('container') === '3' && document.readyState === 'complete'")
        try browser.waitUntil("document.getElementById('active-filters').textContent === 'Filters: host = p123456, container = 3'")
        XCTAssertEqual(try browser.string("document.getElementById('title').textContent"), "Live events")
    }
}
