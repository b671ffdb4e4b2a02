import Foundation

/// One query of a Grafana panel: the SQL the grafana-clickhouse-datasource plugin runs.
public struct GrafanaTarget {
    public let refId: String
    public let datasourceType: String?
    public let datasourceUID: String?
    public let editorType: String?
    public let queryType: String?
    public let rawSql: String
}

/// One panel of a dashboard (panels nested in rows are flattened).
public struct GrafanaPanel {
    public let id: Int?
    public let title: String
    public let type: String
    public let datasourceType: String?
    public let datasourceUID: String?
    public let targets: [GrafanaTarget]
}

/// One dashboard file of compose/grafana/dashboards: the JSON is the single source of every panel's SQL,
/// read by the deployment tests (shape, datasource) and the integration tests (the SQL on real events).
public struct GrafanaDashboard {
    public let file: String
    public let uid: String?
    public let title: String?
    public let panels: [GrafanaPanel]

    /// The provisioned dashboards folder.
    public static var directory: String { ProjectPaths.root.appendingPathComponent("compose/grafana/dashboards").path }

    /// Every `*.json` file of `directory`, sorted by name. Throws when a file is not a JSON object.
    public static func loadAll(directory: String = GrafanaDashboard.directory) throws -> [GrafanaDashboard] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        return try files.map { try load(file: (directory as NSString).appendingPathComponent($0)) }
    }

    public static func load(file: String) throws -> GrafanaDashboard {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestSupportError("\(file): not a JSON object")
        }
        func flatten(_ list: Any?) -> [[String: Any]] {
            ((list as? [Any]) ?? []).compactMap { $0 as? [String: Any] }.flatMap { p -> [[String: Any]] in
                (p["type"] as? String) == "row" ? flatten(p["panels"]) : [p]
            }
        }
        let panels = flatten(json["panels"]).map { p -> GrafanaPanel in
            let ds = p["datasource"] as? [String: Any]
            let targets = ((p["targets"] as? [Any]) ?? []).compactMap { $0 as? [String: Any] }.map { t -> GrafanaTarget in
                let tds = t["datasource"] as? [String: Any]
                return GrafanaTarget(refId: t["refId"] as? String ?? "", datasourceType: tds?["type"] as? String,
                                     datasourceUID: tds?["uid"] as? String, editorType: t["editorType"] as? String,
                                     queryType: t["queryType"] as? String, rawSql: t["rawSql"] as? String ?? "")
            }
            return GrafanaPanel(id: p["id"] as? Int, title: p["title"] as? String ?? "", type: p["type"] as? String ?? "",
                                datasourceType: ds?["type"] as? String, datasourceUID: ds?["uid"] as? String, targets: targets)
        }
        return GrafanaDashboard(file: (file as NSString).lastPathComponent, uid: json["uid"] as? String,
                                title: json["title"] as? String, panels: panels)
    }
}
