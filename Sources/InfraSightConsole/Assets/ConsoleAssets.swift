/// The console's static files, kept in Swift strings so the binary is self-contained.
///
/// The page has no inline script or style and no data in its markup: `console.js` (same origin, the
/// only script the CSP allows) reads the filters from `location.search`, fetches the JSON API and
/// renders every value with `textContent`.
public enum ConsoleAssets {
    static let html = "text/html; charset=utf-8"

    public static let index = ConsoleResponse(status: 200, contentType: html, text: indexHTML)
    public static let js = ConsoleResponse(status: 200, contentType: "text/javascript; charset=utf-8", text: consoleJS)
    public static let css = ConsoleResponse(status: 200, contentType: "text/css; charset=utf-8", text: consoleCSS)

    /// The login form; `failed` adds a fixed "wrong token" line (nothing from the request is echoed).
    public static func loginPage(status: Int, failed: Bool) -> ConsoleResponse {
        ConsoleResponse(status: status, contentType: html, text: loginHTML(failed: failed))
    }

    static let indexHTML = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>InfraSight console</title>
        <link rel="stylesheet" href="/console.css">
        <script src="/console.js" defer></script>
        </head>
        <body>
        <a class="skip" href="#results">Skip to results</a>
        <header>
        <h1>InfraSight</h1>
        <nav>
        <a href="/?view=overview">Overview</a>
        <a href="/?view=events">Live events</a>
        <a href="/?view=process">Process</a>
        <a href="/?view=top">Top</a>
        <a href="/?view=health">Pipeline health</a>
        <a href="/?view=alerts">Alerts</a>
        </nav>
        </header>
        <main>
        <h2 id="title">Overview</h2>
        <form id="filters" method="get" action="/"></form>
        <p id="active-filters"></p>
        <p><button id="pause" type="button" hidden>Pause</button> <span id="status" role="status"></span></p>
        <div id="results" tabindex="-1"></div>
        <p class="keys">Keys: <kbd>1</kbd>\u{2013}<kbd>6</kbd> views, <kbd>/</kbd> filters, <kbd>p</kbd> pause or resume, <kbd>Tab</kbd> links and fields.</p>
        <noscript>The console needs JavaScript (served from this host only).</noscript>
        </main>
        </body>
        </html>

        """

    static func loginHTML(failed: Bool) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>InfraSight console: log in</title>
        <link rel="stylesheet" href="/console.css">
        </head>
        <body>
        <main>
        <h1>InfraSight console</h1>
        \(failed ? "<p class=\"error\">Wrong token.</p>\n" : "")<form method="post" action="/login">
        <label>Token <input type="password" name="token" autocomplete="current-password" required></label>
        <button type="submit">Log in</button>
        </form>
        </main>
        </body>
        </html>

        """
    }

    static let consoleCSS = """
        body { font-family: system-ui, sans-serif; margin: 0; color: #1b1f24; background: #f6f8fa; }
        header { display: flex; gap: 2em; align-items: baseline; padding: 0.5em 1em; background: #24292f; color: #fff; }
        header h1 { font-size: 1.2em; margin: 0; }
        header a { color: #d0d7de; margin-right: 1em; }
        main { padding: 1em; }
        form label { margin-right: 0.8em; font-size: 0.9em; }
        form input { width: 10em; }
        table { border-collapse: collapse; font-size: 0.85em; margin-bottom: 1.5em; background: #fff; }
        th, td { border: 1px solid #d0d7de; padding: 2px 6px; text-align: left; vertical-align: top; }
        td { font-family: ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; max-width: 40em; }
        .error { color: #b42318; }
        .empty { color: #57606a; font-style: italic; }
        nav a[aria-current="page"] { font-weight: bold; }
        ul.tree, ul.tree ul { list-style: none; margin: 0.2em 0; padding-left: 1.2em; }
        ul.tree li::before { content: "\\2514\\2500 "; color: #8c959f; }
        tr.stale td { background: #ffebe9; color: #b42318; font-weight: bold; }
        svg.chart { background: #fff; border: 1px solid #d0d7de; max-width: 100%; height: auto; }
        .legend .key { border-left: 12px solid; padding-left: 4px; margin-right: 1em; font-size: 0.85em; }
        a:focus-visible, button:focus-visible, input:focus-visible, summary:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
        .skip { position: absolute; left: -999px; top: 0; background: #fff; padding: 0.4em; }
        .skip:focus { left: 0.5em; z-index: 1; }
        .keys { color: #57606a; font-size: 0.85em; }
        kbd { border: 1px solid #8c959f; border-radius: 3px; padding: 0 3px; font-size: 0.9em; }
        td[class^="severity-"] { white-space: nowrap; word-break: normal; }
        td.severity-emergency, td.severity-alert, td.severity-critical { color: #fff; background: #b42318; font-weight: bold; }
        td.severity-error { color: #b42318; font-weight: bold; }
        td.severity-warning { color: #9a6700; font-weight: bold; }
        .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(28em, 1fr)); gap: 0 1.5em; max-width: 1500px; }
        .charts h3 { margin: 0.4em 0; }
        .charts .legend { margin: 0.3em 0 0.6em; }
        .tops { display: grid; grid-template-columns: repeat(auto-fit, minmax(22em, 1fr)); gap: 0 1em; max-width: 1400px; }
        .tops table { width: 100%; margin-bottom: 0.3em; }
        .tops td { max-width: 28em; }
        .tops td + td, .tops th + th { white-space: nowrap; word-break: normal; width: 1%; }
        .tops h3 { margin: 0.6em 0 0.3em; }
        .tops p { margin: 0 0 1em; font-size: 0.9em; }

        """
}
