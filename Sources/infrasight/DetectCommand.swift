import ArgumentParser
import Foundation
import InfraSightCore
import InfraSightDetect
import ServiceLifecycle

/// `infrasight detect`: a consumer-group worker that runs the rules over enriched events and raises alerts.
struct DetectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Consume infrasight.events.*, run the detection rules, produce alerts to infrasight.alerts.",
        discussion: """
        Rules are the built-in defaults (--print-default-rules) plus each --rules file in order; a later \
        file overrides a rule, macro or list of the same name, or appends to it (append: true), or turns \
        it off (enabled: false). SIGHUP or a change of a rules file reloads them; an invalid file is \
        refused at start with its file, line and field, and on reload the rules in force stay. \
        --check only reads the rules and reports.
        """)

    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Consumer group; workers in one group split the partitions (co-partitioned: one process's events meet in one worker).")
    var group: String = "infrasight-detect"

    @Option(name: .long, help: ArgumentHelp("Rules file (YAML, Falco's shape), repeatable; read after the built-in rules.", valueName: "file"),
            completion: .file())
    var rules: [String] = []

    @Flag(name: .long, help: "Leave out the built-in rules (only --rules files).")
    var noDefaultRules = false

    @Option(name: .long, help: "Lateness bound: how late (event time) an event may arrive and still take part in sequences and thresholds, e.g. 5s.")
    var lateness: String = "5s"

    @Option(name: .long, help: "Where alerts are written as JSON lines once acknowledged: stdout, stderr, off, or a file path.")
    var alertLog: String = "stdout"

    @Option(name: .long, help: "POST every alert as JSON to this http(s) URL (retried with backoff; a full queue drops and counts).")
    var webhook: String?

    @Option(name: .long, help: "Alerts queued for the webhook before new ones are dropped (counted as dropped{webhook-queue-full}).")
    var webhookQueue: Int = 1_000

    @Option(name: .long, help: "Seconds between checks of the rules files for a change (0: SIGHUP only).")
    var rulesPoll: Double = 2

    @Option(name: .long, help: "Unacknowledged messages before consumption pauses.")
    var maxInFlight: Int = 8_000

    @Flag(name: .long, help: "Read and check the rules, print a summary, and exit (non-zero on an error).")
    var check = false

    @Flag(name: .long, help: "Print the built-in rules (YAML) and exit.")
    var printDefaultRules = false

    @Flag(name: .long, help: "Print the fields rule conditions and outputs can use, and exit.")
    var listFields = false

    func run() async throws {
        if printDefaultRules {
            print(DefaultRules.yaml)
            return
        }
        if listFields {
            for f in EventFields.all { print("\(f.name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(f.help)") }
            return
        }
        let book: RuleBook
        do {
            book = try RuleBook(files: rules, includeDefaults: !noDefaultRules)
        } catch {
            throw ValidationError("rules refused: \(error)")
        }
        if check {
            print("\(book.rules.count) rules: \(book.rules.filter(\.isStateful).count) stateful; \(book.rules.map(\.name).joined(separator: "; "))")
            return
        }
        LogSetup.bootstrap(level: common.logLevel)
        let logger = LogSetup.logger("detect")
        var config = DetectConfig(kafka: try kafka.clientConfig(clientId: "infrasight-detect"))
        config.group = group
        config.ruleFiles = rules
        config.defaultRules = !noDefaultRules
        guard let latenessNs = RuleDuration.nanoseconds(lateness) else {
            throw ValidationError("--lateness must be a duration like 500ms, 5s or 1m, not '\(lateness)'")
        }
        config.latenessNs = latenessNs
        config.alertLog = alertLog
        config.webhookURL = webhook
        config.webhookQueue = webhookQueue
        config.rulesPollSeconds = rulesPoll
        config.maxInFlight = maxInFlight
        config.statsIntervalSeconds = common.statsInterval
        let counters = StageCounters(stage: "detect")
        var companions: [any Service] = []
        var notifier: WebhookNotifier?
        if let webhook {
            notifier = try WebhookNotifier(url: webhook, capacity: webhookQueue, counters: counters, logger: logger)
            companions.append(notifier!)
        }
        let stage = try DetectStage(config: config, book: book, counters: counters, logger: logger, webhook: notifier)
        try await StageRunner.run(stage, counters: stage.counters, common: common, largeBlocks: .pooled, logger: logger,
                                  companions: companions)
    }
}
