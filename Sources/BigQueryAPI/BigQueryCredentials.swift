import Foundation
import AsyncHTTPClient

/// Chooses where access tokens come from, as Google's client libraries do.
public enum BigQueryCredentials {
    /// `GOOGLE_OAUTH_ACCESS_TOKEN` → that token; `GOOGLE_APPLICATION_CREDENTIALS` → the file it
    /// names, a service-account key or `authorized_user` credentials (checked now: a malformed file is
    /// an error naming the file and the field); an endpoint override (`BIGQUERY_API_ENDPOINT`,
    /// `BIGQUERY_EMULATOR_HOST`) → no token; gcloud's application-default file when it exists
    /// (`CLOUDSDK_CONFIG` or `~/.config/gcloud/application_default_credentials.json`); else the
    /// metadata server (`GCE_METADATA_HOST` or `metadata.google.internal`). Tokens are cached.
    public static func provider(environment: [String: String], httpClient: HTTPClient) throws -> any AccessTokenProvider {
        if let token = nonEmpty(environment["GOOGLE_OAUTH_ACCESS_TOKEN"]) {
            return StaticTokenProvider(token: token)
        }
        if let path = nonEmpty(environment["GOOGLE_APPLICATION_CREDENTIALS"]) {
            return CachedTokenProvider(source: try GoogleCredentialsFile.provider(path: path, httpClient: httpClient))
        }
        if nonEmpty(environment["BIGQUERY_API_ENDPOINT"]) != nil || nonEmpty(environment["BIGQUERY_EMULATOR_HOST"]) != nil {
            return NoTokenProvider()
        }
        if let gcloud = GoogleCredentialsFile.gcloudDefaultPath(environment: environment), FileManager.default.fileExists(atPath: gcloud) {
            return CachedTokenProvider(source: try GoogleCredentialsFile.provider(path: gcloud, httpClient: httpClient))
        }
        let host = nonEmpty(environment["GCE_METADATA_HOST"]) ?? "metadata.google.internal"
        return CachedTokenProvider(source: MetadataServerTokenProvider(host: host, httpClient: httpClient))
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value = value?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }
}
