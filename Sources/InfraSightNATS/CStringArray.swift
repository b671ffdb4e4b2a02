import Foundation

/// C strings that live as long as a closure needs them (nats.c copies what it keeps).
func withCStrings<R>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>, Int32) throws -> R) rethrows -> R {
    let owned = strings.map { strdup($0) }
    defer { owned.forEach { free($0) } }
    var pointers: [UnsafePointer<CChar>?] = owned.map { UnsafePointer($0) }
    return try pointers.withUnsafeMutableBufferPointer { try body($0.baseAddress!, Int32($0.count)) }
}
