import InfraSightSink

/// The console's single way of turning a value into SQL text: `SQLLiteral` from InfraSightSink.
enum SQLText {
    static func string(_ s: String) -> String { SQLLiteral.string(s) }
    static func int(_ n: Int) -> String { SQLLiteral.int(n) }
}
