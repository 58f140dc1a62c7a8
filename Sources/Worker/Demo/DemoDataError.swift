import Foundation

/// Why demo data could not be written.
public struct DemoDataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What happened and what to do.
    public var message: String

    /// Creates an error.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
