import Foundation

/// Key presses as the browser receives them from a keyboard: a keyDown (with the character it types,
/// so `keypress`, text input and default actions such as Enter on a link happen) then a keyUp, each
/// with `key`, `code` and the Windows virtual key code Chromium's event handling reads.
extension HeadlessChromium {
    public struct Key {
        public let key: String
        public let code: String
        public let keyCode: Int
        public let text: String?

        public static let tab = Key(key: "Tab", code: "Tab", keyCode: 9, text: nil)
        public static let enter = Key(key: "Enter", code: "Enter", keyCode: 13, text: "\r")
        public static let space = Key(key: " ", code: "Space", keyCode: 32, text: " ")
        public static let slash = Key(key: "/", code: "Slash", keyCode: 191, text: "/")

        /// A digit of the main row ("1" → Digit1) or a lower-case letter ("p" → KeyP).
        public static func character(_ c: Character) -> Key {
            if let digit = c.wholeNumberValue, c.isASCII {
                return Key(key: String(c), code: "Digit\(digit)", keyCode: 48 + digit, text: String(c))
            }
            precondition(c.isASCII && c.isLetter && c.isLowercase, "only digits and lower-case letters: \(c)")
            let upper = Character(c.uppercased())
            return Key(key: String(c), code: "Key\(upper)", keyCode: Int(upper.asciiValue!), text: String(c))
        }
    }

    /// Modifier bits of `Input.dispatchKeyEvent`.
    public struct Modifiers: OptionSet {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let alt = Modifiers(rawValue: 1)
        public static let ctrl = Modifiers(rawValue: 2)
        public static let meta = Modifiers(rawValue: 4)
        public static let shift = Modifiers(rawValue: 8)
    }

    /// Presses and releases `key`.
    public func press(_ key: Key, modifiers: Modifiers = []) throws {
        var down: [String: Any] = ["type": key.text == nil ? "rawKeyDown" : "keyDown", "key": key.key, "code": key.code,
                                   "windowsVirtualKeyCode": key.keyCode, "nativeVirtualKeyCode": key.keyCode,
                                   "modifiers": modifiers.rawValue]
        if let text = key.text, modifiers.isDisjoint(with: [.ctrl, .alt, .meta]) {
            down["text"] = text
            down["unmodifiedText"] = text
        }
        try page.send("Input.dispatchKeyEvent", down)
        try page.send("Input.dispatchKeyEvent", ["type": "keyUp", "key": key.key, "code": key.code,
                                                 "windowsVirtualKeyCode": key.keyCode, "nativeVirtualKeyCode": key.keyCode,
                                                 "modifiers": modifiers.rawValue])
    }

    /// Types `text` (digits and lower-case letters), one key press per character.
    public func type(_ text: String) throws {
        for c in text { try press(.character(c)) }
    }

    /// Presses Tab until `condition` (a JavaScript expression about `document.activeElement`) holds;
    /// returns how many presses it took, or throws after `limit` presses.
    @discardableResult
    public func tab(until condition: String, limit: Int = 60) throws -> Int {
        for n in 1...limit {
            try press(.tab)
            if try evaluate("(function () { const e = document.activeElement; return Boolean(\(condition)); })()") as? Bool == true {
                return n
            }
        }
        let focus = (try? string("document.activeElement ? document.activeElement.outerHTML.slice(0, 300) : 'none'")) ?? "?"
        throw TestSupportError("\(limit) Tab presses never focused an element where \(condition); focus is on \(focus)")
    }
}
