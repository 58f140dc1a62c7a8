import Foundation

/// The character encoding of a file source (`encoding:` on a `csv` or `ndjson` source). Files in
/// another encoding than UTF-8 are transcoded to UTF-8 as they are read; in UTF-8 files, a field that
/// is not valid UTF-8 is a bad record.
public enum SourceEncoding: Sendable, Equatable, CaseIterable {
    /// UTF-8, the default.
    case utf8
    /// ISO-8859-1: every byte is the code point of the same number.
    case latin1
    /// Windows-1252: Latin-1 with printable characters (`€`, `‘`, `—`, …) in 0x80–0x9F.
    case windows1252

    /// The name the manifest writes, as `sluice validate` lists it.
    public var manifestName: String {
        switch self {
        case .utf8: "utf-8"
        case .latin1: "latin1"
        case .windows1252: "windows-1252"
        }
    }

    /// Every name the manifest accepts for the encoding: its own name, then its aliases.
    public var manifestNames: [String] {
        switch self {
        case .utf8: ["utf-8"]
        case .latin1: ["latin1", "iso-8859-1"]
        case .windows1252: ["windows-1252", "cp1252"]
        }
    }

    /// The encoding a manifest name (or alias) means, in any letter case; nil for an unknown name.
    public init?(manifestName name: String) {
        let lowered = name.lowercased()
        guard let match = Self.allCases.first(where: { $0.manifestNames.contains(lowered) }) else { return nil }
        self = match
    }
}
