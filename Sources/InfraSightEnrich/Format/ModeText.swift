/// File permission bits as text: four octal digits, a space and the `ls -l` style permission
/// string, e.g. `0644 rw-r--r--`, `4755 rwsr-xr-x`, `2644 rw-r-Sr--`, `1777 rwxrwxrwt`.
///
/// setuid/setgid replace the owner/group execute letter with `s` (execute also set) or `S` (not);
/// the sticky bit replaces the others' execute letter with `t` or `T`. Only the low 12 bits
/// (`07777`) are shown: file-type bits are ignored, as `chmod` and `open` ignore them.
/// All 4096 strings are precomputed (each fits Swift's inline small-string storage), so
/// formatting neither computes nor allocates.
public enum ModeText {
    static let table: [String] = (0..<4096).map { make(UInt32($0)) }

    /// `mode & 07777` as text.
    @inline(__always)
    public static func text(_ mode: UInt32) -> String { table[Int(mode & 0o7777)] }

    static func make(_ mode: UInt32) -> String {
        let octal = String(mode, radix: 8)
        var out = String(repeating: "0", count: 4 - octal.count) + octal + " "
        func bit(_ b: UInt32, _ c: Character) -> Character { mode & b != 0 ? c : "-" }
        func exec(_ x: UInt32, _ special: UInt32, _ on: Character, _ off: Character) -> Character {
            switch (mode & x != 0, mode & special != 0) {
            case (true, true): return on
            case (false, true): return off
            case (true, false): return "x"
            case (false, false): return "-"
            }
        }
        out.append(bit(0o400, "r")); out.append(bit(0o200, "w")); out.append(exec(0o100, 0o4000, "s", "S"))
        out.append(bit(0o040, "r")); out.append(bit(0o020, "w")); out.append(exec(0o010, 0o2000, "s", "S"))
        out.append(bit(0o004, "r")); out.append(bit(0o002, "w")); out.append(exec(0o001, 0o1000, "t", "T"))
        return out
    }
}
