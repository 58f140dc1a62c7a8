import Logging
import SluiceCore
import Synchronization

/// A log handler that passes every message and metadata value through `Secrets.redact` (tokens and keys
/// by pattern, and the values the manifest took from the environment) before the handler it wraps
/// writes it: no log line carries a secret, whatever the code that logged it put in.
public struct RedactingLogHandler: LogHandler {
    private var wrapped: any LogHandler

    /// The manifest values every handler redacts; the composition root sets them when the manifest is
    /// loaded (before anything is logged about its sources).
    public static let values = Mutex(ManifestSecrets())

    /// The logger's own metadata, kept here rather than in the wrapped handler: merged into each
    /// event as it is logged, so it is redacted like the event's, and setting it (Hummingbird sets a
    /// request id on every request) costs a dictionary write, not the wrapped handler re-rendering
    /// all of its metadata.
    private var ownMetadata: Logger.Metadata

    /// Wraps `handler`.
    public init(_ handler: any LogHandler) {
        wrapped = handler
        ownMetadata = handler.metadata
        wrapped.metadata = [:]
    }

    public var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { ownMetadata }
        set { ownMetadata = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { ownMetadata[key] }
        set { ownMetadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let secrets = Self.values.withLock { $0 }
        var event = event
        event.message = "\(Secrets.redact(event.message.description, values: secrets))"
        // The event's own metadata wins over the logger's, as swift-log merges them.
        let merged = ownMetadata.merging(event.metadata ?? [:]) { $1 }
        event.metadata = merged.isEmpty ? nil : merged.mapValues { Self.redact($0, secrets) }
        wrapped.log(event: event)
    }

    private static func redact(_ value: Logger.MetadataValue, _ secrets: ManifestSecrets) -> Logger.MetadataValue {
        switch value {
        case let .string(text): .string(Secrets.redact(text, values: secrets))
        case let .stringConvertible(convertible): .string(Secrets.redact(convertible.description, values: secrets))
        case let .array(items): .array(items.map { redact($0, secrets) })
        case let .dictionary(entries): .dictionary(entries.mapValues { redact($0, secrets) })
        }
    }
}
