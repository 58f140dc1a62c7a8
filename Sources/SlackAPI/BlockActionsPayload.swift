import Foundation

/// An interaction from `/slack/interactions` (the JSON in the form field `payload`): a
/// `block_actions` button press, or enough of a `view_submission` to identify it. Unknown fields are
/// ignored and optional fields of an unexpected type read as absent.
public struct BlockActionsPayload: Sendable, Equatable, Decodable {
    /// `block_actions`, `view_submission`, …
    public var type: String
    /// Who pressed the button.
    public var user: User
    /// The workspace (`T…`).
    public var teamID: String?
    /// The channel of the message holding the button (absent for App Home and modals).
    public var channel: Channel?
    /// The message holding the button (absent for ephemeral messages, App Home and modals).
    public var message: Message?
    /// Where the interaction happened (message, ephemeral message or view).
    public var container: Container?
    /// Where to send replies (at most 5 uses within 30 minutes).
    public var responseURL: String?
    /// Lets the app open a modal within 3 seconds.
    public var triggerID: String?
    /// The pressed elements (one for a button).
    public var actions: [Action]
    /// The view, for `view_submission` (and actions inside modals or App Home).
    public var view: View?

    /// The user who interacted.
    public struct User: Sendable, Equatable, Decodable {
        /// The user id (`U…`); the only field to base access decisions on.
        public var id: String
        /// Their handle, for display only.
        public var username: String?

        private enum CodingKeys: String, CodingKey { case id, username }

        /// Creates a user.
        public init(id: String, username: String? = nil) {
            self.id = id
            self.username = username
        }

        /// Decodes Slack's JSON.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            username = try? c.decodeIfPresent(String.self, forKey: .username)
        }
    }

    /// The channel holding the message.
    public struct Channel: Sendable, Equatable, Decodable {
        /// The channel id (`C…`, `G…`, `D…`).
        public var id: String
        /// Its name, for display only.
        public var name: String?

        private enum CodingKeys: String, CodingKey { case id, name }

        /// Creates a channel.
        public init(id: String, name: String? = nil) {
            self.id = id
            self.name = name
        }

        /// Decodes Slack's JSON.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            name = try? c.decodeIfPresent(String.self, forKey: .name)
        }
    }

    /// The message holding the button.
    public struct Message: Sendable, Equatable, Decodable {
        /// The message's timestamp (its id within the channel).
        public var ts: String
        /// Its thread, when it is a reply.
        public var threadTS: String?

        private enum CodingKeys: String, CodingKey { case ts, threadTS = "thread_ts" }

        /// Creates a message reference.
        public init(ts: String, threadTS: String? = nil) {
            self.ts = ts
            self.threadTS = threadTS
        }

        /// Decodes Slack's JSON.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            ts = try c.decode(String.self, forKey: .ts)
            threadTS = try? c.decodeIfPresent(String.self, forKey: .threadTS)
        }
    }

    /// One pressed element.
    public struct Action: Sendable, Equatable, Decodable {
        /// The element's `action_id` (`alert.ack`, …).
        public var actionID: String
        /// The button's `value`.
        public var value: String?
        /// The block holding the element.
        public var blockID: String?

        private enum CodingKeys: String, CodingKey { case actionID = "action_id", value, blockID = "block_id" }

        /// Creates an action.
        public init(actionID: String, value: String? = nil, blockID: String? = nil) {
            self.actionID = actionID
            self.value = value
            self.blockID = blockID
        }

        /// Decodes Slack's JSON.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            actionID = try c.decode(String.self, forKey: .actionID)
            value = try? c.decodeIfPresent(String.self, forKey: .value)
            blockID = try? c.decodeIfPresent(String.self, forKey: .blockID)
        }
    }

    /// Where the interaction happened.
    public struct Container: Sendable, Equatable, Decodable {
        /// `message`, `view`, …
        public var type: String?
        /// The message's timestamp.
        public var messageTS: String?
        /// The message's thread.
        public var threadTS: String?
        /// The message's channel.
        public var channelID: String?
        /// True for an ephemeral message (it cannot be edited with `chat.update`).
        public var isEphemeral: Bool?
        /// The view's id.
        public var viewID: String?

        private enum CodingKeys: String, CodingKey {
            case type, messageTS = "message_ts", threadTS = "thread_ts", channelID = "channel_id"
            case isEphemeral = "is_ephemeral", viewID = "view_id"
        }

        /// Creates a container.
        public init(
            type: String? = "message", messageTS: String? = nil, threadTS: String? = nil, channelID: String? = nil,
            isEphemeral: Bool? = nil, viewID: String? = nil
        ) {
            self.type = type
            self.messageTS = messageTS
            self.threadTS = threadTS
            self.channelID = channelID
            self.isEphemeral = isEphemeral
            self.viewID = viewID
        }

        /// Decodes Slack's JSON.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            type = try? c.decodeIfPresent(String.self, forKey: .type)
            messageTS = try? c.decodeIfPresent(String.self, forKey: .messageTS)
            threadTS = try? c.decodeIfPresent(String.self, forKey: .threadTS)
            channelID = try? c.decodeIfPresent(String.self, forKey: .channelID)
            isEphemeral = try? c.decodeIfPresent(Bool.self, forKey: .isEphemeral)
            viewID = try? c.decodeIfPresent(String.self, forKey: .viewID)
        }
    }

    /// A modal or App Home view.
    public struct View: Sendable, Equatable, Decodable {
        /// The view's id (`V…`).
        public var id: String?
        /// `modal` or `home`.
        public var type: String?
        /// What the app named the view when opening it.
        public var callbackID: String?
        /// What the app stored in the view when opening it.
        public var privateMetadata: String?

        private enum CodingKeys: String, CodingKey {
            case id, type, callbackID = "callback_id", privateMetadata = "private_metadata"
        }

        /// Creates a view.
        public init(id: String? = nil, type: String? = nil, callbackID: String? = nil, privateMetadata: String? = nil) {
            self.id = id
            self.type = type
            self.callbackID = callbackID
            self.privateMetadata = privateMetadata
        }

        /// Decodes Slack's JSON.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try? c.decodeIfPresent(String.self, forKey: .id)
            type = try? c.decodeIfPresent(String.self, forKey: .type)
            callbackID = try? c.decodeIfPresent(String.self, forKey: .callbackID)
            privateMetadata = try? c.decodeIfPresent(String.self, forKey: .privateMetadata)
        }
    }

    /// Creates a payload (the console REPL builds these without Slack).
    public init(
        type: String = "block_actions", user: User, teamID: String? = nil, channel: Channel? = nil,
        message: Message? = nil, container: Container? = nil, responseURL: String? = nil, triggerID: String? = nil,
        actions: [Action] = [], view: View? = nil
    ) {
        self.type = type
        self.user = user
        self.teamID = teamID
        self.channel = channel
        self.message = message
        self.container = container
        self.responseURL = responseURL
        self.triggerID = triggerID
        self.actions = actions
        self.view = view
    }

    private enum CodingKeys: String, CodingKey {
        case type, user, team, channel, message, container, responseURL = "response_url", triggerID = "trigger_id"
        case actions, view
    }

    private enum TeamKeys: String, CodingKey { case id }

    /// Decodes Slack's JSON; fails only without a string `type` and a `user.id`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(String.self, forKey: .type)
        user = try c.decode(User.self, forKey: .user)
        let team = try? c.nestedContainer(keyedBy: TeamKeys.self, forKey: .team)
        teamID = try? team?.decodeIfPresent(String.self, forKey: .id)
        channel = try? c.decodeIfPresent(Channel.self, forKey: .channel)
        message = try? c.decodeIfPresent(Message.self, forKey: .message)
        container = try? c.decodeIfPresent(Container.self, forKey: .container)
        responseURL = try? c.decodeIfPresent(String.self, forKey: .responseURL)
        triggerID = try? c.decodeIfPresent(String.self, forKey: .triggerID)
        actions = (try? c.decodeIfPresent([Action].self, forKey: .actions)) ?? []
        view = try? c.decodeIfPresent(View.self, forKey: .view)
    }

    /// Reads the raw `/slack/interactions` body: decodes the form, then the JSON in its `payload`
    /// field. Nil when either is missing or not an interaction.
    public static func decode(formBody: String) -> BlockActionsPayload? {
        guard let json = FormURLEncoded.decode(formBody)["payload"] else { return nil }
        return try? JSONDecoder().decode(BlockActionsPayload.self, from: Data(json.utf8))
    }
}
