"""The Customer Area: sign in by e-mail link, my tickets, a ticket's conversation with replies and files, organisations."""
