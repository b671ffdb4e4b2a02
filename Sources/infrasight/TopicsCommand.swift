import ArgumentParser
import Foundation
import InfraSightCore
import InfraSightKafka

/// `infrasight topics`: the topic catalog, and creating it on a cluster.
struct TopicsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics", abstract: "Create and inspect InfraSight's Kafka topics.",
        subcommands: [Create.self, List.self, Catalog.self])

    /// `topics create`: idempotently creates every catalog topic.
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create every topic of the catalog (existing ones are left as they are).")
        @OptionGroup var kafka: KafkaOptions
        @Option(name: .long, help: "Partitions of each probe topic: the most workers one group can use.") var partitions: Int32 = 6
        @Option(name: .long, help: "Replication factor.") var replicationFactor: Int16 = 1
        @Option(name: .long, help: "Keep retrying an unreachable broker for this many seconds.") var wait: Double = 60

        func run() throws {
            let config = try kafka.clientConfig(clientId: "infrasight-topics")
            let specs = TopicCatalog.all(partitions: partitions, replicationFactor: replicationFactor).map {
                KafkaTopicSpec(name: $0.name, partitions: $0.partitions, replicationFactor: $0.replicationFactor, config: $0.topicConfig)
            }
            let deadline = Date().addingTimeInterval(wait)
            var backoff = Backoff(initialMs: 500, maxMs: 5000)
            while true {
                do {
                    let outcomes = try KafkaAdmin.createTopics(specs, config: config)
                    for spec in specs {
                        print("\(spec.name): \(outcomes[spec.name] == .created ? "created" : "exists") (\(spec.partitions) partitions)")
                    }
                    return
                } catch {
                    guard Date() < deadline else {
                        throw ValidationError("could not create topics on \(config.brokers): \(error). Is the broker running and reachable?")
                    }
                    let delay = backoff.nextDelayMs()
                    FileHandle.standardError.write(Data("broker \(config.brokers) not ready (\(error)); retrying in \(Int(delay)) ms\n".utf8))
                    Thread.sleep(forTimeInterval: delay / 1000)
                }
            }
        }
    }

    /// `topics list`: what the cluster has.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the cluster's topics and partition counts.")
        @OptionGroup var kafka: KafkaOptions
        func run() throws {
            let topics = try KafkaAdmin.listTopics(config: try kafka.clientConfig(clientId: "infrasight-topics"))
            for (name, partitions) in topics.sorted(by: { $0.key < $1.key }) { print("\(name)\t\(partitions)") }
        }
    }

    /// `topics catalog`: the catalog as JSON (this is topics/catalog.json).
    struct Catalog: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the topic catalog as JSON.")
        func run() throws {
            print(TopicCatalogJSON.render())
        }
    }
}

/// Renders the catalog exactly as committed in topics/catalog.json.
enum TopicCatalogJSON {
    static func render() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = (try? encoder.encode(TopicCatalog.all())) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
