"""Everything that speaks Telegram, split by area as Telethon's client is.

- the operations, each defined once as an ``OperationSpec`` beside its steps
  (``members``, ``messages``, ``monitor``, ``send``, ...) and registered in
  ``operations``; ``catalogue`` holds what a definition is made of and how the
  faces (session, manager, notebook, command line) are derived from it;
- the request path: ``rpc`` (pacing, flood waits, reconnects, error mapping),
  ``resolve`` (targets to peers, the entity cache), ``targets`` (parsing),
  ``errors`` (Telethon's errors as tgkit's), ``connection`` (client, store and
  pacer opened and closed), ``context`` (what an operation's steps are given);
- rows: ``convert`` (Telethon objects to columns), ``collect`` (pages into the
  store before they count as collected).
"""
