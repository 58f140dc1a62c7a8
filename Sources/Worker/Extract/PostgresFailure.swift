import Foundation
import PostgresNIO

/// postgres-nio's errors in a pipeline owner's terms: what failed, where (host, port, database,
/// user), and what to check. The url's password is never part of a message: messages are built from
/// the endpoint's host, port, database and user, and from the server's own words.
enum PostgresFailure {
    /// When the error happened.
    enum Phase {
        /// Connecting: TCP, TLS, authentication.
        case connecting
        /// Starting the read of `subject` (`table public.orders`), from `watermark` when given.
        case starting(subject: String, watermark: String?)
        /// Reading `subject`, after `rows` rows arrived.
        case streaming(subject: String, rows: Int)
    }

    /// The `ExtractError` (code `unreadable`) for `error`; an `ExtractError` or a cancellation is
    /// returned as it is.
    static func describe(_ error: any Error, endpoint: PostgresEndpoint, phase: Phase) -> any Error {
        if error is ExtractError || error is CancellationError { return error }
        let place = endpoint.place
        guard let error = error as? PSQLError else {
            return ExtractError(.unreadable, "\(lead(phase, place)): \(error)")
        }
        if let server = error.serverInfo {
            return ExtractError(.unreadable, serverMessage(server, endpoint: endpoint, phase: phase))
        }
        switch error.code {
        case .sslUnsupported:
            return ExtractError(
                .unreadable,
                "could not connect to \(place): the server does not accept TLS connections (sslmode=\(endpoint.tls.rawValue)); "
                    + "turn ssl on in the server's configuration, or lower sslmode in the source's url")
        case .connectionError, .uncleanShutdown, .failedToAddSSLHandler:
            if case .connecting = phase {
                return ExtractError(.unreadable, "could not connect to \(place): \(connectionProblem(error.underlying, endpoint: endpoint))")
            }
            return ExtractError(
                .unreadable,
                "\(lead(phase, place)): the connection broke (\(connectionProblem(error.underlying, endpoint: endpoint))); "
                    + "check the server's log and the network between Sluice and it")
        case .serverClosedConnection, .clientClosedConnection:
            return ExtractError(
                .unreadable,
                "\(lead(phase, place)): the server closed the connection; check the server's log (was it restarted, or the "
                    + "session terminated?)")
        case .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError:
            return ExtractError(
                .unreadable,
                "could not connect to \(place): authentication failed (\(error.code)); check the user and password in the "
                    + "source's url and the server's pg_hba.conf (password and scram-sha-256 are supported)")
        case .queryCancelled:
            return ExtractError(.unreadable, "\(lead(phase, place)): the query was cancelled")
        default:
            return ExtractError(.unreadable, "\(lead(phase, place)): \(error.code)")
        }
    }

    /// "could not connect to …", "reading table t from … failed", "reading … failed after N rows".
    private static func lead(_ phase: Phase, _ place: String) -> String {
        switch phase {
        case .connecting: "could not connect to \(place)"
        case let .starting(subject, _): "reading \(subject) from \(place) failed"
        case let .streaming(subject, rows): "reading \(subject) from \(place) failed after \(rows) \(rows == 1 ? "row" : "rows")"
        }
    }

    /// A server error (`ErrorResponse`) by its SQLSTATE: authentication, a missing database or
    /// relation, a syntax error, a watermark the cursor's type cannot read, anything else as the
    /// server said it, with its hint.
    private static func serverMessage(_ server: PSQLError.ServerInfo, endpoint: PostgresEndpoint, phase: Phase) -> String {
        let state = server[.sqlState] ?? ""
        var said = server[.message] ?? "an error without a message"
        if let detail = server[.detail], !detail.isEmpty { said += " (\(detail))" }
        if let hint = server[.hint], !hint.isEmpty { said += "; hint: \(hint)" }
        let place = endpoint.place
        switch state {
        case "28P01", "28000":
            return "could not connect to \(place): \(said); check the user and password in the source's url "
                + "(and the server's pg_hba.conf)"
        case "3D000":
            return "could not connect to \(place): \(said); check the database in the source's url"
        case "57P03", "53300":
            return "could not connect to \(place): \(said); try again later, or check the server"
        default:
            break
        }
        let lead = lead(phase, place)
        switch (state, phase) {
        case ("42P01", _), ("3F000", _):
            return "\(lead): \(said); check the table or query of the source in the manifest, and that user "
                + "\(endpoint.user) may see it"
        case ("42501", _):
            return "\(lead): \(said); grant user \(endpoint.user) SELECT on it, or use another user in the source's url"
        case ("42601", _), ("42703", _), ("42883", _), ("42804", _), ("42803", _), ("42702", _):
            return "\(lead): \(said); check the source's query (or cursor) in the manifest"
        case let (state, .starting(_, watermark?)) where state.hasPrefix("22"):
            return "\(lead): the stored watermark '\(watermark)' does not read as a value of the cursor column's type: "
                + "\(said); run the pipeline with --full-refresh to read everything again"
        default:
            return "\(lead): \(said)"
        }
    }

    /// Why a connection could not be made or broke: refused, the host unknown, no answer in time, TLS.
    private static func connectionProblem(_ underlying: (any Error)?, endpoint: PostgresEndpoint) -> String {
        guard let underlying else { return "the connection failed" }
        let check = "check the host and port in the source's url and that the server is running"
        if let failure = underlying as? NIOConnectionError {
            if let first = failure.connectionErrors.first {
                return connectionProblem(first.error, endpoint: endpoint)
            }
            if failure.dnsAError != nil || failure.dnsAAAAError != nil {
                return "the host name \(endpoint.host) could not be resolved; check the host in the source's url"
            }
            return "no address to connect to; \(check)"
        }
        if let io = underlying as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return "connection refused; \(check)"
            case ECONNRESET: return "connection reset by the server"
            case EHOSTUNREACH, ENETUNREACH: return "the host is unreachable; \(check)"
            case ETIMEDOUT: return "no answer in time; \(check)"
            default: return "\(io); \(check)"
            }
        }
        if let channel = underlying as? ChannelError, case .connectTimeout = channel {
            return "no answer within \(PostgresEndpoint.connectTimeoutSeconds) s; \(check), and that no firewall drops the connection"
        }
        if underlying is NIOSSLError || underlying is BoringSSLError || underlying is NIOSSLExtraError {
            return "the TLS handshake failed (\(underlying)); check the server's certificate and the sslmode "
                + "(and sslrootcert) in the source's url"
        }
        if let nested = underlying as? PSQLError {
            return connectionProblem(nested.underlying, endpoint: endpoint)
        }
        return "\(underlying); \(check)"
    }
}
