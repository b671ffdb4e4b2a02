import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The name this node reports itself under.
///
/// In order: `INFRASIGHT_NODE_NAME` (explicit override), `NODE_NAME` (Kubernetes downward API,
/// `spec.nodeName`, which in a pod differs from the pod's own hostname), then the kernel's
/// nodename (`uname -n`, which on the host network namespace is the host's name). Values are
/// trimmed; empty ones are skipped. Falls back to `"unknown"` if even uname has none.
public enum NodeName {
    /// Environment variable checked first.
    public static let overrideVariable = "INFRASIGHT_NODE_NAME"
    /// Environment variable set through the Kubernetes downward API.
    public static let kubernetesVariable = "NODE_NAME"

    /// The node name according to `environment`, else uname.
    public static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        for variable in [overrideVariable, kubernetesVariable] {
            if let value = environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty {
                return value
            }
        }
        let kernelName = unameNodeName()
        return kernelName.isEmpty ? "unknown" : kernelName
    }

    /// `uname(2)`'s nodename field.
    public static func unameNodeName() -> String {
        var info = utsname()
        guard uname(&info) == 0 else { return "" }
        return withUnsafeBytes(of: &info.nodename) { raw in
            let bytes = raw.prefix(while: { $0 != 0 })
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
