import Foundation

/// An OAuth access token and the moment it stops being valid. Its description never shows the token.
public struct AccessToken: Sendable, CustomStringConvertible {
    /// The bearer token itself.
    public var value: String
    /// When Google stops accepting the token.
    public var expiresAt: Date

    /// Creates a token that expires at `expiresAt`.
    public init(value: String, expiresAt: Date) {
        self.value = value
        self.expiresAt = expiresAt
    }

    /// `access token (redacted), expires …`.
    public var description: String {
        "access token (redacted), expires \(expiresAt)"
    }
}
