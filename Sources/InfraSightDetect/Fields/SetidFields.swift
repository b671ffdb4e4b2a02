import InfraSightCore

/// The `setid.new_*` fields: which requested id a set*id record carries for a uid or gid position.
///
/// Why: the contract keeps one requested triple (`new_real`, `new_effective`, `new_saved`) whose ids are
/// uids for set*uid and gids for set*gid; rules name `setid.new_uid`, `setid.new_egid`, ... instead.
/// setuid(id) / setgid(id) always set the effective id (and real and saved when privileged), so their
/// one argument reads as both the real and the effective id asked for.
enum SetidFields {
    enum Family { case uid, gid }
    enum Position { case real, effective, saved }

    /// The id asked for: -1 when the call leaves it (or the other family) unchanged; nil for other probes.
    static func requested(_ facts: EventFacts, _ family: Family, _ position: Position) -> Int64? {
        guard facts.probe == .setid else { return nil }
        let s = facts.event.setid
        let call = s.syscall
        let isUidCall = ByteText.equals(call, "setuid") || ByteText.equals(call, "setreuid") || ByteText.equals(call, "setresuid")
        let isGidCall = ByteText.equals(call, "setgid") || ByteText.equals(call, "setregid") || ByteText.equals(call, "setresgid")
        guard family == .uid ? isUidCall : isGidCall else { return -1 }
        let single = ByteText.equals(call, "setuid") || ByteText.equals(call, "setgid")
        switch position {
        case .real: return s.newReal
        case .effective: return single ? s.newReal : s.newEffective
        case .saved: return s.newSaved
        }
    }
}
