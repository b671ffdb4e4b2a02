import Foundation

/// Paths of the checkout and of what `make deps` / `make build` put in it, for tests.
public enum ProjectPaths {
    /// The repository root (the folder holding Package.swift).
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// The project-local dependency prefix made by `make deps`.
    public static var deps: URL { root.appendingPathComponent(".deps") }

    /// The tansu broker binary installed by `make deps`.
    public static var tansu: String {
        ProcessInfo.processInfo.environment["INFRASIGHT_TANSU"] ?? deps.appendingPathComponent("bin/tansu").path
    }

    /// Python of the project venv (chdb-core, confluent-kafka).
    public static var python: String { deps.appendingPathComponent("venv/bin/python").path }

    /// Folder with the compiled BPF objects (`make bpf`).
    public static var bpfObjects: String {
        ProcessInfo.processInfo.environment["INFRASIGHT_BPF_DIR"] ?? root.appendingPathComponent("bpf/build").path
    }

    /// The `infrasight` executable built next to the running test bundle (or INFRASIGHT_BIN).
    public static var infrasightBinary: String {
        if let bin = ProcessInfo.processInfo.environment["INFRASIGHT_BIN"] { return bin }
        // Test bundles live in the build products folder, beside the executable.
        let bundle = Bundle.main.bundleURL
        for dir in [bundle, bundle.deletingLastPathComponent()] {
            let candidate = dir.appendingPathComponent("infrasight").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return root.appendingPathComponent(".build/debug/infrasight").path
    }
}
