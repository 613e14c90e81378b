"""Peer help (issue 05): the sector classifier, the choice of experts, the request store and the figures.
The chat side lives in handlers/peer_help; `agora eval routing` uses the same classifier as the bot."""
