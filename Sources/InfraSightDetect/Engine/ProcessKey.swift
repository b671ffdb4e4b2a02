/// One process across its events: the node and the pid (a pid keeps its events' key through execve,
/// which is also the bus key `<host>/<pid>`, so every event of it reaches the same worker).
struct ProcessKey: Hashable {
    var host: String
    var pid: UInt32
}

/// One event kept in a stateful rule's memory of a process.
struct HeldEvent {
    var step: Int
    var timeNs: UInt64
    var eventID: String
    /// The `same:` fields' values (sequences), to check that every step names the same thing.
    var same: [String]
    var position: InputPosition
}
