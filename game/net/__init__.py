"""The networked classroom: every team on its own device, the projector showing the table.

`classroom.py` is the game's side (teams, tokens, simultaneous moves, negotiation, checks),
`bridge.py` the one place that drives the turn flow `Session`, `journal.py` the autosave,
`server.py` the web pages and websockets, `projector.py` the window at the front,
`host.py` runs them together.
"""
