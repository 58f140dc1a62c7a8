import Foundation

/// Why a source could not be extracted, in terms a pipeline owner can act on.
public struct ExtractError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable, Equatable {
        /// A file named by the manifest does not exist or is a directory, or a pattern matches nothing.
        case missingFile
        /// A header (or query result) lacks a declared column, or names a column twice.
        case badHeader
        /// More rows failed to fit the load's columns than `max_bad_records` allows.
        case tooManyBadRecords
        /// A quoted CSV field is still open after the load's `max_field_size` bytes: a quote is almost
        /// certainly never closed, and reading on would swallow the rows after it.
        case unclosedQuote
        /// A file or database could not be opened or read, or a query failed.
        case unreadable
    }

    /// The kind of failure.
    public var code: Code
    /// What happened and what to do.
    public var message: String

    /// Creates an extraction error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
