import Foundation

/// Decodes a runtime's answer about one container into `ContainerMetadata`.
///
/// - Docker Engine API and podman's Docker-compatible API, `GET /containers/<id>/json`:
///   `{"Name": "/web", "Config": {"Image": "nginx:1.27", "Labels": {…}}, "Image": "sha256:…"}`.
///   `Config.Image` is what the user asked for; the top-level `Image` (an image id) is the fallback.
/// - CRI-O's inspect endpoint, `GET /containers/<id>`:
///   `{"name": "k8s_…", "image": "…", "image_ref": "…", "labels": {…}, "annotations": {…}, …}`.
///
/// - containerd's `Containers/Get` (`ContainerdContainersClient`), a protobuf `Container`: `id`, `labels`
///   and `image` (a reference such as `docker.io/library/nginx:1.27`). The record has no name: it comes
///   from the labels, `io.kubernetes.container.name` (Kubernetes, see `ContainerMetadata`), `nerdctl/name`
///   (nerdctl), or `<project>-<service>-<number>` from the `com.docker.compose.*` labels.
///
/// Unknown fields are ignored; missing fields become empty strings. Not a JSON object → nil.
public enum RuntimeInspectDecoder {
    /// The metadata in a Docker-API container inspect document.
    public static func dockerAPI(_ body: [UInt8]) -> ContainerMetadata? {
        guard let object = jsonObject(body) else { return nil }
        let config = object["Config"] as? [String: Any] ?? [:]
        var image = config["Image"] as? String ?? ""
        if image.isEmpty { image = object["Image"] as? String ?? "" }
        return ContainerMetadata(name: object["Name"] as? String ?? "", image: image,
                                 labels: stringMap(config["Labels"]))
    }

    /// The metadata in a CRI-O container inspect document.
    public static func crio(_ body: [UInt8]) -> ContainerMetadata? {
        guard let object = jsonObject(body) else { return nil }
        var image = object["image"] as? String ?? ""
        if image.isEmpty { image = object["image_ref"] as? String ?? "" }
        return ContainerMetadata(name: object["name"] as? String ?? "", image: image,
                                 labels: stringMap(object["labels"]))
    }

    /// The metadata in a containerd container record.
    static func containerd(_ container: Containerd_Services_Containers_V1_Container) -> ContainerMetadata {
        let labels = container.labels
        var name = labels["nerdctl/name"] ?? ""
        if name.isEmpty, let project = labels["com.docker.compose.project"], let service = labels["com.docker.compose.service"] {
            name = "\(project)-\(service)-\(labels["com.docker.compose.container-number"] ?? "1")"
        }
        return ContainerMetadata(name: name, image: container.image, labels: labels)
    }

    private static func jsonObject(_ body: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    private static func stringMap(_ value: Any?) -> [String: String] {
        guard let map = value as? [String: Any] else { return [:] }
        var out: [String: String] = [:]
        for (k, v) in map { if let s = v as? String { out[k] = s } }
        return out
    }
}
