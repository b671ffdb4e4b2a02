import Foundation

/// Names this process for stats and logs: `<hostname>:<pid>`.
public enum InstanceIdentity {
    public static var hostName: String {
        if let n = ProcessInfo.processInfo.environment["INFRASIGHT_NODE_NAME"], !n.isEmpty { return n }
        return ProcessInfo.processInfo.hostName
    }

    public static var instance: String { "\(hostName):\(getpid())" }
}
