import Foundation
import Yams

/// Turns manifest YAML into a validated `Manifest`, or into every problem found, each with the line and
/// column of the offending key or value. Pure: the only file access is reading model SQL through the
/// caller's `readFile`.
public enum ManifestParser {
    /// Top-level keys of the manifest.
    static let rootKeys = ["timezone", "warehouse", "cost", "slack", "access", "backfill", "pipelines"]

    /// Parses and validates YAML text.
    ///
    /// - Parameters:
    ///   - yaml: The manifest's text.
    ///   - file: The manifest's name, used in diagnostics and kept in `Manifest.file`.
    ///   - baseDirectory: The directory relative paths resolve against, kept in `Manifest.baseDirectory`.
    ///   - environment: The variables `${VAR}` and `${VAR:-default}` take their values from.
    ///   - readFile: Returns the contents of a model SQL file (the path as written in the manifest; the
    ///     caller resolves it against `baseDirectory`), or nil when it does not exist.
    /// - Returns: The manifest, or every problem found, sorted by position. When `slack.default_channel` is
    ///   omitted (allowed only when every pipeline and the digest name their own channel), the default
    ///   channel is the first pipeline's channel.
    public static func parse(
        yaml: String, file: String, baseDirectory: String, environment: [String: String] = [:],
        readFile: (String) -> String?
    ) -> Result<Manifest, ManifestErrors> {
        let reader = YAMLReader(file: file)
        if let problem = ManifestLimits.sizeProblem(byteCount: yaml.utf8.count) {
            reader.report(problem, at: nil)
            return .failure(ManifestErrors(diagnostics: reader.diagnostics))
        }
        let composed: Node?
        do {
            composed = try Yams.compose(yaml: yaml)
        } catch {
            reportSyntaxError(error, yaml: yaml, reader: reader)
            return .failure(ManifestErrors(diagnostics: reader.diagnostics))
        }
        guard let root = composed else {
            reader.report("the manifest is empty; it needs at least 'timezone' and 'pipelines'", at: nil)
            return .failure(ManifestErrors(diagnostics: reader.diagnostics))
        }
        guard ManifestLimits.check(root, reader: reader) else {
            return .failure(ManifestErrors(diagnostics: reader.diagnostics))
        }
        var interpolation = EnvironmentInterpolation(environment: environment, reader: reader)
        let filled = yaml.contains("${") ? interpolation.fill(root) : root
        let secrets = ManifestSecrets(interpolation.secrets)
        guard let mapping = reader.mapping(filled, what: "the manifest", allowed: rootKeys) else {
            return .failure(redacted(reader.diagnostics, secrets))
        }

        let timeZone = ManifestSettingsReader.timeZone(reader, mapping)
        let warehouse = ManifestSettingsReader.warehouse(reader, mapping)
        let cost = ManifestSettingsReader.cost(reader, mapping)
        let slack = ManifestSettingsReader.slack(reader, mapping)
        let access = ManifestSettingsReader.access(reader, mapping)
        let backfill = ManifestSettingsReader.backfill(reader, mapping)
        let drafts = ManifestPipelineReader.pipelines(reader, mapping, readFile: readFile)
        let pipelines = ManifestCrossReferences.resolve(reader, drafts, slack: slack)

        guard reader.diagnostics.isEmpty, let timeZone else {
            return .failure(redacted(reader.diagnostics, secrets))
        }
        let defaultChannel = slack.defaultChannel ?? pipelines.compactMap(\.channel).first ?? ""
        return .success(
            Manifest(
                file: file, baseDirectory: baseDirectory, timeZone: timeZone, warehouse: warehouse, cost: cost,
                slack: SlackConfig(defaultChannel: defaultChannel, digest: slack.digest, escalateAfter: slack.escalateAfter),
                access: access, backfill: backfill, pipelines: pipelines, locations: locations(of: drafts),
                secrets: secrets
            )
        )
    }

    /// Problems as reported, without the values taken from the environment (a message that quotes a
    /// value, `got '…'`, would otherwise print a secret).
    private static func redacted(_ diagnostics: [ManifestDiagnostic], _ secrets: ManifestSecrets) -> ManifestErrors {
        ManifestErrors(diagnostics: diagnostics.map { diagnostic in
            var diagnostic = diagnostic
            diagnostic.message = Secrets.redact(diagnostic.message, values: secrets)
            return diagnostic
        })
    }

    /// Where each check of each pipeline was written, by pipeline and check name.
    private static func locations(of drafts: [ManifestPipelineDraft]) -> ManifestLocations {
        var checks: [String: [String: CheckLocation]] = [:]
        for draft in drafts {
            for check in draft.checks {
                guard let name = check.name, let location = check.location else { continue }
                checks[draft.name, default: [:]][name] = location
            }
        }
        return ManifestLocations(checks: checks)
    }

    /// Reports a YAML syntax error as one diagnostic at the position Yams gives.
    private static func reportSyntaxError(_ error: any Error, yaml: String, reader: YAMLReader) {
        guard let error = error as? YamlError else {
            reader.report("the manifest is not valid YAML: \(error)", at: nil)
            return
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
            let .composer(context, problem, mark, _):
            if problem.hasPrefix("Maximum nesting level reached") {
                reader.report("the manifest nests lists and mappings more than 1,000 levels deep; a manifest needs fewer than 10", at: mark)
                return
            }
            let during = context.map { " (\($0.text), which started at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            reader.report("invalid YAML: \(problem)\(during)", at: mark)
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = YAMLReader.alternatives(duplicates, quoted: true)
            reader.report("duplicate key \(keys) in the same mapping; each key may appear only once", at: context.mark)
        case let .reader(problem, offset, _, _):
            let (line, column) = position(atOffset: offset ?? 0, in: yaml)
            reader.report("the manifest cannot be read as text: \(problem)", line: line, column: column)
        default:
            reader.report("the manifest is not valid YAML: \(error)", at: nil)
        }
    }

    /// The line and column of a character offset in `text`.
    private static func position(atOffset offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character.isNewline {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }
}
