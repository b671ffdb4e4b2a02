import CCurl

/// Blocking ClickHouse HTTP client over libcurl.
///
/// One curl easy handle is reused for every request, so the TCP (and TLS) connection is kept alive between calls.
/// Not thread-safe: use one client per thread. SQL goes in the POST body; settings, the default database and, for
/// inserts, the `INSERT ... FORMAT ...` statement go in URL parameters. Credentials are sent as HTTP Basic auth and
/// never appear in URLs or error messages.
public final class ClickHouseClient {
    public let endpoint: ClickHouseEndpoint
    public let timeoutSeconds: Int

    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var textHeaders: UnsafeMutablePointer<curl_slist>?
    private var binaryHeaders: UnsafeMutablePointer<curl_slist>?
    private let response = ResponseSink()

    /// Connection establishment is limited to min(5 s, timeoutSeconds); the whole request to `timeoutSeconds`.
    public init(endpoint: ClickHouseEndpoint, timeoutSeconds: Int = 30) throws {
        _ = curlGlobalInit
        guard let h = curl_easy_init() else {
            throw ClickHouseError(kind: .transport, message: "curl_easy_init failed", curlCode: 2)
        }
        self.endpoint = endpoint
        self.timeoutSeconds = max(1, timeoutSeconds)
        self.handle = h
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        // "Expect:" stops curl from waiting for "100 Continue" before sending bodies over 1 KiB.
        for line in ["Expect:", "Content-Type: text/plain; charset=UTF-8"] { textHeaders = curl_slist_append(textHeaders, line) }
        for line in ["Expect:", "Content-Type: application/octet-stream"] { binaryHeaders = curl_slist_append(binaryHeaders, line) }

        setLong(CURLOPT_NOSIGNAL, 1)
        setLong(CURLOPT_CONNECTTIMEOUT_MS, min(5_000, self.timeoutSeconds * 1000))
        setLong(CURLOPT_TIMEOUT, self.timeoutSeconds)
        setLong(CURLOPT_TCP_KEEPALIVE, 1)
        setLong(CURLOPT_FOLLOWLOCATION, 0)
        infrasight_curl_setopt_ptr(h, CURLOPT_ERRORBUFFER, errorBuffer)
        infrasight_curl_setopt_write(h, responseWriteCallback)
        infrasight_curl_setopt_header(h, responseHeaderCallback)
        let sink = Unmanaged.passUnretained(response).toOpaque()
        infrasight_curl_setopt_ptr(h, CURLOPT_WRITEDATA, sink)
        infrasight_curl_setopt_ptr(h, CURLOPT_HEADERDATA, sink)
        if let user = endpoint.user {
            setString(CURLOPT_USERNAME, user)
            setString(CURLOPT_PASSWORD, endpoint.password ?? "")
        }
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(textHeaders)
        curl_slist_free_all(binaryHeaders)
        errorBuffer.deallocate()
    }

    /// Runs `sql` and returns the response body (use `FORMAT ...` in the SQL to choose the output format).
    public func query(_ sql: String, settings: [String: String] = [:]) throws -> String {
        String(decoding: try queryBytes(sql, settings: settings), as: UTF8.self)
    }

    /// Like `query` but returns the raw body (for binary output formats such as RowBinary).
    public func queryBytes(_ sql: String, settings: [String: String] = [:]) throws -> [UInt8] {
        let body = Array(sql.utf8)
        return try body.withUnsafeBytes { raw in
            try perform(path: "/", params: parameters(settings), body: raw, binary: false)
        }
    }

    /// Runs a statement whose result is not needed (DDL, SET-less commands, `INSERT ... SELECT`).
    public func execute(_ sql: String, settings: [String: String] = [:]) throws {
        _ = try queryBytes(sql, settings: settings)
    }

    /// Sends `body` as the data of `statement`, e.g. `INSERT INTO db.t (a, b) FORMAT RowBinary`.
    /// The statement travels in the `query` URL parameter; the body is handed to curl without copying.
    /// `settings` become URL parameters (e.g. `insert_deduplication_token` on servers that support it).
    public func insert(statement: String, body: [UInt8], settings: [String: String] = [:]) throws {
        try body.withUnsafeBytes { raw in try insert(statement: statement, body: raw, settings: settings) }
    }

    /// `insert` of a borrowed body (a slice of a larger buffer, sent without copying it out first).
    public func insert(statement: String, body: UnsafeRawBufferPointer, settings: [String: String] = [:]) throws {
        var params = parameters(settings)
        params.append(("query", statement))
        _ = try perform(path: "/", params: params, body: body, binary: true)
    }

    /// `SELECT version()`, parsed.
    public func serverVersion() throws -> ClickHouseVersion {
        let text = try query("SELECT version()")
        guard let version = ClickHouseVersion(text) else {
            throw ClickHouseError(kind: .server, httpStatus: 200,
                                  message: "unexpected answer to SELECT version(): \(text.trimmedWhitespace())")
        }
        return version
    }

    /// True when `GET /ping` answers `Ok.`.
    public func ping() -> Bool {
        guard let body = try? perform(path: "/ping", params: [], body: nil, binary: false) else { return false }
        return String(decoding: body, as: UTF8.self).trimmedWhitespace() == "Ok."
    }

    // MARK: - Internals

    /// Endpoint settings, then the default database, then per-call settings (which override), sorted for stable URLs.
    private func parameters(_ settings: [String: String]) -> [(String, String)] {
        var merged = endpoint.settings
        if let db = endpoint.database { merged["database"] = db }
        for (k, v) in settings { merged[k] = v }
        return merged.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// One request: POST `body` (or GET when nil). Returns the body of a 2xx answer, throws otherwise.
    private func perform(path: String, params: [(String, String)], body: UnsafeRawBufferPointer?,
                         binary: Bool) throws -> [UInt8] {
        var url = endpoint.baseURL + path
        if !params.isEmpty { url += "?" + PercentEncoding.query(params) }
        setString(CURLOPT_URL, url)
        response.reset()
        errorBuffer[0] = 0
        if let body {
            setLong(CURLOPT_POST, 1)
            // An empty buffer may have no base address; curl needs a non-null pointer to send an empty body.
            infrasight_curl_setopt_ptr(handle, CURLOPT_POSTFIELDS, body.baseAddress ?? emptyBody)
            infrasight_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            infrasight_curl_setopt_ptr(handle, CURLOPT_HTTPHEADER, binary ? binaryHeaders : textHeaders)
        } else {
            setLong(CURLOPT_HTTPGET, 1)
            infrasight_curl_setopt_ptr(handle, CURLOPT_HTTPHEADER, nil)
        }
        let rc = curl_easy_perform(handle)
        // Do not leave a pointer to the caller's buffer in the handle.
        infrasight_curl_setopt_ptr(handle, CURLOPT_POSTFIELDS, nil)
        if rc != CURLE_OK {
            let detail = String(cString: errorBuffer)
            let text = String(cString: curl_easy_strerror(rc))
            throw ClickHouseError(kind: .transport,
                                  message: "\(detail.isEmpty ? text : detail) (\(endpoint.baseURL)\(path))",
                                  curlCode: Int(rc.rawValue))
        }
        var status = 0
        infrasight_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        guard (200..<300).contains(status) else {
            throw ClickHouseError.server(httpStatus: status, body: String(decoding: response.body, as: UTF8.self),
                                         exceptionCodeHeader: response.exceptionCode)
        }
        return response.body
    }

    private func setLong(_ option: CURLoption, _ value: Int) {
        infrasight_curl_setopt_long(handle, option, value)
    }

    /// curl copies string options, so a temporary C string is enough.
    private func setString(_ option: CURLoption, _ value: String) {
        value.withCString { _ = infrasight_curl_setopt_ptr(handle, option, $0) }
    }
}

/// `curl_global_init` must run once before any handle exists; Swift globals are initialised once, thread-safely.
private let curlGlobalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

private let emptyBody: UnsafeRawPointer = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1))

/// Collects one response: body bytes and the X-ClickHouse-Exception-Code header.
private final class ResponseSink {
    var body: [UInt8] = []
    var exceptionCode: String?

    func reset() {
        body.removeAll(keepingCapacity: body.capacity <= 1 << 20)
        exceptionCode = nil
    }
}

private let responseWriteCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, context in
    let n = size * count
    guard let context else { return 0 }
    guard n > 0, let data else { return n }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    sink.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: n))
    return n
}

private let responseHeaderCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, context in
    let n = size * count
    guard let context, let data, n > 0 else { return n }
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: n), as: UTF8.self)
    let prefix = "x-clickhouse-exception-code:"
    if line.count > prefix.count, line.lowercased().hasPrefix(prefix) {
        let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
        sink.exceptionCode = String(line.dropFirst(prefix.count)).trimmedWhitespace()
    }
    return n
}
