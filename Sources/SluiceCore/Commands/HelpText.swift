import Foundation

/// The text of `help`: every command with a one-line description and an example, or one command
/// explained. Mrkdwn lines, under Slack's section limit together.
public enum HelpText {
    /// Every command, one line each, after a heading; `commandName` is the configured slash command
    /// (`/sluice`). With a `topic` that is a command word, that command's usage, notes, examples and
    /// who may use it.
    public static func lines(commandName: String, topic: String? = nil) -> [String] {
        if let topic, let syntax = CommandSyntax.named(topic.lowercased()) {
            return lines(for: syntax, commandName: commandName)
        }
        var lines = ["*Sluice commands* (`\(commandName) help COMMAND` explains one):"]
        for syntax in CommandSyntax.all {
            var line = "• \(syntax.usage(commandName: commandName)) — \(syntax.summary)"
            if !syntax.example.isEmpty { line += " · e.g. \(syntax.exampleText(commandName: commandName))" }
            if syntax.operatorsOnly { line += " _(operators)_" }
            lines.append(line)
        }
        return lines
    }

    /// Usage and summary, notes, examples, and who may use it.
    private static func lines(for syntax: CommandSyntax, commandName: String) -> [String] {
        var lines = ["*\(syntax.usage(commandName: commandName))* — \(syntax.summary)"]
        lines += syntax.notes
        let examples = syntax.examples(commandName: commandName)
        lines.append((examples.count == 1 ? "Example: " : "Examples: ") + examples.joined(separator: " · "))
        lines.append(syntax.operatorsOnly
            ? "_Only operators (`access.operators` in the manifest) may use it._"
            : "_Anyone may use it._")
        return lines
    }
}
