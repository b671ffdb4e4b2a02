/// The TCP peer of a console request, and the server port it reached: what `BrowserProcessTree` needs
/// to find the local process on the other end of a loopback connection.
public struct ConsolePeer: Sendable, Hashable {
    /// The client's address, as text (`127.0.0.1`, `::1`, `::ffff:127.0.0.1`).
    public var ip: String
    public var port: Int
    /// The console's own port of this connection.
    public var serverPort: Int

    public init(ip: String, port: Int, serverPort: Int) {
        self.ip = ip; self.port = port; self.serverPort = serverPort
    }

    /// A client on this machine's loopback: the only case where its process can be looked up here.
    public var isLoopback: Bool {
        ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}
