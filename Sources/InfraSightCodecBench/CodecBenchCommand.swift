import ArgumentParser
import Foundation
import InfraSightAgent
import InfraSightClickHouse
import InfraSightCore
import InfraSightDetect
import InfraSightEnrich
import InfraSightSink

/// `infrasight-codec-bench`: runs one stage's per-event code path over recorded inputs, with no
/// kernel, broker or server, so `make bench` can count its instructions per event with callgrind
/// (a repeatable figure on a noisy machine). It is an executable of its own with a synchronous main:
/// valgrind 3.19 crashes in libdispatch's `dispatch_main`, which every async Swift main (such as
/// `infrasight`'s) runs on the main thread. Inputs are framed `[u32 little-endian length][bytes]`:
/// raw ring-buffer records for `--path agent` (decode + build + encode), enriched event messages for
/// `--path sink` (read + RowBinary row) and `--path enrich` (their `enriched` dropped first, outside
/// the loop, then what the worker does per message: read + default steps + output message) and
/// `--path detect` (read + every default rule of the event's probe, alerts built; positions as if the
/// records came from the 6 partitions of their events topic in runs of 64, as a consumer's fetches
/// hand them over).
/// Prints `events=N bytes=B`.
@main
struct CodecBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infrasight-codec-bench", abstract: "Run a stage's per-event path over recorded inputs (benchmarks).")

    enum Path: String, ExpressibleByArgument { case agent, sink, enrich, detect }

    @Option(name: .long, help: "agent (records -> event bytes), sink (event bytes -> RowBinary), enrich (raw event bytes -> enriched) or detect (enriched event bytes -> alerts).")
    var path: Path
    @Option(name: .long, help: "Framed input file.") var records: String
    @Option(name: .long, help: "Passes over the inputs.") var `repeat`: Int = 1

    func run() throws {
        let inputs = try Self.frames(of: records)
        guard !inputs.isEmpty else { throw ValidationError("\(records): no framed records") }
        var events = 0
        var bytes = 0
        switch path {
        case .agent:
            let identity = EventIdentity(bootID: "00000000-0000-4000-8000-000000000000", nodeName: "bench-node")
            let encoder = EventEncoder(host: "bench-node", identity: identity, users: UserNameCache(),
                                       containers: nil, clock: BootClock(),
                                       processes: ProcessCache(identity: identity))
            for _ in 0..<max(1, self.repeat) {
                for input in inputs {
                    guard let record = try? input.withUnsafeBytes({ try KernelRecordDecoder.decode($0) }) else { continue }
                    bytes &+= encoder.encode(record) { value, key in value.count &+ key.count }
                    events += 1
                }
            }
        case .sink:
            var writer = RowBinaryWriter(reservingCapacity: 1 << 20)
            for _ in 0..<max(1, self.repeat) {
                for input in inputs {
                    // The sink's per-event path: the message read in place, its row written from its bytes.
                    let encoded = input.withUnsafeBytes { raw -> Bool in
                        guard let event = try? EventView(validating: raw), let probe = event.probeKind else { return false }
                        EventTables.table(for: probe).encode(event, flavor: .legacy, into: &writer)
                        return true
                    }
                    guard encoded else { continue }
                    events += 1
                    if writer.count > 1 << 20 { bytes &+= writer.count; writer.reset() }
                }
            }
            bytes &+= writer.count
        case .enrich:
            // The worker's input is raw: drop what an earlier enrichment added (not measured per event).
            let raw: [[UInt8]] = inputs.compactMap { input in
                input.withUnsafeBytes { bytes in
                    guard let event = try? EventView(validating: bytes) else { return nil }
                    var writer = ProtobufWriter()
                    event.writeFields(into: &writer, omitting: 40)
                    return writer.bytes
                }
            }
            var options = EnrichmentOptions()
            options.servicesFile = nil
            let pipeline = try EnrichmentPipeline(names: EnrichmentPipeline.defaultNames, options: options)
            var fields = EnrichmentFields()
            var output = EnrichedMessageWriter()
            for _ in 0..<max(1, self.repeat) {
                for input in raw {
                    // The worker's per-message path: read in place, run the steps, build the output.
                    let produced = input.withUnsafeBytes { bytes -> Int in
                        guard let event = try? EventView(validating: bytes) else { return -1 }
                        fields.reset()
                        pipeline.apply(event, to: &fields)
                        return output.withMessage(for: event, enrichment: fields) { $0.count }
                    }
                    guard produced >= 0 else { continue }
                    bytes &+= produced
                    events += 1
                }
            }
        case .detect:
            let engine = DetectionEngine(book: try RuleBook(files: [], includeDefaults: true), detectedBy: "bench")
            var raised: [RaisedAlert] = []
            var offset: Int64 = 0
            let topics = Dictionary(uniqueKeysWithValues: Probe.allCases.map { ($0, $0.enrichedTopic) })   // the consumer's cached names
            for _ in 0..<max(1, self.repeat) {
                for input in inputs {
                    // The worker's per-message path: read in place, run the probe's rules, keep the alerts.
                    let alerts = input.withUnsafeBytes { bytes -> Int in
                        guard let event = try? EventView(validating: bytes), let probe = event.probeKind else { return -1 }
                        let position = InputPosition(topic: topics[probe]!, partition: Int32(offset / 64 % 6), offset: offset)
                        raised.removeAll(keepingCapacity: true)
                        engine.process(event, probe: probe, at: position, into: &raised)
                        return raised.count
                    }
                    offset += 1
                    guard alerts >= 0 else { continue }
                    bytes &+= alerts
                    events += 1
                }
            }
        }
        print("events=\(events) bytes=\(bytes)")
    }

    static func frames(of path: String) throws -> [[UInt8]] {
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var frames: [[UInt8]] = []
        var at = 0
        while at + 4 <= data.count {
            let length = Int(UInt32(data[at]) | UInt32(data[at + 1]) << 8 | UInt32(data[at + 2]) << 16 | UInt32(data[at + 3]) << 24)
            at += 4
            guard at + length <= data.count else { throw ValidationError("\(path): frame at \(at - 4) runs past the end") }
            frames.append(Array(data[at..<(at + length)]))
            at += length
        }
        return frames
    }
}
