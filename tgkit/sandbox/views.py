"""Turn world records into the TL objects one account sees.

What an account sees depends on who it is: its own access hashes, whether it
is a member, whether a message is its own (``out``), its own phone number.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from telethon.tl import types
from telethon.tl.tlobject import TLObject

from tgkit.sandbox.access import AccessHashes
from tgkit.sandbox.model import Chat, ChatKind, Entity, Forward, Message, Status, User
from tgkit.sandbox.tlcompat import Encoded, build

__all__ = ["MessageCache", "UserCache", "Viewer"]

_ADMIN_RIGHTS = types.ChatAdminRights(
    change_info=True, delete_messages=True, ban_users=True, invite_users=True,
    pin_messages=True, manage_call=True, other=True,
)
_CREATOR_RIGHTS = types.ChatAdminRights(
    change_info=True, post_messages=True, edit_messages=True, delete_messages=True,
    ban_users=True, invite_users=True, pin_messages=True, add_admins=True,
    manage_call=True, other=True,
)


class Viewer:
    """Renders users, chats and messages as account ``viewer_id`` sees them."""

    __slots__ = ("hashes", "now", "viewer_id")

    def __init__(self, viewer_id: int, hashes: AccessHashes, now: datetime) -> None:
        self.viewer_id = viewer_id
        self.hashes = hashes
        self.now = now

    def user(self, user: User) -> types.User:
        is_self = user.id == self.viewer_id
        if user.deleted:
            return types.User(
                id=user.id, deleted=True, access_hash=self.hashes.of(self.viewer_id, user.id),
            )
        return types.User(
            id=user.id,
            is_self=is_self or None,
            bot=user.bot or None,
            premium=user.premium or None,
            access_hash=self.hashes.of(self.viewer_id, user.id),
            first_name=user.first_name,
            last_name=user.last_name,
            username=user.username,
            phone=user.phone if is_self or user.phone_public else None,
            status=None if user.bot else self.status(user),
            bot_info_version=1 if user.bot else None,
            bot_nochats=None,
        )

    def users(self, users: Iterable[User]) -> list[types.User]:
        return [self.user(user) for user in users]

    def status(self, user: User) -> types.TypeUserStatus:
        match user.status:
            case Status.ONLINE:
                return types.UserStatusOnline(expires=self.now + timedelta(minutes=5))
            case Status.OFFLINE:
                return types.UserStatusOffline(was_online=user.last_seen or self.now)
            case Status.RECENTLY:
                return types.UserStatusRecently()
            case Status.LAST_WEEK:
                return types.UserStatusLastWeek()
            case Status.LAST_MONTH:
                return types.UserStatusLastMonth()
        return types.UserStatusEmpty()

    def chat(self, chat: Chat) -> types.TypeChat:
        viewer = self.viewer_id
        if chat.kind is ChatKind.BASIC_GROUP:
            return build(
                types.Chat, id=chat.id, title=chat.title, photo=types.ChatPhotoEmpty(),
                participants_count=chat.member_count, date=chat.members.get(viewer, chat.created),
                version=chat.version, creator=(chat.creator_id == viewer) or None,
                left=(viewer not in chat.members) or None,
            )
        access_hash = self.hashes.of(viewer, chat.id)
        broadcast = chat.kind is ChatKind.CHANNEL
        if viewer in chat.banned:
            return build(
                types.ChannelForbidden, id=chat.id, access_hash=access_hash, title=chat.title,
                broadcast=broadcast or None, megagroup=(not broadcast) or None,
            )
        admin = viewer in chat.admins
        return build(
            types.Channel,
            id=chat.id, title=chat.title, photo=types.ChatPhotoEmpty(),
            date=chat.members.get(viewer, chat.created),
            creator=(chat.creator_id == viewer) or None,
            left=(viewer not in chat.members) or None,
            broadcast=broadcast or None, megagroup=(not broadcast) or None,
            access_hash=access_hash, username=chat.username,
            admin_rights=(_CREATOR_RIGHTS if chat.creator_id == viewer else _ADMIN_RIGHTS)
            if admin else None,
            participants_count=chat.member_count,
            verified=chat.verified or None, scam=chat.scam or None, fake=chat.fake or None,
            signatures=chat.signatures or None, restricted=bool(chat.restrictions) or None,
            restriction_reason=[
                types.RestrictionReason(platform, reason, text)
                for platform, reason, text in chat.restrictions
            ] or None,
            has_link=chat.linked_chat_id is not None or None,
            slowmode_enabled=chat.slowmode_seconds is not None or None,
        )

    def peer(self, chat: Chat) -> types.TypePeer:
        if chat.kind is ChatKind.BASIC_GROUP:
            return types.PeerChat(chat.id)
        return types.PeerChannel(chat.id)

    def message(self, message: Message, chat: Chat) -> types.TypeMessage:
        from_id = _from_peer(message)
        out = (message.sender_id == self.viewer_id) or None
        reply = _reply_header(message)
        if message.action is not None:
            return build(
                types.MessageService, id=message.id, peer_id=self.peer(chat), date=message.date,
                action=self._action(message, chat), from_id=from_id, out=out, reply_to=reply,
            )
        return build(
            types.Message,
            id=message.id, peer_id=self.peer(chat), date=message.date, message=message.text,
            out=out, post=(chat.kind is ChatKind.CHANNEL) or None, from_id=from_id,
            reply_to=reply, views=message.views, forwards=message.forwards,
            fwd_from=_forward_header(message.fwd), entities=_entities(message.entities),
            reactions=_reactions(message.reactions), post_author=message.post_author,
            via_bot_id=message.via_bot_id, pinned=message.pinned or None,
            edit_date=message.edit_date, replies=_replies(message, chat),
        )

    def _action(self, message: Message, chat: Chat) -> types.TypeMessageAction:
        if message.action == "create":
            if chat.is_channel:
                return types.MessageActionChannelCreate(title=chat.title)
            return types.MessageActionChatCreate(title=chat.title, users=[message.sender_id or 0])
        if message.action == "join_by_link":
            return types.MessageActionChatJoinedByLink(inviter_id=chat.creator_id or 0)
        if message.action == "pin":
            return types.MessageActionPinMessage()
        if message.action == "title":
            return types.MessageActionChatEditTitle(title=message.text)
        if message.action == "leave":
            return types.MessageActionChatDeleteUser(user_id=message.sender_id or 0)
        return types.MessageActionChatAddUser(users=[message.sender_id or 0])

    def participant(self, chat: Chat, user_id: int) -> types.TypeChannelParticipant:
        joined = chat.members.get(user_id, chat.created)
        if user_id == chat.creator_id:
            return types.ChannelParticipantCreator(user_id=user_id, admin_rights=_CREATOR_RIGHTS)
        if user_id in chat.admins:
            is_self = user_id == self.viewer_id
            # In the TL schema `self` and `inviter_id` share one flag: both or neither.
            return build(
                types.ChannelParticipantAdmin, user_id=user_id,
                promoted_by=chat.creator_id or user_id,
                date=chat.admins[user_id], admin_rights=_ADMIN_RIGHTS,
                is_self=is_self or None,
                inviter_id=(chat.creator_id or user_id) if is_self else None,
            )
        if user_id == self.viewer_id:
            return build(
                types.ChannelParticipantSelf, user_id=user_id,
                inviter_id=chat.creator_id or user_id,
                date=joined,
            )
        return build(types.ChannelParticipant, user_id=user_id, date=joined)

    def chat_participant(self, chat: Chat, user_id: int) -> types.TypeChatParticipant:
        joined = chat.members[user_id]
        if user_id == chat.creator_id:
            return types.ChatParticipantCreator(user_id=user_id)
        inviter = chat.creator_id or user_id
        if user_id in chat.admins:
            return types.ChatParticipantAdmin(user_id=user_id, inviter_id=inviter, date=joined)
        return types.ChatParticipant(user_id=user_id, inviter_id=inviter, date=joined)


def _from_peer(message: Message) -> types.TypePeer | None:
    if message.sender_id is not None:
        return types.PeerUser(message.sender_id)
    if message.sender_chat_id is not None:
        return types.PeerChannel(message.sender_chat_id)
    return None


def _reply_header(message: Message) -> types.MessageReplyHeader | None:
    if not message.reply_to:
        return None
    root = message.thread_root
    return build(
        types.MessageReplyHeader, reply_to_msg_id=message.reply_to,
        reply_to_top_id=root if root is not None and root != message.reply_to else None,
    )


def _forward_header(fwd: Forward | None) -> types.MessageFwdHeader | None:
    if fwd is None:
        return None
    origin: types.TypePeer | None = None
    if fwd.kind == "user" and fwd.from_id is not None:
        origin = types.PeerUser(fwd.from_id)
    elif fwd.kind == "channel" and fwd.from_id is not None:
        origin = types.PeerChannel(fwd.from_id)
    return build(
        types.MessageFwdHeader, date=fwd.date, from_id=origin,
        from_name=fwd.name if origin is None else None, channel_post=fwd.post,
        post_author=fwd.post_author,
    )


_ENTITY_TYPES = {
    "url": types.MessageEntityUrl,
    "hashtag": types.MessageEntityHashtag,
    "mention": types.MessageEntityMention,
}


def _entities(entities: tuple[Entity, ...]) -> list[types.TypeMessageEntity] | None:
    if not entities:
        return None
    rendered: list[types.TypeMessageEntity] = []
    for entity in entities:
        if entity.kind == "text_url":
            rendered.append(types.MessageEntityTextUrl(entity.offset, entity.length,
                                                       url=entity.url or ""))
        elif entity.kind == "mention_name":
            rendered.append(types.MessageEntityMentionName(entity.offset, entity.length,
                                                           user_id=entity.user_id or 0))
        else:
            rendered.append(_ENTITY_TYPES[entity.kind](entity.offset, entity.length))
    return rendered


def _reactions(counts: dict[str, int] | None) -> types.MessageReactions | None:
    if not counts:
        return None
    results = [
        types.ReactionCount(reaction=types.ReactionEmoji(emoticon), count=count)
        for emoticon, count in counts.items()
    ]
    return build(types.MessageReactions, results=results, can_see_list=None)


def _replies(message: Message, chat: Chat) -> types.MessageReplies | None:
    if chat.kind is ChatKind.CHANNEL and chat.linked_chat_id is not None:
        return build(
            types.MessageReplies, replies=message.replies, replies_pts=chat.pts, comments=True,
            channel_id=chat.linked_chat_id, max_id=None,
        )
    if message.replies:
        return build(types.MessageReplies, replies=message.replies, replies_pts=chat.pts)
    return None


class UserCache:
    """Serialised ``User`` objects per (viewer, user), rebuilt when the user changed.

    Rendering and encoding a user is most of the sandbox's cost per participant;
    online users (whose status carries an expiry time) are never cached.
    """

    def __init__(self, users: dict[int, User]) -> None:
        self._users = users
        self._cache: dict[tuple[int, int], tuple[tuple[object, ...], Encoded]] = {}

    def render(self, viewer: Viewer, user_ids: Iterable[int]) -> list[TLObject]:
        rendered: list[TLObject] = []
        users, cache, viewer_id = self._users, self._cache, viewer.viewer_id
        for user_id in user_ids:
            user = users[user_id]
            if user.status is Status.ONLINE:
                rendered.append(viewer.user(user))
                continue
            print_ = (user.first_name, user.last_name, user.username, user.status,
                      user.last_seen, user.deleted, user.bot, user.premium, user.phone,
                      user.phone_public)
            hit = cache.get((viewer_id, user_id))
            if hit is None or hit[0] != print_:
                hit = (print_, Encoded(bytes(viewer.user(user))))
                cache[(viewer_id, user_id)] = hit
            rendered.append(hit[1])
        return rendered


class MessageCache:
    """Serialised messages keyed by (chat, message, whether the viewer sent it).

    A message looks the same to every account except for ``out``; a change
    (an edit, reactions, comments) bumps its ``revision``, which is part of the
    key, so an entry never goes stale.
    """

    def __init__(self) -> None:
        self._cache: dict[tuple[int, int, bool, int], Encoded] = {}

    def render(self, viewer: Viewer, chat: Chat, messages: Iterable[Message]) -> list[TLObject]:
        rendered: list[TLObject] = []
        cache, viewer_id = self._cache, viewer.viewer_id
        for message in messages:
            key = (chat.id, message.id, message.sender_id == viewer_id, message.revision)
            hit = cache.get(key)
            if hit is None:
                hit = cache[key] = Encoded(bytes(viewer.message(message, chat)))
            rendered.append(hit)
        return rendered
