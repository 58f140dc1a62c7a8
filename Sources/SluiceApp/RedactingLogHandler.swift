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

    /// Wraps `handler`.
    public init(_ handler: any LogHandler) {
        wrapped = handler
    }

    public var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        let secrets = Self.values.withLock { $0 }
        var event = event
        event.message = "\(Secrets.redact(event.message.description, values: secrets))"
        event.metadata = event.metadata.map { metadata in metadata.mapValues { Self.redact($0, secrets) } }
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
