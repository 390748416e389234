"""Files on a ticket's messages: what is accepted (by content), where the bytes live, how they are sent back.

- :mod:`.kinds`: what a file is, from its bytes; safe names;
- :mod:`.operations`: checking a message's files and keeping them;
- :mod:`.store`: the store of bytes (the database by default);
- :mod:`.reading`: a ticket's file read back by id, for the channels that send it on;
- :mod:`.responses`: a download, always as an attachment that nothing runs;
- :mod:`.uploads`: reading the files of a form within the limits.
"""
