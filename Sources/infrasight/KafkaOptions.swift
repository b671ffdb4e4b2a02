import ArgumentParser
import Foundation
import InfraSightKafka

/// `--brokers` (env INFRASIGHT_BROKERS) and pass-through librdkafka settings.
struct KafkaOptions: ParsableArguments {
    @Option(name: .long, help: "Kafka bootstrap brokers, HOST:PORT[,…] (env INFRASIGHT_BROKERS).")
    var brokers: String?

    @Option(name: .customLong("kafka-option"),
            help: "librdkafka setting KEY=VALUE, repeatable (TLS, SASL, tuning). Env INFRASIGHT_KAFKA_OPTIONS: comma-separated KEY=VALUE.")
    var kafkaOptions: [String] = []

    func clientConfig(clientId: String) throws -> KafkaClientConfig {
        let env = ProcessInfo.processInfo.environment
        guard let brokers = brokers ?? env["INFRASIGHT_BROKERS"], !brokers.isEmpty else {
            throw ValidationError("no Kafka brokers: pass --brokers HOST:PORT or set INFRASIGHT_BROKERS")
        }
        var options: [String: String] = [:]
        let fromEnv = (env["INFRASIGHT_KAFKA_OPTIONS"] ?? "").split(separator: ",").map(String.init)
        for item in fromEnv + kafkaOptions {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw ValidationError("--kafka-option expects KEY=VALUE, got \"\(item)\"")
            }
            options[String(item[..<eq]).trimmingCharacters(in: .whitespaces)] = String(item[item.index(after: eq)...])
        }
        // Secrets from the environment or files, never from argv.
        if let password = env["INFRASIGHT_KAFKA_SASL_PASSWORD"] { options["sasl.password"] = password }
        if let file = env["INFRASIGHT_KAFKA_SASL_PASSWORD_FILE"] {
            options["sasl.password"] = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return KafkaClientConfig(brokers: brokers, clientId: clientId, options: options)
    }
}
